"""/metrics: who may scrape, what it says, what it costs, and several gunicorn workers as one."""

import datetime as dt
import urllib.request
from collections import Counter

import pytest
import redis
from django.conf import settings
from django.utils import timezone
from prometheus_client import REGISTRY, Gauge
from prometheus_client.parser import text_string_to_metric_families

from complaints.enums import OPEN_STATES, State
from complaints.models import Complaint, OutboundMessage
from complaints.tasks import LAST_DEADLINE_CHECK_KEY, WORKER_HEARTBEAT_KEY
from config import metrics
from config.celery import app
from repair.enums import CallbackState
from repair.models import CallbackRequest
from tests.factories import CustomerFactory, make_complaint

pytestmark = pytest.mark.django_db

URL = "/metrics"
STATIC_FILE = "/static/vendor/htmx-2.0.11/htmx.min.js"


def samples(text: str) -> dict[tuple[str, tuple], float]:
    """(sample name, sorted labels) -> value, for every sample in the exposition."""
    found = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            found[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return found


def scrape(client, **headers) -> dict[tuple[str, tuple], float]:
    response = client.get(URL, **headers)
    assert response.status_code == 200, response.content
    assert response["Content-Type"].startswith("text/plain; version=")
    return samples(response.content.decode())


@pytest.fixture
def broker():
    """The test run's Redis database, emptied of what these tests write there."""
    client = redis.Redis.from_url(settings.REDIS_URL)
    keys = [metrics.TASK_STATS_KEY, *metrics.celery_queue_names()]
    client.delete(*keys)
    yield client
    client.delete(*keys)


# --- Access ---------------------------------------------------------------------------------


def test_localhost_may_scrape_and_other_addresses_get_403(client):
    assert client.get(URL).status_code == 200  # the test client calls from 127.0.0.1
    assert client.get(URL, REMOTE_ADDR="::1").status_code == 200
    refused = client.get(URL, REMOTE_ADDR="203.0.113.9")
    assert refused.status_code == 403
    assert b"cts_" not in refused.content


def test_a_bearer_token_opens_it_from_anywhere(client, settings):
    settings.METRICS_TOKEN = "scrape-secret-0123456789"  # noqa: S105
    settings.METRICS_ALLOWED_IPS = []
    far = {"REMOTE_ADDR": "203.0.113.9"}
    assert client.get(URL, **far).status_code == 403
    assert client.get(URL, HTTP_AUTHORIZATION="Bearer wrong", **far).status_code == 403
    assert (
        client.get(URL, HTTP_AUTHORIZATION="Basic scrape-secret-0123456789", **far).status_code
        == 403
    )
    ok = client.get(URL, HTTP_AUTHORIZATION="Bearer scrape-secret-0123456789", **far)
    assert ok.status_code == 200
    assert client.get(URL).status_code == 403  # the allow-list is empty: localhost too


def test_the_allow_list_takes_networks(client, settings):
    settings.METRICS_ALLOWED_IPS = ["10.0.0.0/8", "2001:db8::/32"]
    assert client.get(URL, REMOTE_ADDR="10.20.30.40").status_code == 200
    assert client.get(URL, REMOTE_ADDR="2001:db8::5").status_code == 200
    assert client.get(URL, REMOTE_ADDR="11.0.0.1").status_code == 403
    assert client.get(URL).status_code == 403


def test_only_get(client):
    assert client.post(URL).status_code == 405


# --- Content ---------------------------------------------------------------------------------


def test_request_latency_by_view_method_and_status_class(client):
    before = scrape(client)
    client.get("/healthz")
    client.get("/healthz")
    client.get("/no/such/page/13812345678/")
    assert client.get(STATIC_FILE).status_code == 200
    after = scrape(client)

    def count(view: str, status: str) -> float:
        key = (
            "cts_http_request_duration_seconds_count",
            (("method", "GET"), ("status", status), ("view", view)),
        )
        return after.get(key, 0) - before.get(key, 0)

    assert count("healthz", "2xx") == 2
    # An unknown path is one label, whatever was asked: no label per probed URL (or phone).
    assert count(metrics.UNRESOLVED_VIEW, "4xx") == 1
    assert count(metrics.STATIC_VIEW, "2xx") == 1  # whitenoise answers before URL resolution
    assert not any("13812345678" in str(labels) for _name, labels in after)


def test_business_figures_match_the_database(client, agent):
    now = timezone.now()
    urgent = make_complaint(priority="urgent", assignee=agent)
    make_complaint(assignee=agent)
    make_complaint()
    breached = make_complaint()
    Complaint.objects.filter(pk=breached.pk).update(resolution_breached_at=now)
    warned = make_complaint()
    Complaint.objects.filter(pk=warned.pk).update(response_warned_at=now)
    closed_breach = make_complaint()
    Complaint.objects.filter(pk=closed_breach.pk).update(
        state=State.CANCELLED, response_breached_at=now
    )
    customer = CustomerFactory()
    for due, state in [
        (now - dt.timedelta(minutes=5), CallbackState.PENDING),
        (now + dt.timedelta(minutes=50), CallbackState.ASSIGNED),
        (now - dt.timedelta(minutes=5), CallbackState.COMPLETED),
    ]:
        CallbackRequest.objects.create(
            phone=f"+8613900000{CallbackRequest.objects.count():03d}",
            customer=customer,
            source="ivr",
            due_at=due,
            clock_started_at=now,
            state=state,
        )
    OutboundMessage.objects.all().delete()
    for not_before, state in [
        (now - dt.timedelta(minutes=1), "pending"),
        (now + dt.timedelta(hours=9), "pending"),  # held by quiet hours
        (now, "sent"),
    ]:
        OutboundMessage.objects.create(
            channel="sms", recipient="+8613812345678", body="x", not_before=not_before, state=state
        )

    found = scrape(client)

    expected = Counter(
        Complaint.objects.filter(state__in=OPEN_STATES).values_list("priority", "state").order_by()
    )
    exposed = {
        (dict(labels)["priority"], dict(labels)["state"]): value
        for (name, labels), value in found.items()
        if name == "cts_complaints_open"
    }
    assert exposed == expected and sum(exposed.values()) == 5
    assert found[("cts_complaints_sla_breached", (("priority", breached.priority),))] == 1
    assert found[("cts_complaints_sla_at_risk", (("priority", warned.priority),))] == 1
    assert found[("cts_complaints_sla_breached_today", ())] == 2  # the cancelled one too
    assert urgent.priority == "urgent"
    assert found[("cts_callbacks_pending", ())] == 2
    assert found[("cts_callbacks_overdue", ())] == 1
    assert found[("cts_outbox_pending", ())] == 2
    assert found[("cts_outbox_due", ())] == 1
    assert found[("cts_metrics_source_up", (("source", "database"),))] == 1


def test_queue_depth_per_queue_from_the_broker(client, broker, settings):
    # Without declared queues: the one default queue (Celery's own name when unset).
    settings.CELERY_TASK_QUEUES = None
    settings.CELERY_TASK_DEFAULT_QUEUE = "celery"
    assert metrics.celery_queue_names() == ["celery"]
    broker.rpush("celery", b"one", b"two")
    assert scrape(client)[("cts_celery_queue_length", (("queue", "celery"),))] == 2
    broker.delete("celery")

    from kombu import Queue

    settings.CELERY_TASK_QUEUES = [Queue(name) for name in ("sla", "notify", "bulk", "default")]
    broker.delete("sla", "notify", "bulk", "default")
    broker.rpush("bulk", *[b"x"] * 3)
    found = scrape(client)
    depths = {
        dict(labels)["queue"]: value
        for (name, labels), value in found.items()
        if name == "cts_celery_queue_length"
    }
    assert depths == {"sla": 0, "notify": 0, "bulk": 3, "default": 0}
    broker.delete("sla", "notify", "bulk", "default")


def test_no_queue_figures_on_the_file_system_broker(settings):
    settings.REDIS_URL = None
    metrics._redis_client = None
    try:
        assert metrics.queue_lengths() == {}
        assert metrics.task_stats() == {}
    finally:
        metrics._redis_client = None


@app.task(name="tests.ops.explode")
def explode():
    raise RuntimeError("boom")


def test_task_runs_failures_and_runtime_as_counters(client, broker):
    from complaints.tasks import record_worker_heartbeat_task

    # apply() runs the task here through Celery's tracer, which sends the same signals
    # as in a worker process; the figures go through Redis either way.
    record_worker_heartbeat_task.apply()
    record_worker_heartbeat_task.apply()
    explode.apply()
    found = scrape(client)
    heartbeat = (("task", record_worker_heartbeat_task.name),)
    assert found[("cts_celery_task_runs_total", heartbeat)] == 2
    assert found[("cts_celery_task_failures_total", heartbeat)] == 0
    assert found[("cts_celery_task_runtime_seconds_total", heartbeat)] > 0
    assert found[("cts_celery_task_runs_total", (("task", "tests.ops.explode"),))] == 1
    assert found[("cts_celery_task_failures_total", (("task", "tests.ops.explode"),))] == 1


def test_age_of_the_last_deadline_check_and_heartbeat(client):
    from django.core.cache import cache

    found = scrape(client)
    assert found[("cts_sla_last_check_age_seconds", ())] == float("inf")
    assert found[("cts_worker_heartbeat_age_seconds", ())] == float("inf")
    cache.set(LAST_DEADLINE_CHECK_KEY, (timezone.now() - dt.timedelta(seconds=90)).isoformat())
    cache.set(WORKER_HEARTBEAT_KEY, timezone.now().isoformat())
    found = scrape(client)
    assert 90 <= found[("cts_sla_last_check_age_seconds", ())] < 120
    assert 0 <= found[("cts_worker_heartbeat_age_seconds", ())] < 30


def test_metrics_on_the_default_registry_are_exposed_too(client):
    """The replica router's cts_replica_* gauges live on the default registry."""
    probe = Gauge("cts_replica_probe_lag_seconds", "A stand-in for the replica's gauges.")
    probe.set(1.5)
    try:
        assert scrape(client)[("cts_replica_probe_lag_seconds", ())] == 1.5
    finally:
        REGISTRY.unregister(probe)


def test_a_scrape_costs_four_queries_however_many_rows(client, django_assert_num_queries):
    with django_assert_num_queries(4):
        scrape(client)
    for _ in range(3):
        make_complaint()
    with django_assert_num_queries(4):
        scrape(client)


def test_a_database_outage_leaves_the_other_figures(client, monkeypatch):
    def down(**kwargs):
        raise OSError("database down")

    monkeypatch.setattr(metrics, "complaint_figures", down)
    found = scrape(client)
    assert found[("cts_metrics_source_up", (("source", "database"),))] == 0
    assert found[("cts_metrics_source_up", (("source", "redis"),))] == 1
    assert ("cts_sla_last_check_age_seconds", ()) in found


# --- Several gunicorn workers ---------------------------------------------------------------


def test_gunicorn_workers_add_up_in_multiprocess_mode(tmp_path):
    """With PROMETHEUS_MULTIPROC_DIR, every scrape counts the requests of all workers."""
    from tests.faults.processes import django_env, free_port, start_gunicorn

    shared = tmp_path / "prometheus"
    shared.mkdir()
    port = free_port()
    env = django_env(PROMETHEUS_MULTIPROC_DIR=str(shared))
    server = start_gunicorn(port, env=env, log_dir=tmp_path / "logs", workers=2)
    base = f"http://127.0.0.1:{port}"

    def login_page_count() -> float:
        with urllib.request.urlopen(f"{base}/metrics", timeout=10) as response:  # noqa: S310
            found = samples(response.read().decode())
        key = (
            "cts_http_request_duration_seconds_count",
            (("method", "GET"), ("status", "2xx"), ("view", "login")),
        )
        return found.get(key, 0)

    try:
        # The login page: start_gunicorn's probes (/healthz) may still be in flight.
        before = login_page_count()
        for _ in range(30):
            with urllib.request.urlopen(f"{base}/accounts/login/", timeout=10):  # noqa: S310
                pass
        # Whichever worker answers the scrape, it reports the 30 requests of both.
        assert login_page_count() - before == 30
        assert login_page_count() - before == 30
        assert len(list(shared.glob("histogram_*.db"))) >= 1
    finally:
        server.stop()
