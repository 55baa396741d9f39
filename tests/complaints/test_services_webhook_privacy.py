"""Customers in webhook payloads: exported, anonymised, and audited when shown in full."""

import pytest
from django.urls import reverse

from complaints.models import AuditAction, AuditEntry, WebhookDelivery
from complaints.services.privacy import anonymise_customer, export_customer_data
from complaints.services.webhooks import create_subscription
from repair.services.callbacks import book_callback
from tests.factories import CustomerFactory, make_complaint

pytestmark = pytest.mark.django_db

EVENTS = ["complaint.created", "callback.created"]


def subscribe(*, contact: bool):
    subscription, _secret = create_subscription(
        name="CRM" if contact else "BI",
        url="http://127.0.0.1:9/hooks",
        events=EVENTS,
        include_contact_details=contact,
        by=None,
    )
    return subscription


def test_anonymising_rewrites_the_customer_in_every_payload_and_the_export_lists_them(
    agent, supervisor
):
    subscribe(contact=True)
    subscribe(contact=False)
    wang = CustomerFactory(name="王秀英", phone="+8613912345678")
    other = CustomerFactory(name="李雷", phone="+8613900000001")
    make_complaint(created_by=agent, customer=wang)
    make_complaint(created_by=agent, customer=other)
    book_callback(phone="13912345678", source="ivr")
    WebhookDelivery.objects.filter(pk=WebhookDelivery.objects.order_by("id")[0].pk).update(
        state="delivered"
    )
    exported = export_customer_data(wang, by=supervisor, via="page")["webhook_deliveries"]
    assert len(exported) == 4  # two subscriptions × (its complaint, its callback)

    anonymise_customer(wang, by=supervisor, reason="Asked by phone on 1 December", via="page")
    stored = str(list(WebhookDelivery.objects.values_list("payload", flat=True)))
    assert "王秀英" not in stored and "13912345678" not in stored and "5678" not in stored
    assert "李雷" in stored and "+8613900000001" in stored  # the others stay as they were
    customers = [
        delivery.payload["complaint"]["customer"]
        for delivery in WebhookDelivery.objects.filter(event_type="complaint.created")
        if delivery.payload["complaint"]["customer"]["id"] == wang.pk
    ]
    assert customers == [{"id": wang.pk, "name": f"Anonymised {wang.pk}", "phone": ""}] * 2
    assert WebhookDelivery.objects.filter(state="pending").count() == 5  # still sent
    entry = AuditEntry.objects.get(action=AuditAction.ANONYMISED_CUSTOMER)
    assert entry.detail["rows"]["webhooks"] == 4


def test_showing_a_payload_with_a_full_phone_is_in_the_audit_trail(client, administrator, agent):
    masked = subscribe(contact=False)
    full = subscribe(contact=True)
    complaint = make_complaint(created_by=agent, customer=CustomerFactory())
    client.force_login(administrator)
    for delivery in WebhookDelivery.objects.filter(subscription=masked):
        client.get(reverse("complaints:webhook_delivery", args=[delivery.pk]))
        client.get(f"/api/v1/webhooks/deliveries/{delivery.pk}/")
    assert not AuditEntry.objects.exists()
    delivery = WebhookDelivery.objects.get(subscription=full)
    page = client.get(reverse("complaints:webhook_delivery", args=[delivery.pk]))
    assert complaint.customer.phone in page.content.decode()
    api = client.get(f"/api/v1/webhooks/deliveries/{delivery.pk}/").json()
    assert api["payload"]["complaint"]["customer"]["phone"] == complaint.customer.phone
    entries = AuditEntry.objects.order_by("id")
    assert [(e.action, e.customer_id, e.object_type, e.object_id, e.via) for e in entries] == [
        (
            AuditAction.VIEWED_CONTACT_DETAILS,
            complaint.customer_id,
            "webhookdelivery",
            delivery.pk,
            via,
        )
        for via in ("page", "api")
    ]
