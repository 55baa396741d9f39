"""Whose figures, over which days: the one scope every board figure, report and export reads.

Days are centre-local (``settings.TIME_ZONE``); storage is UTC. A team lead's scope is
always their own team (``access.report_team``), whatever they ask for.
"""

import datetime as dt
from dataclasses import dataclass
from functools import lru_cache
from typing import Any
from urllib.parse import urlencode

from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.urls import get_script_prefix, reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from complaints.access import report_team
from complaints.errors import ApplicationError
from complaints.models import Category, Team

DEFAULT_DAYS = 30
# A year and a day: enough for any year-on-year look, bounded for the exports.
MAX_DAYS = 366


def centre_zone() -> dt.tzinfo:
    return timezone.get_default_timezone()


def local_midnight(day: dt.date) -> dt.datetime:
    """The start of ``day`` in the centre's zone, as an aware datetime."""
    return dt.datetime.combine(day, dt.time.min, tzinfo=centre_zone())


def local_today(now: dt.datetime | None = None) -> dt.date:
    return timezone.localtime(now or timezone.now(), centre_zone()).date()


@dataclass(frozen=True)
class ReportScope:
    team: Team | None
    category: Category | None
    channel: str | None
    since: dt.date
    until: dt.date  # the last day, inclusive
    now: dt.datetime

    @property
    def team_id(self) -> int | None:
        return self.team.pk if self.team else None

    @property
    def today(self) -> dt.date:
        return local_today(self.now)

    @property
    def today_start(self) -> dt.datetime:
        return local_midnight(self.today)

    def bounds(self) -> tuple[dt.datetime, dt.datetime]:
        """[since, until] as the aware half-open range [since 00:00, the day after until)."""
        return local_midnight(self.since), local_midnight(self.until + dt.timedelta(days=1))

    def days(self) -> list[dt.date]:
        count = (self.until - self.since).days + 1
        return [self.since + dt.timedelta(days=offset) for offset in range(count)]

    def dimension_filter(self, prefix: str = "") -> Q:
        """Team, category and channel on a roll-up row or on a complaint (``prefix`` joins)."""
        query = Q()
        if self.team is not None:
            query &= Q(**{f"{prefix}team_id": self.team.pk})
        if self.category is not None:
            query &= Q(**{f"{prefix}category_id": self.category.pk})
        if self.channel:
            query &= Q(**{f"{prefix}channel": self.channel})
        return query

    def list_params(self) -> dict[str, Any]:
        """The scope as the complaint lists' query parameters (drill-down links)."""
        params: dict[str, Any] = {}
        if self.team is not None:
            params["team"] = self.team.pk
        if self.category is not None:
            params["category"] = self.category.code
        if self.channel:
            params["channel"] = self.channel
        return params

    def query(self) -> dict[str, Any]:
        """The scope as the reports' own query parameters (links between reports, exports)."""
        return {
            **self.list_params(),
            "since": self.since.isoformat(),
            "until": self.until.isoformat(),
        }

    def complaints_url(self, **filters: Any) -> str:
        """The complaint queue, every complaint the user may see, narrowed to the scope."""
        return link("complaints:queue", view="all", **self.list_params(), **filters)


def link(url_name: str, **params: Any) -> str:
    """A page URL with query parameters; None values are left out, lists repeat the key.

    Dates go as ``YYYY-MM-DD``: the lists' time filters read a date as its midnight in
    the centre's zone.
    """
    pairs = []
    for key, value in params.items():
        if value is None:
            continue
        for item in value if isinstance(value, list | tuple) else [value]:
            pairs.append((key, item.isoformat() if hasattr(item, "isoformat") else item))
    path = _path(url_name, get_script_prefix())
    return f"{path}?{urlencode(pairs)}" if pairs else path


@lru_cache(maxsize=64)
def _path(url_name: str, prefix: str) -> str:
    """``reverse`` once per list page: a year of trends links every point (thousands)."""
    return reverse(url_name)


def build_scope(
    user: Any,
    *,
    team: Team | None = None,
    category: Category | None = None,
    channel: str | None = None,
    since: dt.date | None = None,
    until: dt.date | None = None,
    now: dt.datetime | None = None,
) -> ReportScope:
    """The scope ``user`` asked for, confined to what they may see.

    A team lead asking for another team is refused (PermissionDenied); asking for
    no team gives their own. Periods are at most MAX_DAYS, until not before since.
    """
    now = now or timezone.now()
    confined = report_team(user)
    if confined is not None:
        if team is not None and team.pk != confined:
            raise PermissionDenied("Team leads see their own team only.")
        team = Team.objects.get(pk=confined) if team is None else team
    until = until or local_today(now)
    since = since or until - dt.timedelta(days=DEFAULT_DAYS - 1)
    if since > until:
        raise ApplicationError(
            _("The period must not end before it starts."),
            details={"until": [_("Must be on or after the start.")]},
        )
    if (until - since).days + 1 > MAX_DAYS:
        message = _("A report covers at most %(days)s days.") % {"days": MAX_DAYS}
        raise ApplicationError(message, details={"since": [message]})
    return ReportScope(
        team=team, category=category, channel=channel or None, since=since, until=until, now=now
    )
