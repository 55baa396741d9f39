"""Working-time arithmetic for SLA clocks.

A calendar is the time zone, working hours per weekday and holidays. All the
arithmetic happens in the calendar's own zone, one working interval at a time,
so that a DST change shortens or lengthens the wall-clock day correctly; the
results are aware datetimes that Django stores in UTC. No calendar means 24×7.
"""

import datetime as dt
from dataclasses import dataclass
from functools import cached_property
from zoneinfo import ZoneInfo

from complaints.models import BusinessCalendar

# A due time is never more than this far ahead, however sparse the calendar.
MAX_DAYS_AHEAD = 800


@dataclass(frozen=True)
class WorkingTime:
    zone: ZoneInfo
    weekly: dict[int, tuple[tuple[dt.time, dt.time], ...]]
    holiday_country: str = ""
    holiday_subdivision: str = ""
    extra_holidays: frozenset[dt.date] = frozenset()
    extra_workdays: frozenset[dt.date] = frozenset()

    @classmethod
    def from_calendar(cls, calendar: BusinessCalendar) -> "WorkingTime":
        weekly = {
            int(day): tuple(
                (dt.time.fromisoformat(start), dt.time.fromisoformat(end))
                for start, end in intervals
            )
            for day, intervals in (calendar.weekly_hours or {}).items()
        }
        return cls(
            zone=ZoneInfo(calendar.time_zone),
            weekly=weekly,
            holiday_country=calendar.holiday_country,
            holiday_subdivision=calendar.holiday_subdivision,
            extra_holidays=frozenset(dt.date.fromisoformat(d) for d in calendar.extra_holidays),
            extra_workdays=frozenset(dt.date.fromisoformat(d) for d in calendar.extra_workdays),
        )

    @cached_property
    def _public_holidays(self):
        if not self.holiday_country:
            return None
        import holidays

        return holidays.country_holidays(
            self.holiday_country, subdiv=self.holiday_subdivision or None
        )

    def _hours(self, day: dt.date) -> tuple[tuple[dt.time, dt.time], ...]:
        """The working intervals of ``day`` (local dates)."""
        if day in self.extra_holidays:
            return ()
        monday_hours = self.weekly.get(1, ())
        if day in self.extra_workdays:
            return self.weekly.get(day.isoweekday()) or monday_hours
        public = self._public_holidays
        if public is None:
            return self.weekly.get(day.isoweekday(), ())
        if day in public and not public.is_working_day(day):
            return ()
        if not self.weekly.get(day.isoweekday()) and public.is_working_day(day):
            # A make-up working day (调休) on a weekend: a normal day's hours.
            return monday_hours if day.isoweekday() > 5 else ()
        return self.weekly.get(day.isoweekday(), ())

    def _intervals_from(self, start: dt.datetime):
        """Working intervals (aware, local zone) from ``start`` onwards."""
        local = start.astimezone(self.zone)
        day = local.date()
        for _ in range(MAX_DAYS_AHEAD):
            for opens, closes in self._hours(day):
                begin = dt.datetime.combine(day, opens, tzinfo=self.zone)
                end = (
                    dt.datetime.combine(day + dt.timedelta(days=1), dt.time(0), tzinfo=self.zone)
                    if closes == dt.time(0)
                    else dt.datetime.combine(day, closes, tzinfo=self.zone)
                )
                if end <= local:
                    continue
                yield max(begin, local), end
            day += dt.timedelta(days=1)

    def add(self, start: dt.datetime, duration: dt.timedelta) -> dt.datetime:
        """``start`` plus ``duration`` of working time."""
        remaining = duration
        for begin, end in self._intervals_from(start):
            # Subtract in UTC: a local interval spanning a DST change is shorter or longer.
            span = end.astimezone(dt.UTC) - begin.astimezone(dt.UTC)
            if remaining <= span:
                return (begin.astimezone(dt.UTC) + remaining).astimezone(dt.UTC)
            remaining -= span
        raise ValueError("The calendar has no working time within the next 800 days.")

    def between(self, start: dt.datetime, end: dt.datetime) -> dt.timedelta:
        """Working time from ``start`` to ``end`` (zero when end is not later)."""
        total = dt.timedelta(0)
        if end <= start:
            return total
        for begin, close in self._intervals_from(start):
            begin_utc, close_utc = begin.astimezone(dt.UTC), close.astimezone(dt.UTC)
            if begin_utc >= end:
                break
            total += min(close_utc, end) - begin_utc
        return total


class AroundTheClock:
    """The default: every second counts."""

    def add(self, start: dt.datetime, duration: dt.timedelta) -> dt.datetime:
        return start + duration

    def between(self, start: dt.datetime, end: dt.datetime) -> dt.timedelta:
        return max(end - start, dt.timedelta(0))


def working_time(calendar: BusinessCalendar | None) -> "WorkingTime | AroundTheClock":
    return WorkingTime.from_calendar(calendar) if calendar is not None else AroundTheClock()
