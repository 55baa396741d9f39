"""A real worker on real Redis runs a real task."""

import pytest
from celery.contrib.testing.worker import start_worker
from django.core.cache import cache

from complaints.tasks import WORKER_HEARTBEAT_KEY, record_worker_heartbeat_task
from config.celery import app


@pytest.mark.django_db(transaction=True)
def test_a_task_round_trips_through_redis_and_a_worker(reference_data):
    with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=10):
        result = record_worker_heartbeat_task.delay()
        stamp = result.get(timeout=20)
    assert result.successful()
    assert cache.get(WORKER_HEARTBEAT_KEY) == stamp


@pytest.mark.django_db
def test_the_heartbeat_is_scheduled_from_the_database():
    from django_celery_beat.models import PeriodicTask

    task = PeriodicTask.objects.get(task="complaints.tasks.record_worker_heartbeat_task")
    assert task.enabled
    assert task.interval.every == 60


OUR_APPS = ("complaints.", "surveys.", "repair.")


def _our_tasks() -> list[str]:
    app.loader.import_default_modules()
    return sorted(name for name in app.tasks if name.startswith(OUR_APPS))


def test_every_task_of_ours_has_a_route_to_a_declared_queue():
    """A new task must be given a queue in CELERY_TASK_ROUTES, or this fails."""
    from django.conf import settings

    declared = {queue.name for queue in settings.CELERY_TASK_QUEUES}
    assert declared == {"sla", "notify", "bulk", "default"}
    assert settings.CELERY_TASK_DEFAULT_QUEUE == "default"
    tasks = _our_tasks()
    assert len(tasks) >= 14
    unrouted = [name for name in tasks if name not in settings.CELERY_TASK_ROUTES]
    assert unrouted == [], "add these tasks to CELERY_TASK_ROUTES in config/settings/base.py"
    for name in tasks:
        assert app.amqp.router.route({}, name)["queue"].name in declared, name
    assert set(settings.CELERY_TASK_ROUTES) <= set(tasks), "a route names no task"


@pytest.mark.parametrize(
    ("task", "queue"),
    [
        ("complaints.tasks.check_deadlines_task", "sla"),
        ("repair.tasks.assign_callbacks_task", "sla"),
        ("complaints.tasks.send_outbox_task", "notify"),
        ("complaints.tasks.send_webhooks_task", "notify"),
        ("surveys.tasks.send_survey_invitations_task", "notify"),
        ("repair.tasks.import_key_event_task", "bulk"),
        ("complaints.tasks.refresh_rollups_task", "bulk"),
        ("complaints.tasks.nightly_rollups_task", "bulk"),
        ("complaints.tasks.train_classifier_task", "bulk"),
        ("complaints.tasks.recalculate_sla_task", "bulk"),
        ("complaints.tasks.purge_idempotency_keys_task", "bulk"),
        ("complaints.tasks.purge_webhook_deliveries_task", "bulk"),
        ("complaints.tasks.record_worker_heartbeat_task", "default"),
        ("repair.tasks.resume_key_event_imports_task", "default"),
    ],
)
def test_a_task_goes_to_its_queue(task, queue):
    route = app.amqp.router.route({}, task)
    assert route["queue"].name == queue
    assert route["queue"].routing_key == queue


def test_a_task_of_no_app_of_ours_goes_to_the_default_queue():
    assert app.amqp.router.route({}, "somebody.elses_task")["queue"].name == "default"


def test_the_procfile_worker_consumes_every_queue():
    from pathlib import Path

    procfile = (Path(__file__).resolve().parents[2] / "Procfile").read_text()
    worker = next(line for line in procfile.splitlines() if line.startswith("worker:"))
    assert "--queues ${CELERY_QUEUES:-sla,notify,bulk,default}" in worker


@pytest.mark.django_db
def test_every_beat_scheduled_task_is_a_beat_singleton():
    """A task a PeriodicTask row schedules must do its work once per period (two beats)."""
    from django_celery_beat.models import PeriodicTask

    app.loader.import_default_modules()
    scheduled = set(PeriodicTask.objects.values_list("task", flat=True))
    assert len(scheduled) >= 12
    plain = sorted(
        name for name in scheduled if not getattr(app.tasks[name].run, "beat_singleton", False)
    )
    assert plain == [], "decorate these with complaints.locks.beat_singleton"


@pytest.mark.django_db
def test_a_beat_period_is_claimed_once_within_its_spacing():
    from django_celery_beat.models import CrontabSchedule, PeriodicTask

    from complaints.locks import _claim_period, _spacing_seconds, beat_run_key

    assert _spacing_seconds("SLA deadline check") == pytest.approx(54)  # every minute
    nightly = CrontabSchedule.objects.create(minute="0", hour="3", timezone="UTC")
    PeriodicTask.objects.create(name="Nightly test", task="x.y", crontab=nightly)
    assert _spacing_seconds("Nightly test") == pytest.approx(0.9 * 86400, abs=1)
    assert _spacing_seconds("No such schedule") == 0

    key = beat_run_key("SLA deadline check")
    cache.delete(key)
    assert _claim_period("SLA deadline check") is True
    assert _claim_period("SLA deadline check") is False  # the second beat's send
    cache.set(key, cache.get(key) - 55)  # the next period
    assert _claim_period("SLA deadline check") is True
    cache.delete(key)
