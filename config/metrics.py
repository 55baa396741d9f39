"""``/metrics`` in Prometheus text format: request latency, backlogs, queues, tasks, SLA check.

Three kinds of figure, each kept where it can be true for the whole deployment:

- request latency is a Histogram each web process observes (``RequestIdMiddleware``); under
  gunicorn with several workers set ``PROMETHEUS_MULTIPROC_DIR`` and the scrape adds up
  every worker's file (prometheus-client's multiprocess mode);
- business gauges (open complaints, SLA, callbacks, outbox) are counted at scrape time by a
  few GROUP BY queries over indexed columns (``business_figures``), so every web node
  reports the same numbers and nothing drifts;
- Celery figures live in Redis: queue lengths are the broker's lists, and workers (separate
  processes, often other machines) add their task counts and runtimes to one hash from the
  task signals (``record_task_*``), which the scrape turns into counters.
"""

import datetime as dt
import hmac
import ipaddress
import logging
import os
import time
from collections.abc import Iterator
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse, HttpResponseForbidden
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Histogram,
    generate_latest,
    multiprocess,
)
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from prometheus_client.registry import Collector

logger = logging.getLogger(__name__)

REQUEST_LATENCY = Histogram(
    "cts_http_request_duration_seconds",
    "Time from request to response, by resolved view (url name), method and status class.",
    ["view", "method", "status"],
    # Pages and API calls answer in tens of milliseconds; exports and imports take seconds.
    buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
)
UNRESOLVED_VIEW = "<unresolved>"  # a 404 for no route: one label, not one per probed path
STATIC_VIEW = "<static>"

# Workers add to this hash; the web reads it. Fields: "<figure>|<task name>".
TASK_STATS_KEY = "cts:metrics:task-stats"
TASK_FIGURES = ("runs", "failures", "seconds")
DEFAULT_CELERY_QUEUE = "celery"
# A scrape must answer even when Redis hangs.
REDIS_TIMEOUT_SECONDS = 1

_redis_client = None


def observe_request(request: HttpRequest, status_code: int, seconds: float) -> None:
    """One request in the latency histogram, labelled by its route's name, not its path."""
    match = getattr(request, "resolver_match", None)
    if match:
        view = match.view_name
    elif request.path.startswith(settings.STATIC_URL):
        view = STATIC_VIEW  # whitenoise answered before any URL was resolved
    else:
        view = UNRESOLVED_VIEW
    REQUEST_LATENCY.labels(view, request.method, f"{status_code // 100}xx").observe(seconds)


# --- Reads at scrape time ---------------------------------------------------------------


def complaint_figures(*, today_start: dt.datetime) -> dict[str, Any]:
    """Open complaints by priority × state (with at risk and breached), and today's breaches.

    Two queries, the board's: open rows through the partial indexes on running clocks,
    today's breaches through the indexes on the breach times.
    """
    from complaints.filters import breached_between
    from complaints.models import Complaint
    from complaints.reports.board import open_by_priority_and_state

    open_rows = open_by_priority_and_state(Complaint.objects.all())
    breached_today = Complaint.objects.filter(breached_between(today_start, None)).count()
    return {"open": open_rows, "breached_today": breached_today}


def callback_figures(*, now: dt.datetime) -> dict[str, int]:
    """Bookings waiting and overdue, as the board counts them (one query)."""
    from repair.selectors import open_callback_counts

    return open_callback_counts(scope=Q(), now=now)


def outbox_figures(*, now: dt.datetime) -> dict[str, int]:
    """Messages waiting to go, and those already due (quiet hours hold the others); one
    query over the partial index on pending rows."""
    from complaints.models import MessageState, OutboundMessage

    return OutboundMessage.objects.filter(state=MessageState.PENDING).aggregate(
        pending=Count("id"), due=Count("id", filter=Q(not_before__lte=now))
    )


def celery_queue_names() -> list[str]:
    """The queues workers consume: ``CELERY_TASK_QUEUES`` when routing defines them."""
    queues = getattr(settings, "CELERY_TASK_QUEUES", None)
    if not queues:
        return [getattr(settings, "CELERY_TASK_DEFAULT_QUEUE", DEFAULT_CELERY_QUEUE)]
    if isinstance(queues, dict):
        return list(queues)
    return [getattr(queue, "name", queue) for queue in queues]


def _redis():
    """The broker's Redis, or None on the embedded file-system broker."""
    global _redis_client
    if not settings.REDIS_URL:
        return None
    if _redis_client is None:
        import redis

        _redis_client = redis.Redis.from_url(
            settings.REDIS_URL,
            socket_timeout=REDIS_TIMEOUT_SECONDS,
            socket_connect_timeout=REDIS_TIMEOUT_SECONDS,
        )
    return _redis_client


def queue_lengths() -> dict[str, int]:
    """Messages waiting per Celery queue (kombu's Redis transport keeps each as a list)."""
    client = _redis()
    if client is None:
        return {}
    names = celery_queue_names()
    pipe = client.pipeline(transaction=False)
    for name in names:
        pipe.llen(name)
    return dict(zip(names, pipe.execute(), strict=True))


def task_stats() -> dict[str, dict[str, float]]:
    """Per task name: runs, failures and seconds spent, as the workers recorded them."""
    client = _redis()
    if client is None:
        return {}
    stats: dict[str, dict[str, float]] = {}
    for field, value in client.hgetall(TASK_STATS_KEY).items():
        figure, _, name = field.decode().partition("|")
        if figure in TASK_FIGURES:
            stats.setdefault(name, dict.fromkeys(TASK_FIGURES, 0.0))[figure] = float(value)
    return stats


def seconds_since(stamp: str | None, *, now: dt.datetime) -> float:
    """Age of an ISO time stamp kept in the cache; +Inf when there is none (never ran)."""
    if not stamp:
        return float("inf")
    try:
        then = dt.datetime.fromisoformat(stamp)
    except ValueError:
        return float("inf")
    return max((now - then).total_seconds(), 0.0)


# --- The collector ----------------------------------------------------------------------


def _gauge(name: str, documentation: str, value: float) -> GaugeMetricFamily:
    return GaugeMetricFamily(name, documentation, value=value)


class BusinessCollector(Collector):
    """What the centre and its workers are doing now, read at each scrape.

    A source that fails (the database, Redis) is reported by ``cts_metrics_source_up`` and
    leaves its figures out, so one outage does not hide the other figures.
    """

    def collect(self) -> Iterator[Any]:
        now = timezone.now()
        today_start = timezone.localtime(now).replace(hour=0, minute=0, second=0, microsecond=0)
        up = GaugeMetricFamily(
            "cts_metrics_source_up",
            "1 when the scrape could read this source (database, redis, cache).",
            labels=["source"],
        )
        try:
            families = list(self._database(now=now, today_start=today_start))
        except Exception:  # the database is down: say so, keep the rest
            logger.warning("Metrics: the database could not be read", exc_info=True)
            families = []
        yield from families
        up.add_metric(["database"], 1 if families else 0)
        try:
            families = list(self._redis())
        except Exception:  # Redis is down or slow
            logger.warning("Metrics: Redis could not be read", exc_info=True)
            families = None
        yield from families or []
        up.add_metric(["redis"], 0 if families is None else 1)
        try:
            stamps = cache.get_many(_cache_keys())
        except Exception:  # the cache is Redis too
            stamps = None
        up.add_metric(["cache"], 0 if stamps is None else 1)
        yield up
        if stamps is not None:
            yield from self._clocks(stamps, now=now)

    def _database(self, *, now: dt.datetime, today_start: dt.datetime) -> Iterator[Any]:
        complaints = complaint_figures(today_start=today_start)
        open_ = GaugeMetricFamily(
            "cts_complaints_open",
            "Open complaints by priority and state.",
            labels=["priority", "state"],
        )
        at_risk = GaugeMetricFamily(
            "cts_complaints_sla_at_risk",
            "Open complaints past an SLA warning and not breached, by priority.",
            labels=["priority"],
        )
        breached = GaugeMetricFamily(
            "cts_complaints_sla_breached",
            "Open complaints with a breached SLA clock, by priority.",
            labels=["priority"],
        )
        by_priority: dict[str, dict[str, int]] = {}
        for row in complaints["open"]:
            open_.add_metric([row["priority"], row["state"]], row["total"])
            sums = by_priority.setdefault(row["priority"], {"at_risk": 0, "breached": 0})
            sums["at_risk"] += row["at_risk"]
            sums["breached"] += row["breached"]
        for priority, sums in sorted(by_priority.items()):
            at_risk.add_metric([priority], sums["at_risk"])
            breached.add_metric([priority], sums["breached"])
        yield from (open_, at_risk, breached)
        yield _gauge(
            "cts_complaints_sla_breached_today",
            "Complaints with an SLA clock breached since midnight, centre time.",
            complaints["breached_today"],
        )
        callbacks = callback_figures(now=now)
        yield _gauge(
            "cts_callbacks_pending", "Callback bookings not yet handled.", callbacks["pending"]
        )
        yield _gauge(
            "cts_callbacks_overdue", "Callback bookings past their due time.", callbacks["overdue"]
        )
        outbox = outbox_figures(now=now)
        yield _gauge(
            "cts_outbox_pending", "SMS and email messages not yet sent.", outbox["pending"]
        )
        yield _gauge(
            "cts_outbox_due",
            "Pending messages already due (not held by quiet hours or a retry pause).",
            outbox["due"],
        )

    def _redis(self) -> Iterator[Any]:
        lengths = GaugeMetricFamily(
            "cts_celery_queue_length", "Messages waiting in a Celery queue.", labels=["queue"]
        )
        for name, length in queue_lengths().items():
            lengths.add_metric([name], length)
        runs = CounterMetricFamily(
            "cts_celery_task_runs", "Tasks run, by task name.", labels=["task"]
        )
        failures = CounterMetricFamily(
            "cts_celery_task_failures", "Tasks that raised, by task name.", labels=["task"]
        )
        seconds = CounterMetricFamily(
            "cts_celery_task_runtime_seconds",
            "Seconds spent running tasks, by task name (divide by runs for the mean).",
            labels=["task"],
        )
        for name, figures in sorted(task_stats().items()):
            runs.add_metric([name], figures["runs"])
            failures.add_metric([name], figures["failures"])
            seconds.add_metric([name], figures["seconds"])
        yield from (lengths, runs, failures, seconds)

    def _clocks(self, stamps: dict[str, Any], *, now: dt.datetime) -> Iterator[Any]:
        from complaints.tasks import LAST_DEADLINE_CHECK_KEY, WORKER_HEARTBEAT_KEY

        yield _gauge(
            "cts_sla_last_check_age_seconds",
            "Seconds since the last SLA deadline check finished (+Inf: never).",
            seconds_since(stamps.get(LAST_DEADLINE_CHECK_KEY), now=now),
        )
        yield _gauge(
            "cts_worker_heartbeat_age_seconds",
            "Seconds since a worker last ran the beat-scheduled heartbeat (+Inf: none).",
            seconds_since(stamps.get(WORKER_HEARTBEAT_KEY), now=now),
        )


def _cache_keys() -> list[str]:
    from complaints.tasks import LAST_DEADLINE_CHECK_KEY, WORKER_HEARTBEAT_KEY

    return [LAST_DEADLINE_CHECK_KEY, WORKER_HEARTBEAT_KEY]


def render() -> bytes:
    """The exposition: this process's registry (or every gunicorn worker's) plus the
    business figures.

    The default registry holds the latency histogram and whatever else registers there
    (the replica router's ``cts_replica_*``). In multiprocess mode those live in the
    shared directory, and the multiprocess collector reads them all.
    """
    business = CollectorRegistry(auto_describe=False)
    business.register(BusinessCollector())
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        shared = CollectorRegistry()
        multiprocess.MultiProcessCollector(shared)
        return generate_latest(shared) + generate_latest(business)
    return generate_latest(REGISTRY) + generate_latest(business)


# --- Task signals (worker processes) -------------------------------------------------------

_task_started: dict[str, float] = {}


def record_task_start(task_id: str | None = None, **kwargs: Any) -> None:
    """``task_prerun``: note when the task began."""
    if task_id:
        _task_started[task_id] = time.monotonic()


def record_task_end(task_id: str | None = None, task: Any = None, **kwargs: Any) -> None:
    """``task_postrun``: one more run of this task, and its runtime, into the shared hash."""
    started = _task_started.pop(task_id, None) if task_id else None
    if task is None or started is None:
        return
    _add_task_figures(task.name, runs=1, seconds=time.monotonic() - started)


def record_task_failure(sender: Any = None, **kwargs: Any) -> None:
    """``task_failure``: one more failure of this task (its run is counted at postrun)."""
    if sender is not None:
        _add_task_figures(sender.name, failures=1)


def _add_task_figures(name: str, *, runs: int = 0, failures: int = 0, seconds: float = 0) -> None:
    client = _redis()
    if client is None:
        return
    try:
        pipe = client.pipeline(transaction=False)
        if runs:
            pipe.hincrby(TASK_STATS_KEY, f"runs|{name}", runs)
            pipe.hincrbyfloat(TASK_STATS_KEY, f"seconds|{name}", seconds)
        if failures:
            pipe.hincrby(TASK_STATS_KEY, f"failures|{name}", failures)
        pipe.execute()
    except Exception:  # figures are best effort; the task's own outcome stands
        logger.debug("Task figures not recorded for %s", name, exc_info=True)


# --- The view ---------------------------------------------------------------------------


def metrics_allowed(request: HttpRequest) -> bool:
    """The scraper shows ``METRICS_TOKEN`` as a bearer token, or comes from an allowed address."""
    token = settings.METRICS_TOKEN
    if token:
        sent = request.headers.get("Authorization", "")
        scheme, _, credentials = sent.partition(" ")
        if scheme.lower() == "bearer" and hmac.compare_digest(credentials.strip(), token):
            return True
    try:
        address = ipaddress.ip_address(request.META.get("REMOTE_ADDR", ""))
    except ValueError:
        return False
    return any(
        address in ipaddress.ip_network(allowed, strict=False)
        for allowed in settings.METRICS_ALLOWED_IPS
    )


@require_GET
@never_cache
def metrics_view(request: HttpRequest) -> HttpResponse:
    """Prometheus scrapes here; everyone else gets 403."""
    if not metrics_allowed(request):
        return HttpResponseForbidden("Forbidden\n", content_type="text/plain")
    return HttpResponse(render(), content_type=CONTENT_TYPE_LATEST)
