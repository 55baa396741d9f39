import threading

import pytest
from django.db import connection, transaction

from complaints.enums import EventKind, State
from complaints.errors import ApplicationError
from complaints.models import AppendOnlyError, ComplaintEvent, Customer
from complaints.services import (
    get_or_create_customer,
    mask_phone,
    next_reference,
    normalise_phone,
)
from tests.factories import make_complaint

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "raw", ["13812345678", "+86 138-1234-5678", "0086 13812345678", "+8613812345678"]
)
def test_every_spelling_of_a_number_is_one_e164_number(raw):
    assert normalise_phone(raw) == "+8613812345678"


@pytest.mark.parametrize("raw", ["", "12345", "not a phone", "138123456789999"])
def test_invalid_numbers_are_refused_with_a_field_message(raw):
    with pytest.raises(ApplicationError) as error:
        normalise_phone(raw)
    assert error.value.code == "invalid_phone"
    assert "phone" in error.value.details


def test_masking_keeps_enough_to_recognise():
    assert mask_phone("+8613812345678") == "138****5678"
    assert mask_phone("") == ""


def test_one_customer_per_number():
    first, created = get_or_create_customer(phone="13812345678", name="王小明")
    again, created_again = get_or_create_customer(phone="+86 138-1234-5678")
    assert created and not created_again
    assert first == again
    assert Customer.objects.count() == 1


def test_register_complaint_numbers_and_logs_it(agent, team):
    first = make_complaint(team=team, created_by=agent, description="宽带断网三天")
    second = make_complaint(team=team, created_by=agent)
    year = first.received_at.year
    assert first.reference == f"C-{year}-000001"
    assert second.reference == f"C-{year}-000002"
    assert first.state == State.NEW
    assert first.description == "宽带断网三天"
    event = first.events.get()
    assert event.kind == EventKind.CREATED
    assert event.actor == agent


def test_a_failed_registration_saves_nothing_but_burns_no_reference(team):
    with pytest.raises(Exception):  # noqa: B017 - full_clean raises ValidationError
        make_complaint(team=team, channel="carrier-pigeon")
    assert ComplaintEvent.objects.count() == 0
    complaint = make_complaint(team=team)
    assert complaint.reference.endswith("000001")


def test_the_timeline_is_append_only(team):
    event = make_complaint(team=team).events.get()
    event.message = "rewritten"
    with pytest.raises(AppendOnlyError):
        event.save()
    with pytest.raises(AppendOnlyError):
        event.delete()


@pytest.mark.django_db(transaction=True)
def test_concurrent_intakes_never_share_a_reference():
    """The counter row is locked by the statement that increments it, until commit."""
    references, errors = [], []
    start = threading.Barrier(4)

    def issue() -> None:
        try:
            start.wait(timeout=10)
            for _ in range(5):
                with transaction.atomic():
                    references.append(next_reference())
        except Exception as error:  # noqa: BLE001 - reported by the assertion below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=issue) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert not errors
    assert len(set(references)) == len(references) == 20
    assert sorted(int(reference.rsplit("-", 1)[1]) for reference in references) == list(
        range(1, 21)
    )
