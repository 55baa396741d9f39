"""The trend report in the shape the page's Chart.js code draws (passed by ``json_script``)."""

from typing import Any

from complaints.reports.registry import SHARE


def _value(kind: str, value: float | int | None) -> float | int | None:
    """Shares as percentages with one decimal; counts as they are."""
    if kind == SHARE and value is not None:
        return round(value * 100, 1)
    return value


def chart_data(report: dict[str, Any], *, grain: str) -> dict[str, Any]:
    """Series grouped into charts (by ``chart``), daily or weekly, with a link per point."""
    charts: dict[str, dict[str, Any]] = {}
    for series in report["series"]:
        points = series["weekly" if grain == "week" else "daily"]
        chart = charts.setdefault(
            series["chart"],
            {
                "key": series["chart"],
                "kind": series["kind"],
                "titles": [],
                "labels": [point["start"].isoformat() for point in points],
                "datasets": [],
            },
        )
        chart["titles"].append(series["title"])
        chart["datasets"].append(
            {
                "label": series["title"],
                "data": [_value(series["kind"], point["value"]) for point in points],
                "urls": [point["url"] for point in points],
            }
        )
    for chart in charts.values():
        chart["title"] = " · ".join(chart.pop("titles"))
    return {
        "charts": list(charts.values()),
        "breakdowns": [
            {
                "key": breakdown["key"],
                "title": breakdown["title"],
                "pareto": breakdown["pareto"],
                "labels": [item["label"] for item in breakdown["items"]],
                "values": [item["value"] for item in breakdown["items"]],
                "cumulative": [
                    _value(SHARE, item["cumulative_share"]) for item in breakdown["items"]
                ],
                "urls": [item["url"] for item in breakdown["items"]],
            }
            for breakdown in report["breakdowns"]
        ],
    }
