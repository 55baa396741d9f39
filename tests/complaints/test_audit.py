"""The access audit trail: every full view of contact details is recorded, and nothing
rewrites the trail or the timeline, not even a queryset or the admin."""

import pytest
from django.db import DatabaseError, transaction
from django.urls import reverse

from complaints.models import AppendOnlyError, AuditAction, AuditEntry, ComplaintEvent
from complaints.services.audit import record_access
from tests.factories import make_complaint

pytestmark = pytest.mark.django_db


def test_an_api_detail_with_the_full_phone_is_recorded_once_per_customer_and_object(
    client, supervisor
):
    complaint = make_complaint()
    client.force_login(supervisor)
    url = f"/api/v1/complaints/{complaint.pk}/"
    body = client.get(url).json()
    assert body["customer"]["phone"] == complaint.customer.phone
    entry = AuditEntry.objects.get()
    assert (entry.actor, entry.action, entry.customer_id, entry.object_type, entry.via) == (
        supervisor,
        AuditAction.VIEWED_CONTACT_DETAILS,
        complaint.customer_id,
        "complaint",
        "api",
    )
    assert entry.path == url and complaint.customer.phone not in str(entry.detail)


def test_masked_views_record_nothing(client, other_agent):
    complaint = make_complaint(team=other_agent.team)
    client.force_login(other_agent)
    body = client.get(f"/api/v1/complaints/{complaint.pk}/").json()
    assert "****" in body["customer"]["phone"]
    assert not AuditEntry.objects.exists()


def test_a_response_is_withheld_when_its_audit_record_cannot_be_written(
    client, supervisor, monkeypatch
):
    complaint = make_complaint()
    client.force_login(supervisor)

    def broken(*args, **kwargs):
        raise DatabaseError("disk full")

    monkeypatch.setattr(AuditEntry.objects, "bulk_create", broken)
    api = client.get(f"/api/v1/complaints/{complaint.pk}/")
    assert api.status_code == 503 and api["Content-Type"] == "application/problem+json"
    assert complaint.customer.phone not in api.content.decode()
    page = client.get(reverse("complaints:detail", args=[complaint.pk]))
    assert page.status_code == 503 and complaint.customer.phone not in page.content.decode()


def test_the_trail_refuses_changes_in_the_application_and_in_the_database(supervisor):
    entry = record_access(
        supervisor, AuditAction.EXPORTED_CUSTOMER_DATA, customer_id=None, via="page"
    )
    with pytest.raises(AppendOnlyError):
        entry.save()
    with pytest.raises(AppendOnlyError):
        entry.delete()
    for attempt in (
        lambda: AuditEntry.objects.filter(pk=entry.pk).update(via="api"),
        lambda: AuditEntry.objects.filter(pk=entry.pk).delete(),
    ):
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
            attempt()
    assert AuditEntry.objects.get().via == "page"


def test_the_timeline_refuses_deletes_and_updates_outside_a_redaction():
    event = make_complaint().events.get()
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        ComplaintEvent.objects.filter(pk=event.pk).update(message="rewritten")
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        ComplaintEvent.objects.filter(pk=event.pk).delete()


def test_the_admin_shows_the_trail_but_offers_no_change_or_delete(client, administrator):
    entry = record_access(
        administrator, AuditAction.EXPORTED_CUSTOMER_DATA, customer_id=None, via="page"
    )
    client.force_login(administrator)
    assert client.get(reverse("admin:complaints_auditentry_changelist")).status_code == 200
    change = client.get(reverse("admin:complaints_auditentry_change", args=[entry.pk]))
    assert change.status_code == 200 and 'name="_save"' not in change.content.decode()
    assert client.get(reverse("admin:complaints_auditentry_add")).status_code == 403
    deleted = client.post(
        reverse("admin:complaints_auditentry_changelist"),
        {"action": "delete_selected", "_selected_action": [entry.pk], "post": "yes"},
    )
    assert deleted.status_code in (200, 302) and AuditEntry.objects.filter(pk=entry.pk).exists()
    assert (
        client.post(reverse("admin:complaints_auditentry_delete", args=[entry.pk])).status_code
        == 403
    )
