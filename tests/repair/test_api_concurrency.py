"""ETag and If-Match on callbacks, repair cases and key events: a stale If-Match gets 412 and
nothing is overwritten; detail and action answers carry the current ETag."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from repair.enums import CallbackState, ImportState
from repair.models import KeyEvent, RepairCase
from repair.services import callbacks
from repair.services import cases as cases_service
from tests.api import assert_problem, client_for
from tests.factories import CustomerFactory, key_event_fields

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def test_a_callback_is_booked_read_and_worked_with_etags(agent):
    api = client_for(agent)
    booked = api.post("/api/v1/callbacks/", {"phone": "13812345678", "source": "ivr"})
    assert (booked.status_code, booked["ETag"]) == (201, '"1"')
    joined = api.post("/api/v1/callbacks/", {"phone": "+86 138 1234 5678", "source": "ivr"})
    assert (joined.status_code, joined["ETag"]) == (200, '"2"')
    url = booked["Location"]
    assert api.get(url)["ETag"] == '"2"'
    claimed = api.post(f"{url}claim/", HTTP_IF_MATCH='"2"')
    assert (claimed.status_code, claimed["ETag"]) == (200, '"3"')
    attempt = api.post(f"{url}attempts/", {"outcome": "answered"}, HTTP_IF_MATCH='"3"')
    assert (attempt.status_code, attempt["ETag"]) == (201, '"4"')


def test_a_stale_callback_change_is_412_and_changes_nothing(agent, other_agent):
    booking, _ = callbacks.book_callback(phone="13812345678", source="ivr")
    callbacks.claim(booking, agent=other_agent)  # version 2
    api = client_for(agent)
    url = f"/api/v1/callbacks/{booking.pk}/"
    for action, body in (("claim", None), ("attempts", {"outcome": "answered"}),
                         ("cancel", {"reason": "dup"})):  # fmt: skip
        assert_problem(api.post(f"{url}{action}/", body, HTTP_IF_MATCH='"1"'), 412, "stale_version")
    booking.refresh_from_db()
    assert (booking.state, booking.assignee, booking.attempt_count) == (
        CallbackState.IN_PROGRESS,
        other_agent,
        0,
    )
    assert booking.version == 2


def test_repair_cases_are_worked_with_etags(agent, team, other_agent):
    case = cases_service.open_repair_case(customer=CustomerFactory(), damage_type="call_loss")
    RepairCase.objects.filter(pk=case.pk).update(team=team)
    api = client_for(agent)
    url = f"/api/v1/repair/cases/{case.pk}/"
    assert api.get(url)["ETag"] == '"1"'
    taken = api.post(f"{url}take/", HTTP_IF_MATCH='"1"')
    assert (taken.status_code, taken["ETag"]) == (200, '"2"')
    contact = api.post(f"{url}contacts/", {"channel": "call", "reached": True}, HTTP_IF_MATCH='"2"')
    assert (contact.status_code, contact["ETag"]) == (201, '"3"')
    # a colleague with the page from before the contact cannot close over it
    problem = assert_problem(
        api.post(
            f"{url}close/",
            {"repaired": True, "outcome": "Apologised", "satisfied_after": True},
            HTTP_IF_MATCH='"2"',
        ),
        412,
        "stale_version",
    )
    assert problem["errors"] == {"version": ["3"]}
    case.refresh_from_db()
    assert case.closed_at is None and case.outcome == ""


def test_key_events_carry_etags_and_refuse_a_stale_upload(supervisor):
    api = client_for(supervisor)
    created = api.post(
        "/api/v1/repair/key-events/",
        key_event_fields(),
    )
    assert (created.status_code, created["ETag"]) == (201, '"1"')
    url = created["Location"]
    KeyEvent.objects.filter(pk=created.json()["id"]).update(version=2)  # changed meanwhile
    upload = SimpleUploadedFile("affected.csv", b"13812345678,Wang\n")
    response = api.post(f"{url}file/", {"file": upload}, format="multipart", HTTP_IF_MATCH='"1"')
    assert_problem(response, 412, "stale_version")
    event = KeyEvent.objects.get(pk=created.json()["id"])
    assert event.import_state == ImportState.NONE
    upload = SimpleUploadedFile("affected.csv", b"13812345678,Wang\n")
    response = api.post(f"{url}file/", {"file": upload}, format="multipart", HTTP_IF_MATCH='"2"')
    assert (response.status_code, response["ETag"]) == (202, '"3"')
