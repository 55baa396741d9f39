"""``manage.py apply_retention`` and the weekly task that runs the same service."""

import datetime as dt
import io
import time

import pytest
import time_machine
from celery.contrib.testing.worker import start_worker
from django.conf import settings
from django.core.management import CommandError, call_command
from django.db import connection
from django.utils import timezone
from django_celery_beat.models import PeriodicTask

from complaints import tasks
from complaints.locks import _key
from complaints.models import Attachment, AuditAction, AuditEntry, Customer
from complaints.services.retention import RETENTION_LOCK
from config.celery import app
from tests.complaints.test_services_retention import NOW, closed_complaint, history, periods
from tests.factories import CustomerFactory, UserFactory

__all__ = ["history", "periods"]  # fixtures shared with the service tests

DAYS = dt.timedelta(days=1)


def retention(*args: str) -> str:
    out = io.StringIO()
    with time_machine.travel(NOW, tick=False):
        call_command("apply_retention", *args, stdout=out)
    return out.getvalue()


@pytest.fixture
def old_and_new(history):
    """Five customers out of touch (with old attachments) and one in touch."""
    old = [history(at=NOW - (1100 + n) * DAYS) for n in range(5)]
    recent = history(at=NOW - 20 * DAYS)
    return old, recent


@pytest.mark.django_db
def test_a_dry_run_prints_the_counts_and_changes_nothing(old_and_new):
    output = retention("--dry-run")

    assert "attachments to delete: 5" in output
    assert "customers to anonymise: 5" in output
    assert "Dry run: nothing was changed." in output
    assert Attachment.objects.count() == 6
    assert not Customer.objects.filter(anonymised_at__isnull=False).exists()
    assert not AuditEntry.objects.filter(action=AuditAction.ANONYMISED_CUSTOMER).exists()


@pytest.mark.django_db
def test_the_command_works_in_batches_and_a_rerun_does_nothing(old_and_new):
    old, recent = old_and_new

    output = retention("--batch-size", "2")

    assert "attachments deleted: 5" in output
    assert "customers anonymised: 5" in output
    assert set(
        Customer.objects.filter(anonymised_at__isnull=False).values_list("pk", flat=True)
    ) == {complaint.customer_id for complaint in old}
    assert list(Attachment.objects.values_list("complaint_id", flat=True)) == [recent.pk]
    entries = AuditEntry.objects.filter(action=AuditAction.ANONYMISED_CUSTOMER)
    assert {(entry.actor_id, entry.via) for entry in entries} == {(None, "command")}

    again = retention("--batch-size", "2")
    assert "attachments deleted: 0" in again
    assert "customers anonymised: 0" in again
    assert entries.count() == 5


@pytest.mark.django_db
def test_periods_of_zero_are_reported_as_kept_for_ever(old_and_new, settings):
    settings.RETENTION_CUSTOMER_DAYS = 0

    output = retention()

    assert "customers: kept for ever (RETENTION_CUSTOMER_DAYS=0)" in output
    assert "attachments deleted: 5" in output


@pytest.mark.django_db
def test_a_batch_size_below_one_is_refused():
    with pytest.raises(CommandError, match="at least 1"):
        retention("--batch-size", "0")


@pytest.mark.django_db
def test_a_second_run_while_one_holds_the_lock_is_refused(old_and_new):
    """Another session (another process's connection) holds the retention lock."""
    other = connection.get_new_connection(connection.get_connection_params())
    try:
        other.autocommit = True
        with other.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_lock(%s, 0)", [_key(RETENTION_LOCK)])
        with pytest.raises(CommandError, match="in progress"):
            retention()
        assert tasks.apply_retention_task.run() is None  # the beat's run stands aside too
    finally:
        other.close()
    assert not Customer.objects.filter(anonymised_at__isnull=False).exists()
    assert "customers anonymised: 5" in retention()


@pytest.mark.django_db
def test_the_weekly_run_is_scheduled_for_sunday_night_centre_time():
    task = PeriodicTask.objects.get(task="complaints.tasks.apply_retention_task")
    assert task.enabled
    assert task.name == "Apply retention periods"
    crontab = task.crontab
    assert (crontab.minute, crontab.hour, crontab.day_of_week) == ("30", "4", "0")
    assert (crontab.day_of_month, crontab.month_of_year) == ("*", "*")
    assert str(crontab.timezone) == settings.CENTRE_TIME_ZONE


@pytest.mark.django_db(transaction=True)
def test_a_real_worker_runs_the_task_to_the_end_in_continuations(
    reference_data, settings, tmp_path, monkeypatch, django_capture_on_commit_callbacks
):
    """Batches of 2 and a spent time budget: each run does one batch and queues the next."""
    settings.MEDIA_ROOT = tmp_path
    settings.RETENTION_BATCH_SIZE = 2
    monkeypatch.setattr(tasks, "RETENTION_TASK_BUDGET_SECONDS", 0)
    agent = UserFactory(username="agent", role="Agent")
    long_ago = timezone.now() - 1200 * DAYS
    for _number in range(5):
        with time_machine.travel(long_ago, tick=False):
            customer = CustomerFactory()
        closed_complaint(
            customer,
            agent,
            at=long_ago,
            attachment=False,
            capture=django_capture_on_commit_callbacks,  # nothing to capture: each commit runs them
        )
    app.control.purge()  # what the complaints queued after commit (webhooks, surveys)

    with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=10):
        first = tasks.apply_retention_task.delay().get(timeout=30)
        assert (first["customers"], first["more"]) == (2, True)
        deadline = timezone.now() + dt.timedelta(seconds=30)
        while Customer.objects.filter(anonymised_at__isnull=True).exists():
            assert timezone.now() < deadline, "the continuations should anonymise the rest"
            time.sleep(0.2)
    entries = AuditEntry.objects.filter(action=AuditAction.ANONYMISED_CUSTOMER)
    assert entries.count() == 5
    assert {(entry.actor_id, entry.via) for entry in entries} == {(None, "task")}
