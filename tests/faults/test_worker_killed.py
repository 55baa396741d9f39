"""A worker killed with SIGKILL in the middle of a key-event import: after a restart the
import completes with every row exactly once."""

import pytest
from django.core.files.base import ContentFile
from django.utils import timezone

from complaints.models import Customer, OutboundMessage
from config.celery import app
from repair.enums import ImportState
from repair.models import KeyEvent, KeyEventCustomer, RepairCase
from repair.services.key_events import resume_stalled_imports
from tests.faults.processes import django_env, start_worker, wait_for

ROWS = 40_000  # twenty batches: long enough to be killed in the middle


@pytest.mark.django_db(transaction=True)
def test_a_killed_import_completes_with_every_row_exactly_once(
    reference_data, media, processes, tmp_path
):
    app.control.purge()
    event = KeyEvent.objects.create(
        name="光缆中断",
        kind="network_outage",
        started_at=timezone.now(),
        sms_en="Sorry, {customer_name}",
        sms_zh_hans="{customer_name}您好，抱歉",
    )
    rows = "".join(f"1390{n:07d},客户{n}\n" for n in range(ROWS)).encode()
    event.import_file.save("affected.csv", ContentFile(rows))
    KeyEvent.objects.filter(pk=event.pk).update(import_state=ImportState.QUEUED)
    env = django_env()

    first = start_worker("first", env=env, log_dir=tmp_path)
    processes.append(first)
    from repair.tasks import import_key_event_task

    import_key_event_task.delay(event.pk)

    def halfway() -> bool:
        event.refresh_from_db()
        return 4_000 <= event.rows_done < ROWS * 3 // 4

    wait_for(halfway, 120, "the import to be under way")
    first.kill()
    event.refresh_from_db()
    assert event.import_state == ImportState.RUNNING and event.rows_done < ROWS
    partly = KeyEventCustomer.objects.filter(event=event).count()
    assert 0 < partly < ROWS

    second = start_worker("second", env=env, log_dir=tmp_path)
    processes.append(second)
    # The once-a-minute sweep finds the import that no worker holds any more.
    wait_for(lambda: resume_stalled_imports() == 1, 30, "the dead worker's lock to go")

    def done() -> bool:
        event.refresh_from_db()
        return event.import_state == ImportState.DONE

    wait_for(done, 180, "the import to complete\n" + second.log())
    assert event.rows_done == ROWS and event.rows_bad == 0
    assert KeyEventCustomer.objects.filter(event=event).count() == ROWS
    assert RepairCase.objects.filter(key_event=event).count() == ROWS
    assert Customer.objects.filter(phone__startswith="+861390").count() == ROWS
    assert OutboundMessage.objects.filter(recipient__startswith="+861390").count() == ROWS
    # Once done, another delivery of the same task (the broker's, after its visibility
    # timeout) imports nothing again.
    assert resume_stalled_imports() == 0
    from repair.services.key_events import run_import

    assert run_import(event.pk) is False
