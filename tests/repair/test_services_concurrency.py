"""Optimistic concurrency in the callback, repair-case and key-event services: every change
bumps the version; a change naming an older version is refused (412) and changes nothing."""

import pytest
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile

from complaints.errors import ApplicationError
from repair.enums import CallbackState, ImportState
from repair.models import CallbackAgent, CallbackRequest, KeyEvent, RepairCase
from repair.services import callbacks, key_events
from repair.services import cases as cases_service
from tests.factories import CustomerFactory, key_event_fields

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def stale(call) -> ApplicationError:
    with pytest.raises(ApplicationError) as error:
        call()
    assert (error.value.status, error.value.code) == (412, "stale_version")
    return error.value


@pytest.fixture
def booking() -> CallbackRequest:
    return callbacks.book_callback(phone="13812345678", source="ivr")[0]


def test_every_change_to_a_booking_counts(booking, agent):
    assert booking.version == 1
    joined, created = callbacks.book_callback(phone="138 1234 5678", source="ivr")
    assert (created, joined.version) == (False, 2)
    claimed = callbacks.claim(booking, agent=agent, expected_version=2)
    assert claimed.version == 3
    callbacks.log_attempt(booking, agent=agent, outcome="no_answer", expected_version=3)
    booking.refresh_from_db()
    assert (booking.version, booking.state) == (4, CallbackState.ASSIGNED)
    cancelled = callbacks.cancel_callback(booking, by=agent, reason="dup", expected_version=4)
    assert cancelled.version == 5


def test_stale_booking_changes_are_refused(booking, agent):
    callbacks.claim(booking, agent=agent)
    assert stale(lambda: callbacks.claim(booking, agent=agent, expected_version=1)).details == {
        "version": ["2"]
    }
    stale(
        lambda: callbacks.log_attempt(booking, agent=agent, outcome="answered", expected_version=1)
    )
    stale(lambda: callbacks.cancel_callback(booking, by=agent, reason="x", expected_version=1))
    booking.refresh_from_db()
    assert (booking.state, booking.attempt_count) == (CallbackState.IN_PROGRESS, 0)


def test_automatic_assignment_counts_as_a_change(booking, agent):
    CallbackAgent.objects.create(user=agent, is_available=True)
    assert callbacks.assign_due_callbacks(now=booking.clock_started_at) == 1
    booking.refresh_from_db()
    assert (booking.state, booking.version) == (CallbackState.ASSIGNED, 2)


@pytest.fixture
def case() -> RepairCase:
    return cases_service.open_repair_case(customer=CustomerFactory(), damage_type="call_loss")


def test_every_change_to_a_case_counts(case, agent):
    taken = cases_service.take_case(case, agent=agent, expected_version=1)
    assert taken.version == 2
    cases_service.log_repair_contact(
        case, agent=agent, channel="call", reached=True, expected_version=2
    )
    case.refresh_from_db()
    assert case.version == 3  # the contacts are part of the case
    closed = cases_service.close_case(
        case,
        by=agent,
        repaired=True,
        outcome="Apologised",
        satisfied_after=True,
        expected_version=3,
    )
    assert closed.version == 4


def test_stale_case_changes_are_refused(case, agent, other_agent):
    cases_service.take_case(case, agent=other_agent)
    stale(lambda: cases_service.take_case(case, agent=agent, expected_version=1))
    stale(
        lambda: cases_service.log_repair_contact(
            case, agent=agent, channel="call", reached=False, expected_version=1
        )
    )
    stale(
        lambda: cases_service.close_case(
            case, by=agent, repaired=False, outcome="x", satisfied_after=None, expected_version=1
        )
    )
    case.refresh_from_db()
    assert (case.owner, case.contacts.count(), case.closed_at) == (other_agent, 0, None)


@pytest.fixture
def event(supervisor) -> KeyEvent:
    return key_events.create_event(
        data=key_event_fields(),
        by=supervisor,
    )


def csv_upload() -> SimpleUploadedFile:
    return SimpleUploadedFile("affected.csv", b"13812345678,Wang\n13900000001,Li\n")


def test_an_upload_and_its_import_move_the_event_on(event, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks():  # the import task is not run here
        queued = key_events.attach_file(event, upload=csv_upload(), expected_version=1)
    assert (queued.import_state, queued.version) == (ImportState.QUEUED, 2)
    done = key_events.import_affected(queued)
    # running, then done; the progress counters in between leave the version alone
    assert (done.import_state, done.version) == (ImportState.DONE, 4)
    assert key_events.draw_follow_up_sample(done, size=1, expected_version=4) == 1
    done.refresh_from_db()
    assert done.version == 5


def test_a_stale_upload_or_draw_is_refused(event, django_capture_on_commit_callbacks):
    KeyEvent.objects.filter(pk=event.pk).update(version=2)
    stale(lambda: key_events.attach_file(event, upload=csv_upload(), expected_version=1))
    event.refresh_from_db()
    assert (event.import_state, bool(event.import_file)) == (ImportState.NONE, False)
    event.import_file.save("affected.csv", ContentFile(b"13812345678\n"))
    key_events.import_affected(event)
    stale(lambda: key_events.draw_follow_up_sample(event, size=1, expected_version=2))
    assert event.affected.filter(sampled=True).count() == 0
