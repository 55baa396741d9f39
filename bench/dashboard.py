"""Dashboard: the supervisor's live board at a million complaints, against its own SQL.

Target (issue 12): the board's server time at most **300 ms** median with the data set
(1,000,000 complaints over two years, the whole centre in the supervisor's scope). The
baseline is the SQL the board needs, captured from one request and run again directly
through a cursor: the ratio is what Django, the panels and the template add to it.

Measured in-process (Django's test client: the whole view, middleware and template, no
network), one request at a time after a warm-up, for the full page and for the board
alone (the part htmx fetches every 30 seconds).
"""

import statistics
import time
from typing import Any

from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

TARGET_MS = 300
SCALES = {"full": {"warmup": 3, "requests": 25}, "small": {"warmup": 1, "requests": 5}}
HOST = "127.0.0.1"


def run(*, scale: str, context: dict[str, Any]) -> dict[str, Any]:
    plan = SCALES[scale]
    client = Client(HTTP_HOST=HOST)
    client.force_login(context["dataset"].people["supervisor"])
    page = _timed(client, "/dashboard/", plan, htmx=False)
    board = _timed(client, "/dashboard/", plan, htmx=True)
    statements = _board_sql(client)
    sql = _timed_sql(statements, plan)
    met = page["p50_ms"] <= TARGET_MS
    return {
        "name": "dashboard",
        "met": met,
        "page": page,
        "board": board,
        "sql": {**sql, "statements": len(statements)},
        "table": [
            {
                "figure": "board page p50 / p95 (ms)",
                "value": f"{page['p50_ms']} / {page['p95_ms']}",
                "baseline": f"{sql['p50_ms']} (its {len(statements)} statements)",
                "ratio": _ratio(page["p50_ms"], sql["p50_ms"]),
                "target": f"<= {TARGET_MS} ms median",
                "met": met,
            },
            {
                "figure": "board refresh (htmx) p50 / p95 (ms)",
                "value": f"{board['p50_ms']} / {board['p95_ms']}",
                "baseline": sql["p50_ms"],
                "ratio": _ratio(board["p50_ms"], sql["p50_ms"]),
            },
        ],
    }


def _timed(client: Client, url: str, plan: dict[str, int], *, htmx: bool) -> dict[str, Any]:
    headers = {"HX-Request": "true"} if htmx else {}
    times = []
    for number in range(plan["warmup"] + plan["requests"]):
        started = time.perf_counter()
        response = client.get(url, headers=headers)
        elapsed = (time.perf_counter() - started) * 1000
        if response.status_code != 200:
            raise RuntimeError(f"{url} answered {response.status_code}")
        if number >= plan["warmup"]:
            times.append(elapsed)
    return _summary(times)


def _board_sql(client: Client) -> list[str]:
    """The statements one board request sends, as PostgreSQL received them."""
    with CaptureQueriesContext(connection) as captured:
        client.get("/dashboard/", headers={"HX-Request": "true"})
    return [
        query["sql"] for query in captured.captured_queries if query["sql"].startswith("SELECT")
    ]


def _timed_sql(statements: list[str], plan: dict[str, int]) -> dict[str, Any]:
    times = []
    with connection.cursor() as cursor:
        for number in range(plan["warmup"] + plan["requests"]):
            started = time.perf_counter()
            for statement in statements:
                cursor.execute(statement)
                cursor.fetchall()
            if number >= plan["warmup"]:
                times.append((time.perf_counter() - started) * 1000)
    return _summary(times)


def _summary(times: list[float]) -> dict[str, Any]:
    ordered = sorted(times)
    return {
        "p50_ms": round(statistics.median(ordered), 1),
        "p95_ms": round(ordered[min(len(ordered) - 1, int(len(ordered) * 0.95))], 1),
        "requests": len(ordered),
    }


def _ratio(value: float, baseline: float) -> float | None:
    return round(value / baseline, 2) if baseline else None
