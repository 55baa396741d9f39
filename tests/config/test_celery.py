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
