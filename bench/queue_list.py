"""Queue and list: the agent's queue page and the complaints API, with history vs without.

Target (issue 12): p50 with a million complaints of history at most 1.5 times the p50 of
the same centre without history (bench/dataset.py, ``history=False``: the same people,
customers and open complaints, nothing closed or cancelled). Both databases hold the same
open backlog, so both render the same rows: the ratio shows what two years of history
cost a page, and a page whose queries do not degrade with history stays near 1.

Measured one request at a time (latency, not throughput) through gunicorn, after a
warm-up, for:
- ``/`` as an agent of the first team (a session): the team's open queue, most pressing
  deadline first, with the tabs' counts;
- ``/api/v1/complaints/`` as an agent's token (their scope: team, own, created);
- ``/api/v1/complaints/`` as the CRM's token (a supervisor's scope: every complaint),
  first page and a page 20 cursors deep.
"""

import json
import urllib.request
from typing import Any

from bench import dataset, load, server
from bench.setup import no_history_database, use_database

SCALES = {
    "full": load.Load(requests=200, concurrency=1, max_seconds=60, warmup=20),
    "small": load.Load(requests=40, concurrency=1, max_seconds=20, warmup=5),
}
TARGET_RATIO = 1.5
DEEP_PAGES = 20


def run(*, scale: str, context: dict[str, Any]) -> dict[str, Any]:
    plan = SCALES[scale]
    with_history = _measure(context["dataset"], context, plan)
    with use_database(no_history_database(scale)):
        without = dataset.ensure(scale, history=False, regenerate=context["regenerate"])
        baseline = _measure(without, context, plan)
    rows, met = [], True
    for name, outcome in with_history.items():
        base = baseline[name]
        ratio = outcome["p50_ms"] / base["p50_ms"] if base["p50_ms"] else None
        p95_ratio = outcome["p95_ms"] / base["p95_ms"] if base["p95_ms"] else None
        row_met = ratio is not None and ratio <= TARGET_RATIO and not outcome["errors"]
        met = met and row_met
        rows.append(
            {
                "figure": f"{name} p50 ms",
                "value": outcome["p50_ms"],
                "baseline": base["p50_ms"],
                "ratio": round(ratio, 2) if ratio else None,
                "target": f"<= {TARGET_RATIO}",
                "met": row_met,
            }
        )
        rows.append(
            {
                "figure": f"{name} p95 ms",
                "value": outcome["p95_ms"],
                "baseline": base["p95_ms"],
                "ratio": round(p95_ratio, 2) if p95_ratio else None,
            }
        )
    return {
        "name": "queue_list",
        "with_history": with_history,
        "without_history": baseline,
        "baseline_dataset": without.summary(),
        "target": f"p50 ratio <= {TARGET_RATIO} (history vs none)",
        "met": met,
        "table": rows,
    }


def _measure(data: dataset.Dataset, context: dict[str, Any], plan: load.Load) -> dict[str, Any]:
    """p50/p95 of each page against the current database."""
    agent, crm = data.people["agent"], data.people["crm"]
    session = context["session"](agent)
    agent_token = context["token"](agent, ["complaints:read"])
    crm_token = context["token"](crm, ["complaints:read"])
    requests = {
        "queue page": _get("/", cookie=f"sessionid={session}"),
        "list (agent)": _get("/api/v1/complaints/", token=agent_token),
        "list (all)": _get("/api/v1/complaints/", token=crm_token),
    }
    figures = {}
    with server.gunicorn(database_url=context["current_database_url"]()) as web:
        requests["list (all, deep)"] = _get(_deep_cursor(web, crm_token), token=crm_token)
        for name, payload in requests.items():
            make = lambda _index, payload=payload: payload  # noqa: E731
            warm = load.Load(requests=plan.warmup, concurrency=1, max_seconds=30)
            load.run(web.host, web.port, make, warm)
            figures[name] = load.run(web.host, web.port, make, plan).figures(expected=200)
    return figures


def _get(path: str, *, cookie: str = "", token: str = "") -> bytes:
    headers = {"Accept": "text/html" if cookie else "application/json"}
    if cookie:
        headers["Cookie"] = cookie
    if token:
        headers["Authorization"] = f"Bearer {token}"
    return load.request_bytes("GET", path, headers=headers)


def _deep_cursor(web: server.Server, token: str) -> str:
    """The path of the list's page ``DEEP_PAGES`` cursors in (or the last one)."""
    path = "/api/v1/complaints/"
    for _page in range(DEEP_PAGES):
        request = urllib.request.Request(  # noqa: S310 - our own server on 127.0.0.1
            f"{web.base_url}{path}", headers={"Authorization": f"Bearer {token}"}
        )
        with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
            following = json.loads(response.read()).get("next")
        if not following:
            break
        path = following.removeprefix(web.base_url).removeprefix("http://127.0.0.1")
        path = path[path.index("/api/") :]
    return path
