"""Two Celery beats and two workers running the SLA check at once: every warning and every
breach is marked, written to the timeline and notified exactly once."""

import datetime as dt
import re

import pytest
from django.db.models import Count
from django.utils import timezone
from django_celery_beat.models import IntervalSchedule, PeriodicTask

from complaints.enums import EventKind
from complaints.models import Complaint, ComplaintEvent, Notification
from config.celery import app
from tests.factories import UserFactory, make_complaint
from tests.faults.processes import celery, django_env, start_worker, wait_for

COMPLAINTS = 120


@pytest.mark.django_db(transaction=True)
def test_two_beats_and_two_workers_mark_every_breach_exactly_once(
    reference_data, team, processes, tmp_path
):
    app.control.purge()
    agent = UserFactory(username="agent", team=team, role="Agent")
    UserFactory(username="boss", team=team, role="Supervisor")
    for number in range(COMPLAINTS):
        make_complaint(team=team, assignee=agent, description=f"掉线 {number}")
    past = timezone.now() - dt.timedelta(minutes=5)
    Complaint.objects.update(
        response_warn_at=past, response_due_at=past, resolution_warn_at=past, resolution_due_at=past
    )
    # Both beats send the check every second instead of every minute: they overlap.
    every_second, _created = IntervalSchedule.objects.get_or_create(every=1, period="seconds")
    PeriodicTask.objects.filter(name="SLA deadline check").update(interval=every_second)
    env = django_env()
    for name in ("worker-a", "worker-b"):
        processes.append(start_worker(name, env=env, log_dir=tmp_path))
    beats = [
        celery(name, "beat", "-l", "INFO", "--pidfile=", env=env, log_dir=tmp_path)
        for name in ("beat-a", "beat-b")
    ]
    processes.extend(beats)

    def breached() -> bool:
        return not Complaint.objects.filter(resolution_breached_at__isnull=True).exists()

    wait_for(breached, 90, "every complaint to be breached")
    sent = re.compile(r"Sending due task SLA deadline check")
    # Let both beats send several more checks over the marked rows.
    wait_for(lambda: all(len(sent.findall(beat.log())) >= 5 for beat in beats), 60, "more checks")
    for process in processes:
        process.stop()

    for kind in (EventKind.SLA_WARNED, EventKind.SLA_BREACHED):
        per_clock = (
            ComplaintEvent.objects.filter(kind=kind)
            .values("complaint", "after__clock")
            .annotate(times=Count("id"))
        )
        assert len(per_clock) == COMPLAINTS * 2, kind  # response and resolution clocks
        assert {row["times"] for row in per_clock} == {1}, kind
    duplicates = (
        Notification.objects.values("recipient", "complaint", "kind", "message")
        .annotate(times=Count("id"))
        .filter(times__gt=1)
    )
    assert list(duplicates) == []
    assert Notification.objects.filter(complaint__isnull=False).exists()
