"""Customers in webhook payloads: the audit trail when a payload shows a full phone number,
and the export and anonymisation of ``complaints.services.privacy``.

Complaint events name the customer (``complaint.customer``: id, name, phone) and callback
events carry the booking's phone (``callback.phone`` beside ``callback.customer``); other
events only ids. Anonymising rewrites those payloads, pending or sent, as the customer
row is rewritten; pending deliveries still go, without the identity.
"""

from typing import Any

from django.db.models import Q

from complaints.models import Customer, WebhookDelivery
from complaints.services.audit import record_disclosure
from complaints.services.privacy import Subjects, register_personal_data, rows

# Rows rewritten per bulk update: bounded statements, bounded memory.
ANONYMISE_BATCH = 1000


def disclosed_customers(payload: Any) -> set[int]:
    """The customers whose full phone number ``payload`` carries (masked ones hold a ``*``)."""
    found: set[int] = set()

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            phone = node.get("phone")
            owner = node.get("customer", node)
            if phone and "*" not in phone and isinstance(owner, dict) and owner.get("id"):
                found.add(owner["id"])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(payload)
    return found


def record_payload_disclosures(request: Any, delivery: WebhookDelivery) -> None:
    """A page or API answer about to show ``delivery``'s data notes its full phone numbers."""
    for customer_id in disclosed_customers(delivery.payload):
        record_disclosure(request, customer_id=customer_id, about=delivery)


def _naming(ids: list[int]):
    return WebhookDelivery.objects.filter(
        Q(payload__complaint__customer__id__in=ids) | Q(payload__callback__customer__id__in=ids)
    )


def export(customer: Customer) -> dict[str, list[dict[str, Any]]]:
    return {"webhook_deliveries": rows(_naming([customer.pk]).order_by("id"))}


def anonymise(subjects: Subjects) -> int:
    """The customer's name becomes ``Anonymised <id>``, as on the customer row; phones go."""
    ids = set(subjects.ids)
    changed = 0
    last_id = 0
    while batch := list(
        _naming(subjects.ids)
        .filter(pk__gt=last_id)
        .order_by("pk")
        .only("payload")[:ANONYMISE_BATCH]
    ):
        for delivery in batch:
            complaint = delivery.payload.get("complaint") or {}
            customer = complaint.get("customer") or {}
            if customer.get("id") in ids:
                customer.update(name=f"Anonymised {customer['id']}", phone="")
            callback = delivery.payload.get("callback") or {}
            if (callback.get("customer") or {}).get("id") in ids:
                callback["phone"] = ""
        WebhookDelivery.objects.bulk_update(batch, ["payload"])
        changed += len(batch)
        last_id = batch[-1].pk
    return changed


def register() -> None:
    register_personal_data("webhooks", export=export, anonymise=anonymise)
