"""Request rates as DRF spells them (``600/min``), for settings, tokens and the throttle.

Plain Python, so that ``config.env`` can check ``API_*_RATE`` while settings load.
"""

import re

_RATE = re.compile(r"^\s*(\d+)\s*/\s*(s|sec|second|m|min|minute|h|hour|d|day)\s*$", re.IGNORECASE)
_PERIOD_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def parse_rate(rate: str) -> tuple[int, int] | None:
    """``"600/min"`` as (600 requests, 60 seconds); None for an empty rate (no limit).

    Raises ValueError for anything else.
    """
    if not rate or not rate.strip():
        return None
    match = _RATE.match(rate)
    if match is None or int(match[1]) < 1:
        raise ValueError(rate)
    return int(match[1]), _PERIOD_SECONDS[match[2][0].lower()]
