"""A 50,000-row key-event import keeps the ``bulk`` worker busy; the SLA check, on its own
worker, still completes within seconds and marks its breaches while the import runs.

Worker A consumes ``bulk,notify``, worker B ``sla,default``: the routes in settings send the
import and the check to them without any queue named at the call sites. ``notify`` is not on
the SLA worker: the import queues an SMS per row, and with B on ``sla,notify,default`` the
check waited behind an outbox batch (200 SMS, 11 s measured here) instead of the import.
docs/architecture.md ("Queues and workers") gives ``sla`` a worker of its own for that reason.
"""

import datetime as dt
import time

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from complaints.models import Complaint
from complaints.tasks import check_deadlines_task
from config.celery import app
from repair.enums import ImportState
from repair.models import KeyEvent
from repair.services.key_events import attach_file, create_event
from tests.factories import UserFactory, key_event_fields, make_complaint
from tests.faults.processes import django_env, wait_for
from tests.ops.cluster import (
    launch_worker,
    wait_ready,
)

pytestmark = pytest.mark.faults

ROWS = 50_000
COMPLAINTS = 40
# The check over 40 due complaints takes well under a second; the rest is the broker and
# a machine shared with the import.
CHECK_SECONDS = 5


@pytest.mark.django_db(transaction=True)
def test_the_sla_check_completes_on_time_while_a_big_import_runs(
    reference_data,
    team,
    media,
    processes,
    tmp_path,
):
    app.control.purge()
    agent = UserFactory(username="agent", team=team, role="Agent")
    for number in range(COMPLAINTS):
        make_complaint(team=team, assignee=agent, description=f"掉线 {number}")
    past = timezone.now() - dt.timedelta(minutes=5)
    Complaint.objects.update(resolution_warn_at=past, resolution_due_at=past)
    env = django_env()
    bulk = launch_worker("bulk", env=env, log_dir=tmp_path, queues="bulk,notify")
    others = launch_worker("others", env=env, log_dir=tmp_path, queues="sla,default")
    processes.extend([bulk, others])
    wait_ready(bulk)
    wait_ready(others)

    event = create_event(data=key_event_fields(name="光缆中断"), by=agent)
    rows = "".join(f"1390{n:07d},客户{n}\n" for n in range(ROWS)).encode()
    attach_file(event, upload=SimpleUploadedFile("affected.csv", rows))  # queued on commit

    def importing() -> bool:
        event.refresh_from_db()
        return event.import_state == ImportState.RUNNING and event.rows_done >= 2_000

    wait_for(importing, 120, "the import to be under way\n" + bulk.log())
    started = time.monotonic()
    counts = check_deadlines_task.delay().get(timeout=30)
    seconds = time.monotonic() - started
    event.refresh_from_db()

    assert seconds < CHECK_SECONDS, (seconds, others.log())
    assert counts, counts
    assert not Complaint.objects.filter(resolution_breached_at__isnull=True).exists()
    # The import was still running when the check had finished.
    assert event.import_state == ImportState.RUNNING and event.rows_done < ROWS, event.rows_done
    ran_import, ran_check = "Task repair.tasks.import_key_event_task[", "Deadline check:"
    assert ran_import in bulk.log() and ran_import not in others.log()
    assert ran_check in others.log() and ran_check not in bulk.log()
    assert KeyEvent.objects.filter(pk=event.pk, rows_total=ROWS).exists()
