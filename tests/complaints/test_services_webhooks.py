"""Webhook events: one delivery per matching subscription, written in the change's transaction."""

import datetime as dt
from collections import Counter
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from complaints import services
from complaints.enums import WebhookState
from complaints.errors import ApplicationError
from complaints.models import Category, WebhookDelivery
from complaints.services.sla import check_deadlines
from complaints.services.webhooks import (
    complaint_ref,
    create_subscription,
    redeliver,
    rotate_secret,
    send_ping,
    update_subscription,
)
from tests.factories import CustomerFactory, DepartmentFactory, make_complaint

pytestmark = pytest.mark.django_db

START = dt.datetime(2026, 11, 16, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
COMPLAINT_EVENTS = [
    "complaint.created",
    "complaint.updated",
    "complaint.resolved",
    "complaint.closed",
    "complaint.reopened",
    "workorder.dispatched",
    "workorder.answered",
]


def subscribe(*events, name="CRM", contact=False, active=True):
    subscription, _secret = create_subscription(
        name=name,
        url="http://127.0.0.1:9/hooks",
        events=list(events),
        include_contact_details=contact,
        by=None,
    )
    if not active:
        subscription = update_subscription(subscription, changes={"is_active": False}, by=None)
    return subscription


def received(subscription) -> Counter:
    return Counter(
        WebhookDelivery.objects.filter(subscription=subscription).values_list(
            "event_type", flat=True
        )
    )


def test_each_complaint_event_gives_one_delivery_per_matching_subscription(agent, supervisor):
    everything = subscribe(*COMPLAINT_EVENTS, name="everything")
    created_only = subscribe("complaint.created", name="created only")
    disabled = subscribe(*COMPLAINT_EVENTS, name="disabled", active=False)
    sla_only = subscribe("sla.warning", "sla.breached", name="sla only")

    complaint = make_complaint(created_by=agent, customer=CustomerFactory())
    complaint = services.assign(complaint, to_user=agent, by=supervisor)
    complaint = services.start_work(complaint, by=agent)
    complaint = services.update_complaint(complaint, changes={"emotion": "angry"}, by=agent)
    complaint = services.override_classification(
        complaint,
        priority="urgent",
        category=Category.objects.get(code="billing_dispute"),
        reason="Wrong bill",
        by=supervisor,
    )
    department = DepartmentFactory()
    first = services.dispatch_work_order(
        complaint, department=department, instructions="Check the bill", by=agent
    )
    second = services.dispatch_work_order(
        complaint, department=department, instructions="And the refund", by=agent
    )
    services.answer_work_order(first, answer="Bill corrected", by=None)  # one still open
    services.answer_work_order(second, answer="Refunded", by=None)  # the complaint moves on
    complaint.refresh_from_db()
    complaint = services.propose_resolution(complaint, summary="Refunded", by=agent)
    complaint = services.confirm_resolution(complaint, method="phone", by=agent)
    complaint = services.reopen(complaint, reason="Charged again", by=agent)

    assert received(everything) == {
        "complaint.created": 1,
        # assigned, started, edited, reclassified (two timeline events, one webhook)
        "complaint.updated": 4,
        "workorder.dispatched": 2,
        "workorder.answered": 2,
        "complaint.resolved": 1,
        "complaint.closed": 1,
        "complaint.reopened": 1,
    }
    assert received(created_only) == {"complaint.created": 1}
    assert received(disabled) == {}
    assert received(sla_only) == {}


def test_a_cancellation_and_a_cancelled_work_order_are_updates(agent):
    subscription = subscribe(*COMPLAINT_EVENTS)
    complaint = make_complaint(created_by=agent, assignee=agent)
    services.start_work(complaint, by=agent)
    order = services.dispatch_work_order(
        complaint, department=DepartmentFactory(), instructions="Look", by=agent
    )
    services.cancel_work_order(order, reason="Not needed", by=agent)
    duplicate = make_complaint(created_by=agent)
    services.cancel(duplicate, reason="duplicate", duplicate_of=complaint, by=agent)
    changes = [
        (delivery.payload["change"]["kind"], delivery.payload["complaint"]["state"])
        for delivery in WebhookDelivery.objects.filter(
            subscription=subscription, event_type="complaint.updated"
        ).order_by("id")
    ]
    assert changes == [
        ("work_started", "in_progress"),
        ("work_order_cancelled", "in_progress"),
        ("cancelled", "cancelled"),
    ]


def test_registering_straight_to_an_agent_is_one_created_event(agent):
    subscription = subscribe(*COMPLAINT_EVENTS)
    make_complaint(created_by=agent, assignee=agent)
    assert received(subscription) == {"complaint.created": 1}


def test_the_payload_of_a_complaint_event(agent, settings):
    settings.PUBLIC_BASE_URL = "https://complaints.example.com/"
    subscription = subscribe("complaint.created")
    customer = CustomerFactory(name="王小明", phone="+8613812345678")
    complaint = make_complaint(created_by=agent, assignee=agent, customer=customer)
    delivery = WebhookDelivery.objects.get(subscription=subscription)
    assert delivery.state == WebhookState.PENDING and delivery.attempts == 0
    assert delivery.payload == {
        "complaint": {
            "id": complaint.pk,
            "reference": complaint.reference,
            "state": "assigned",
            "priority": complaint.priority,
            "url": f"https://complaints.example.com/api/v1/complaints/{complaint.pk}/",
            "channel": "phone",
            "category": "network_signal",
            "team": {"id": agent.team_id, "name": "Front line A"},
            "assignee": {"id": agent.pk, "username": "agent"},
            "customer": {"id": customer.pk, "name": "王小明", "phone": "138****5678"},
            "repeat_of": None,
            "reopen_count": 0,
            "received_at": complaint.received_at.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "resolved_at": None,
            "confirmed_at": None,
            "version": 1,
        },
        "change": {"kind": "created", "fields": []},
    }
    # No free text: description, notes and reasons stay in the API.
    assert "description" not in delivery.payload["complaint"]


def test_phone_numbers_only_for_subscriptions_allowed_contact_details(agent):
    masked = subscribe("complaint.created", name="BI")
    full = subscribe("complaint.created", name="CRM", contact=True)
    make_complaint(created_by=agent, customer=CustomerFactory(phone="+8613812345678"))

    def phone(subscription):
        delivery = WebhookDelivery.objects.get(subscription=subscription)
        return delivery.payload["complaint"]["customer"]["phone"]

    assert phone(masked) == "138****5678"
    assert phone(full) == "+8613812345678"


def test_a_rolled_back_change_leaves_no_delivery(agent):
    subscribe(*COMPLAINT_EVENTS)
    with pytest.raises(RuntimeError), transaction.atomic():
        make_complaint(created_by=agent)
        raise RuntimeError("the caller's transaction fails after the service")
    complaint = make_complaint(created_by=agent)
    with pytest.raises(ApplicationError):
        services.confirm_resolution(complaint, method="phone", by=agent)  # illegal move
    assert list(WebhookDelivery.objects.values_list("event_type", flat=True)) == [
        "complaint.created"
    ]


def test_sla_warnings_and_breaches_are_set_based_and_shaped_like_complaint_refs(agent):
    watchers = [subscribe("sla.warning", "sla.breached", name=f"NOC {n}") for n in range(2)]
    subscribe("complaint.created", name="not SLA")
    with time_machine.travel(START, tick=False):
        complaints = [make_complaint(created_by=agent, assignee=agent) for _n in range(3)]
    with CaptureQueriesContext(connection) as queries:
        counts = check_deadlines(now=START + dt.timedelta(hours=25))
    marked = sum(counts.values())
    assert marked == 12  # 3 complaints × (response, resolution) × (warning, breach)
    inserts = [q["sql"] for q in queries if q["sql"].startswith("INSERT INTO complaints_webhook")]
    assert len(inserts) == sum(1 for count in counts.values() if count)  # one per batch
    for watcher in watchers:
        assert received(watcher) == {"sla.warning": 6, "sla.breached": 6}
    first = complaints[0]
    first.refresh_from_db()
    delivery = WebhookDelivery.objects.filter(
        subscription=watchers[0], payload__complaint__id=first.pk, payload__clock="resolution"
    ).get(event_type="sla.breached")
    assert delivery.payload == {
        "clock": "resolution",
        "due_at": first.resolution_due_at.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "complaint": complaint_ref(first),
        "work_order": None,
    }
    assert delivery.state == WebhookState.PENDING and delivery.event_id is not None
    sla_events = WebhookDelivery.objects.filter(event_type__startswith="sla.")
    assert sla_events.values("event_id").distinct().count() == 24  # a fresh id each


def test_an_overdue_work_order_names_its_department(agent):
    watcher = subscribe("sla.breached")
    with time_machine.travel(START, tick=False):
        complaint = make_complaint(created_by=agent, assignee=agent)
        services.start_work(complaint, by=agent)
        order = services.dispatch_work_order(
            complaint, department=DepartmentFactory(), instructions="Check", by=agent
        )
    check_deadlines(now=START + dt.timedelta(hours=49))
    order.refresh_from_db()
    delivery = WebhookDelivery.objects.get(
        subscription=watcher, payload__clock="work_order", event_type="sla.breached"
    )
    assert delivery.payload["work_order"] == {
        "id": order.pk,
        "department": "billing",
        "url": f"http://127.0.0.1:8000/api/v1/work-orders/{order.pk}/",
    }
    assert delivery.payload["due_at"] == order.due_at.astimezone(dt.UTC).strftime(
        "%Y-%m-%dT%H:%M:%SZ"
    )
    assert delivery.payload["complaint"]["reference"] == complaint.reference


def test_a_ping_goes_to_its_subscription_only_and_a_redelivery_repeats_the_event(
    administrator,
):
    pinged = subscribe("complaint.created", name="pinged")
    other = subscribe("complaint.created", name="other")
    delivery = send_ping(pinged, by=administrator)
    assert delivery.event_type == "webhook.ping"
    assert delivery.payload == {
        "subscription": {"id": pinged.pk, "name": "pinged"},
        "requested_by": "admin",
    }
    assert received(other) == {}
    again = redeliver(delivery, by=administrator)
    assert (again.event_id, again.payload, again.created_at) == (
        delivery.event_id,
        delivery.payload,
        delivery.created_at,
    )
    assert again.pk != delivery.pk and again.redelivery_of == delivery
    update_subscription(pinged, changes={"is_active": False}, by=administrator)
    pinged.refresh_from_db()
    with pytest.raises(ApplicationError) as refused:
        send_ping(pinged, by=administrator)
    assert refused.value.status == 409


def test_subscriptions_check_their_fields(administrator):
    with pytest.raises(ApplicationError) as no_events:
        create_subscription(name="CRM", url="https://crm.example/", events=[], by=administrator)
    assert no_events.value.details == {
        "url": ["The host name crm.example does not resolve."],
        "events": ["Choose at least one event."],
    }
    with pytest.raises(ApplicationError) as unknown:
        create_subscription(
            name="CRM", url="http://127.0.0.1/", events=["complaint.deleted"], by=administrator
        )
    assert "complaint.deleted" in unknown.value.details["events"][0]
    with pytest.raises(ApplicationError) as scheme:
        create_subscription(
            name="CRM", url="ftp://127.0.0.1/", events=["complaint.created"], by=administrator
        )
    assert set(scheme.value.details) == {"url"}
    with pytest.raises(ApplicationError) as credentials:
        create_subscription(
            name="CRM",
            url="http://user:pw@127.0.0.1/",
            events=["complaint.created"],
            by=administrator,
        )
    assert set(credentials.value.details) == {"url"}
    subscription, secret = create_subscription(
        name=" CRM ",
        url=" http://127.0.0.1:8080/hooks ",
        events=["complaint.updated", "complaint.created", "complaint.created"],
        by=administrator,
    )
    assert (subscription.name, subscription.url) == ("CRM", "http://127.0.0.1:8080/hooks")
    assert subscription.events == ["complaint.created", "complaint.updated"]
    assert secret.startswith("whsec_") and len(secret) > 40


def test_re_enabling_forgets_the_failures_and_rotation_keeps_the_old_secret_a_while(
    administrator, settings
):
    settings.WEBHOOK_SECRET_OVERLAP_HOURS = 24
    subscription = subscribe("complaint.created")
    subscription.consecutive_failures = 10
    subscription.save(update_fields=["consecutive_failures"])
    subscription = update_subscription(subscription, changes={"is_active": False}, by=None)
    assert subscription.disabled_at is not None
    subscription = update_subscription(subscription, changes={"is_active": True}, by=None)
    assert (subscription.consecutive_failures, subscription.disabled_at) == (0, None)
    old = subscription.secret
    with time_machine.travel(START, tick=False):
        rotated, new = rotate_secret(subscription, by=administrator)
    assert new != old and rotated.secret == new and rotated.previous_secret == old
    assert rotated.previous_secret_expires_at == START + dt.timedelta(hours=24)
