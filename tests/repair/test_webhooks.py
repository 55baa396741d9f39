"""Repair's webhook events: callbacks, repair cases, and one summary per key-event import."""

import pytest
from django.core.files.base import ContentFile
from django.utils import timezone

from complaints.models import WebhookDelivery
from complaints.services.webhooks import create_subscription
from repair.enums import DamageType
from repair.models import KeyEvent, RepairCase
from repair.services.callbacks import book_callback, cancel_callback, log_attempt
from repair.services.cases import close_case, open_repair_case
from repair.services.key_events import import_affected
from tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db

REPAIR_EVENTS = [
    "callback.created",
    "callback.completed",
    "repair.opened",
    "repair.closed",
    "key_event.imported",
]


def subscribe(*, contact: bool = False):
    subscription, _secret = create_subscription(
        name="CRM",
        url="http://127.0.0.1:9/hooks",
        events=REPAIR_EVENTS,
        include_contact_details=contact,
        by=None,
    )
    return subscription


def events() -> list[tuple[str, dict]]:
    return [
        (delivery.event_type, delivery.payload)
        for delivery in WebhookDelivery.objects.order_by("id")
    ]


def test_a_booking_and_its_end_each_give_one_event(agent, settings):
    settings.CALLBACK_MAX_ATTEMPTS = 2
    subscribe()
    returned, _created = book_callback(phone="13812345678", source="ivr")
    book_callback(phone="+86 138 1234 5678", source="missed_call")  # joins: no new booking
    log_attempt(returned, agent=agent, outcome="answered")
    unreachable, _created = book_callback(phone="13900000001", source="ivr")
    log_attempt(unreachable, agent=agent, outcome="no_answer")  # retried later: no event
    log_attempt(unreachable, agent=agent, outcome="no_answer")  # gave up
    cancelled, _created = book_callback(phone="13900000002", source="ivr")
    cancel_callback(cancelled, by=agent, reason="Called us again")
    kinds = [
        (kind, payload["callback"]["id"], payload["callback"]["state"])
        for kind, payload in events()
        if kind.startswith("callback.")
    ]
    assert kinds == [
        ("callback.created", returned.pk, "pending"),
        ("callback.completed", returned.pk, "completed"),
        ("callback.created", unreachable.pk, "pending"),
        ("callback.completed", unreachable.pk, "unreachable"),
        ("callback.created", cancelled.pk, "pending"),
    ]
    # The unreachable customer's call-loss case opened in the same transaction.
    assert [kind for kind, _payload in events()].count("repair.opened") == 1


@pytest.mark.parametrize(("contact", "phone"), [(False, "138****5678"), (True, "+8613812345678")])
def test_the_callback_payload_masks_the_phone_unless_allowed(contact, phone):
    subscribe(contact=contact)
    booking, _created = book_callback(phone="13812345678", source="ivr")
    ((kind, payload),) = events()
    assert payload == {
        "callback": {
            "id": booking.pk,
            "state": "pending",
            "source": "ivr",
            "phone": phone,
            "customer": {"id": booking.customer_id},
            "complaint": None,
            "assignee": None,
            "attempt_count": 0,
            "requested_at": payload["callback"]["requested_at"],
            "due_at": payload["callback"]["due_at"],
            "completed_at": None,
            "url": f"http://127.0.0.1:8000/api/v1/callbacks/{booking.pk}/",
        }
    }
    assert payload["callback"]["due_at"].endswith("Z")


def test_a_case_opened_and_closed_gives_one_event_each(agent):
    subscribe()
    customer = CustomerFactory()
    case = open_repair_case(customer=customer, damage_type=DamageType.PROCESS, reason="Dropped")
    again = open_repair_case(customer=customer, damage_type=DamageType.PROCESS)  # the open one
    assert again.pk == case.pk
    close_case(case, by=agent, repaired=True, outcome="Apologised", satisfied_after=True)
    (opened, opened_payload), (closed, closed_payload) = events()
    assert (opened, closed) == ("repair.opened", "repair.closed")
    assert opened_payload["case"]["state"] == "open"
    assert closed_payload["case"] | {"closed_at": None} == {
        "id": case.pk,
        "damage_type": "process",
        "level": 1,
        "state": "repaired",
        "customer": {"id": customer.pk},
        "complaint": None,
        "owner": agent.pk,
        "team": None,
        "due_at": closed_payload["case"]["due_at"],
        "closed_at": None,
        "satisfied_after": True,
        "url": f"http://127.0.0.1:8000/api/v1/repair/cases/{case.pk}/",
    }
    assert "Apologised" not in str(closed_payload)  # free text stays in the API


def test_a_key_event_import_sends_one_summary_not_an_event_per_case(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    subscribe()
    event = KeyEvent.objects.create(
        name="Fibre cut",
        kind="network_outage",
        started_at=timezone.now(),
        sms_en="Sorry, {customer_name}.",
        sms_zh_hans="{customer_name}您好，抱歉。",
    )
    rows = "".join(f"1380000{n:04d},Customer {n}\n" for n in range(50)) + "12,bad\n"
    event.import_file.save("affected.csv", ContentFile(f"phone,name\n{rows}".encode()))
    import_affected(event)
    assert RepairCase.objects.filter(key_event=event).count() == 50
    ((kind, payload),) = events()
    assert kind == "key_event.imported"
    assert payload["key_event"] | {"started_at": None} == {
        "id": event.pk,
        "name": "Fibre cut",
        "kind": "network_outage",
        "started_at": None,
        "ended_at": None,
        "rows_total": 51,
        "rows_imported": 50,
        "rows_skipped": 1,
        "cases": 50,
        "url": f"http://127.0.0.1:8000/api/v1/repair/key-events/{event.pk}/",
    }
