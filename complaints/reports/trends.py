"""Trends over a period, read from the daily roll-ups only: one GROUP BY day per source.

The roll-up rows of a period number days × the dimensions present, whatever the
number of complaints behind them; weeks (Monday to Sunday) are summed from the days.
"""

import datetime as dt
from collections import defaultdict
from typing import Any

from django.db.models import Sum

from complaints.reports import registry
from complaints.reports.scope import ReportScope


def _share(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def _daily_sums(scope: ReportScope, source: str, columns: set[str]) -> dict[dt.date, dict]:
    model = registry.rollup_source(source).model
    rows = (
        model.objects.filter(day__gte=scope.since, day__lte=scope.until)
        .filter(scope.dimension_filter())
        .values("day")
        .annotate(**{column: Sum(column) for column in sorted(columns)})
        .order_by("day")
    )
    return {row.pop("day"): row for row in rows}


def _point(series: registry.TrendSeries, sums: dict, first: dt.date, last: dt.date, scope):
    numerator = sums.get(series.numerator) or 0
    denominator = (sums.get(series.denominator) or 0) if series.denominator else None
    value = _share(numerator, denominator) if series.denominator else numerator
    url = series.link(scope, first, last) if series.link else None
    return {
        "start": first,
        "end": last,
        "value": value,
        "numerator": numerator,
        "denominator": denominator,
        "url": url,
    }


def _weeks(days: list[dt.date]) -> list[tuple[dt.date, dt.date]]:
    """(first, last) day of each Monday-to-Sunday week met in ``days``, clipped to them."""
    weeks: dict[dt.date, list[dt.date]] = defaultdict(list)
    for day in days:
        weeks[day - dt.timedelta(days=day.weekday())].append(day)
    return [(min(members), max(members)) for _monday, members in sorted(weeks.items())]


def trend_report(scope: ReportScope) -> dict[str, Any]:
    """Every registered series, daily and weekly, plus the breakdowns, for ``scope``."""
    definitions = registry.trends()
    columns: dict[str, set[str]] = defaultdict(set)
    for series in definitions:
        columns[series.source].add(series.numerator)
        if series.denominator:
            columns[series.source].add(series.denominator)
    sums = {source: _daily_sums(scope, source, wanted) for source, wanted in columns.items()}
    days = scope.days()
    weeks = _weeks(days)
    result = []
    for series in definitions:
        by_day = sums[series.source]
        daily = [_point(series, by_day.get(day, {}), day, day, scope) for day in days]
        weekly = []
        for first, last in weeks:
            total: dict[str, int] = defaultdict(int)
            for point in daily:
                if first <= point["start"] <= last:
                    total[series.numerator] += point["numerator"]
                    if series.denominator:
                        total[series.denominator] += point["denominator"]
            weekly.append(_point(series, total, first, last, scope))
        period = _point(
            series,
            {
                series.numerator: sum(point["numerator"] for point in daily),
                **(
                    {series.denominator: sum(point["denominator"] for point in daily)}
                    if series.denominator
                    else {}
                ),
            },
            scope.since,
            scope.until,
            scope,
        )
        result.append(
            {
                "key": series.key,
                "title": str(series.title),
                "chart": series.chart,
                "kind": series.kind,
                "total": period,
                "daily": daily,
                "weekly": weekly,
            }
        )
    return {
        "since": scope.since,
        "until": scope.until,
        "series": result,
        "breakdowns": [breakdown_report(scope, breakdown) for breakdown in registry.breakdowns()],
    }


def breakdown_report(scope: ReportScope, breakdown: registry.Breakdown) -> dict[str, Any]:
    """One measure over the period grouped by one column; Pareto order when asked."""
    model = registry.rollup_source(breakdown.source).model
    rows = (
        model.objects.filter(day__gte=scope.since, day__lte=scope.until)
        .filter(scope.dimension_filter())
        .values(breakdown.by)
        .annotate(total=Sum(breakdown.measure))
        .order_by()
    )
    totals = {row[breakdown.by]: row["total"] or 0 for row in rows}
    keys = list(breakdown.keys) or list(totals)
    if breakdown.pareto:
        keys.sort(key=lambda key: (-totals.get(key, 0), str(key)))
    described = breakdown.describe(scope, keys)
    grand_total = sum(totals.values())
    running = 0
    items = []
    for key in keys:
        value = totals.get(key, 0)
        running += value
        label, url = described.get(key, (str(key), None))
        items.append(
            {
                "key": key,
                "label": label,
                "value": value,
                "cumulative_share": _share(running, grand_total) if breakdown.pareto else None,
                "url": url,
            }
        )
    return {
        "key": breakdown.key,
        "title": str(breakdown.title),
        "pareto": breakdown.pareto,
        "total": grand_total,
        "items": items,
    }
