"""Queue and list: the agent's queue page and the complaints API, with history vs without.

Target (issue 12): p50 with a million complaints of history at most 1.5 times the p50 of
the same centre without history (bench/dataset.py, ``history=False``: the same people,
customers and open complaints, nothing closed or cancelled). Both databases hold the same
open backlog, so both render the same rows: the ratio shows what two years of history
cost a page, and a page whose queries do not degrade with history stays near 1.

Measured one request at a time (latency, not throughput) through gunicorn, after a
warm-up, with both databases' servers up and the requests alternating between them in
rounds, for:
- ``/`` as an agent of the first team (a session): the team's open queue, most pressing
  deadline first, with the tabs' counts;
- ``/api/v1/complaints/`` as an agent's token (their scope: team, own, created);
- ``/api/v1/complaints/`` as the CRM's token (a supervisor's scope: every complaint),
  first page and a page 20 cursors deep.
"""

import json
import urllib.request
from dataclasses import dataclass
from typing import Any

from bench import dataset, load, server
from bench.setup import no_history_database, use_database

SCALES = {
    "full": load.Load(requests=200, concurrency=1, max_seconds=60, warmup=20),
    "small": load.Load(requests=10, concurrency=1, max_seconds=10, warmup=2),
}
# Requests alternate between the two servers in this many rounds, so that a burst of
# noise on this shared machine falls on both sides alike.
ROUNDS = 10
TARGET_RATIO = 1.5
DEEP_PAGES = 20


@dataclass
class Side:
    """One database's server and requests: with the history or without it."""

    database_url: str
    requests: dict[str, bytes]
    crm_token: str


def run(*, scale: str, context: dict[str, Any]) -> dict[str, Any]:
    plan = SCALES[scale]
    history = _side(context["dataset"], context, context["database_url"])
    with use_database(no_history_database(scale)) as url:
        without = dataset.ensure(scale, history=False, regenerate=context["regenerate"])
        none = _side(without, context, url)
    try:
        measured = _measure(history, none, plan)
    finally:
        with use_database(no_history_database(scale)):
            dataset.restore(without)
    rows, met = [], True
    for name, (outcome, base) in measured.items():
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
        "with_history": {name: outcome for name, (outcome, _base) in measured.items()},
        "without_history": {name: base for name, (_outcome, base) in measured.items()},
        "baseline_dataset": without.summary(),
        "target": f"p50 ratio <= {TARGET_RATIO} (history vs none)",
        "met": met,
        "table": rows,
    }


def _side(data: dataset.Dataset, context: dict[str, Any], url: str) -> Side:
    """Sign in (a session, two tokens) in the current database; the requests to send."""
    agent, crm = data.people["agent"], data.people["crm"]
    session = context["session"](agent)
    agent_token = context["token"](agent, ["complaints:read"])
    crm_token = context["token"](crm, ["complaints:read"])
    requests = {
        "queue page": _get("/", cookie=f"sessionid={session}"),
        "list (agent)": _get("/api/v1/complaints/", token=agent_token),
        "list (all)": _get("/api/v1/complaints/", token=crm_token),
    }
    return Side(database_url=url, requests=requests, crm_token=crm_token)


def _measure(history: Side, none: Side, plan: load.Load) -> dict[str, tuple[dict, dict]]:
    """(with history, without) figures of each page, both servers up, requests alternating."""
    per_round = load.Load(
        requests=max(plan.requests // ROUNDS, 1),
        concurrency=1,
        max_seconds=plan.max_seconds / ROUNDS,
    )
    warm = load.Load(requests=plan.warmup, concurrency=1, max_seconds=30)
    with (
        server.gunicorn(database_url=history.database_url) as with_web,
        server.gunicorn(database_url=none.database_url) as without_web,
    ):
        sides = ((history, with_web), (none, without_web))
        for side, web in sides:
            deep = _deep_cursor(web, side.crm_token)
            side.requests["list (all, deep)"] = _get(deep, token=side.crm_token)
        figures = {}
        for name in history.requests:
            outcomes = [load.Outcome(), load.Outcome()]
            for side, web in sides:
                load.run(web.host, web.port, _constant(side.requests[name]), warm)
            for _round in range(ROUNDS):
                for number, (side, web) in enumerate(sides):
                    make = _constant(side.requests[name])
                    measured = load.run(web.host, web.port, make, per_round)
                    outcomes[number] = outcomes[number].merged(measured)
            figures[name] = tuple(outcome.figures(expected=200) for outcome in outcomes)
    return figures


def _constant(payload: bytes):
    return lambda _index: payload


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
