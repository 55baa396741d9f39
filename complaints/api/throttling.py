"""Rate limits per API token (and per user for sessions): 429 with ``Retry-After``.

Fixed windows counted in the default cache (Redis): one atomic ``INCR`` per
request, so web nodes share the count. With Redis down the limit fails open: agents'
and integrations' writes matter more than the limit. A token's own ``rate_limit`` wins over
``API_TOKEN_RATE``; sessions get ``API_USER_RATE``, unauthenticated callers (the
SMS gateway's signed deliveries, the schema) ``API_ANON_RATE`` per address. An
empty rate means no limit.
"""

import logging
import math
import time

from django.conf import settings
from django.core.cache import cache
from rest_framework.throttling import BaseThrottle

from complaints.models import ApiToken
from complaints.rates import parse_rate

logger = logging.getLogger(__name__)


class ApiRateThrottle(BaseThrottle):
    cache = cache

    def allow_request(self, request, view) -> bool:
        identity, rate = self._identity_and_rate(request)
        parsed = parse_rate(rate)
        if parsed is None:
            return True
        limit, period = parsed
        now = time.time()
        window = int(now // period)
        key = f"throttle:{identity}:{period}:{window}"
        # add() makes the window's counter (atomic), incr() counts on it; the key
        # outlives its window by a second so that a late incr() never misses it.
        try:
            count = (
                1 if self.cache.add(key, 1, timeout=period + 1) else self._increment(key, period)
            )
        except Exception:  # Redis down: serve the request; an outage must not stop intake
            logger.warning("Rate limit not counted (cache unavailable) for %s", identity)
            return True
        if count <= limit:
            return True
        self._wait = (window + 1) * period - now
        return False

    def _increment(self, key: str, period: int) -> int:
        try:
            return self.cache.incr(key)
        except ValueError:  # the window ended between add() and incr()
            self.cache.add(key, 1, timeout=period + 1)
            return 1

    def _identity_and_rate(self, request) -> tuple[str, str]:
        token = request.auth
        if isinstance(token, ApiToken):
            return f"token:{token.pk}", token.rate_limit or settings.API_TOKEN_RATE
        user = request.user
        if user is not None and user.is_authenticated:
            return f"user:{user.pk}", settings.API_USER_RATE
        return f"anon:{self.get_ident(request)}", settings.API_ANON_RATE

    def wait(self) -> int:
        """Whole seconds until the window ends (``Retry-After``), never 0."""
        return max(1, math.ceil(self._wait))
