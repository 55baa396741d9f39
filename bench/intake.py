"""Intake: ``POST /api/v1/complaints/`` through gunicorn at a million complaints.

Target (issue 12): intake throughput at least half of the baseline's, an endpoint in
the same server that authenticates the same token and creates one row with a DRF
``ModelSerializer`` (bench/baseline.py).
Both are loaded alike (same concurrency, same number of requests), in alternating
rounds so that a burst of noise on this shared machine hits both.

Bodies are what an IVR or CRM sends: 70 % from customers already on file (found by
phone in any spelling; some complained within 30 days, so repeat detection fires and
opens repair cases), 30 % from new numbers; a category on most, Chinese and English
texts. Every complaint runs the real service: classification (the default rules and a trained
model), SLA clocks, reference counter, repeat detection, the timeline, the signals'
receivers.
"""

import json
from typing import Any

from bench import dataset, load, server
from bench.classification import train_model
from bench.setup import raw_connection

# Requests (and the time cap) per endpoint, over all rounds.
SCALES = {
    "full": load.Load(requests=3000, concurrency=8, max_seconds=240, warmup=100),
    "small": load.Load(requests=120, concurrency=4, max_seconds=30, warmup=8),
}
# Intake and the baseline alternate in this many rounds, so that a burst of noise on
# this shared machine falls on both.
ROUNDS = 6
TARGET_RATIO = 0.5
CHANNELS = ("phone", "phone", "phone", "app", "web", "sms", "email", "walk_in")
EMOTIONS = ("calm", "calm", "upset", "upset", "angry")


def run(*, scale: str, context: dict[str, Any]) -> dict[str, Any]:
    data: dataset.Dataset = context["dataset"]
    plan = SCALES[scale]
    token = context["token"](data.people["ivr"], ["complaints:write", "complaints:read"])
    # A centre runs with a trained classifier (removed with the run's other rows); its
    # prediction costs the same whatever it was trained on.
    train_model(copies=1)
    customers = dataset.SCALES[data.scale].customers
    intake_body = _intake_bodies(customers)
    with server.gunicorn(database_url=context["database_url"]) as web:
        post = _poster(token)
        intake = lambda index: post("/api/v1/complaints/", intake_body(index))  # noqa: E731
        baseline = lambda index: post("/bench/baseline/", _baseline_body(index))  # noqa: E731
        for make in (intake, baseline):  # each worker loads its code and connection
            load.run(web.host, web.port, make, _warmup(plan), first=10_000_000)
        intake_outcome, baseline_outcome = load.Outcome(), load.Outcome()
        with _LockWaits() as lock_waits:
            per_round = load.Load(
                requests=plan.requests // ROUNDS,
                concurrency=plan.concurrency,
                max_seconds=plan.max_seconds / ROUNDS,
            )
            for round_number in range(ROUNDS):
                first = round_number * per_round.requests
                baseline_outcome = baseline_outcome.merged(
                    load.run(web.host, web.port, baseline, per_round, first=first)
                )
                lock_waits.counting = True  # only while intake runs
                intake_outcome = intake_outcome.merged(
                    load.run(web.host, web.port, intake, per_round, first=first)
                )
                lock_waits.counting = False
    figures = intake_outcome.figures(expected=201)
    base = baseline_outcome.figures(expected=201)
    ratio = figures["per_second"] / base["per_second"] if base["per_second"] else None
    met = ratio is not None and ratio >= TARGET_RATIO and not figures["errors"]
    return {
        "name": "intake",
        "concurrency": plan.concurrency,
        "workers": server.WORKERS,
        "intake": figures,
        "baseline": base,
        "ratio": round(ratio, 2) if ratio else None,
        "lock_waits": lock_waits.figures(),
        "target": f">= {TARGET_RATIO} x baseline req/s",
        "met": met,
        "table": [
            {
                "figure": "intake req/s",
                "value": figures["per_second"],
                "baseline": base["per_second"],
                "ratio": round(ratio, 2) if ratio else None,
                "target": f">= {TARGET_RATIO}",
                "met": met,
            },
            {
                "figure": "intake p50 / p95 ms",
                "value": f"{figures['p50_ms']} / {figures['p95_ms']}",
                "baseline": f"{base['p50_ms']} / {base['p95_ms']}",
            },
        ],
    }


def _warmup(plan: load.Load) -> load.Load:
    return load.Load(requests=plan.warmup, concurrency=plan.concurrency, max_seconds=60)


def _poster(token: str):
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}

    def post(path: str, body: dict) -> bytes:
        return load.request_bytes("POST", path, headers=headers, body=json.dumps(body).encode())

    return post


def _intake_bodies(customers: int):
    codes = [code for code, *_rest in dataset.CATEGORIES]

    def body(index: int) -> dict[str, Any]:
        if index % 10 < 7:  # a customer on file, in the spellings people type
            customer = 1 + (index * 7919) % customers
            digits = f"138{(customer * 48271) % 100_000_000:08d}"
        else:  # a new number (removed again with the benchmark's other rows)
            digits = f"199{index % 100_000_000:08d}"
        spelling = index % 4
        phone = (
            digits
            if spelling == 0
            else f"+86 {digits[:3]} {digits[3:7]} {digits[7:]}"
            if spelling == 1
            else f"{digits[:3]}-{digits[3:7]}-{digits[7:]}"
            if spelling == 2
            else f"+86{digits}"
        )
        category = codes[index % len(codes)]
        texts = dataset.DESCRIPTIONS[category]
        payload = {
            "phone": phone,
            "customer_name": "",
            "channel": CHANNELS[index % len(CHANNELS)],
            "description": f"{texts[index % len(texts)]} (bench {index})",
            "emotion": EMOTIONS[index % len(EMOTIONS)],
        }
        if index % 5:  # most integrations send a category; the rest are classified
            payload["category"] = category
        return payload

    return body


def _baseline_body(index: int) -> dict[str, Any]:
    return {"kind": "bench", "message": f"baseline {index}"}


class _LockWaits:
    """Sample, every 20 ms, the server's backends waiting on a row lock during intake.

    The reference counter row is locked from the complaint's number until its commit: if
    that serialised the workers, intake's backends would be seen waiting on it.
    """

    INTERVAL = 0.02

    def __init__(self) -> None:
        import threading

        self.counting = False
        self.samples = self.waiting = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def __enter__(self) -> "_LockWaits":
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join(timeout=5)

    def _sample(self) -> None:
        raw = raw_connection()
        raw.autocommit = True
        try:
            with raw.cursor() as cursor:
                while not self._stop.wait(self.INTERVAL):
                    if not self.counting:
                        continue
                    cursor.execute(
                        "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                        "AND pid <> pg_backend_pid() AND wait_event_type = 'Lock'"
                    )
                    self.samples += 1
                    self.waiting += cursor.fetchone()[0]
        finally:
            raw.close()

    def figures(self) -> dict[str, Any]:
        return {
            "samples": self.samples,
            "backends_waiting_on_a_lock_per_sample": round(self.waiting / self.samples, 3)
            if self.samples
            else None,
        }
