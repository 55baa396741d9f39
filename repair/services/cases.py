"""Damaged-customer repair cases (the repair issue builds the full workflow on this)."""

import datetime as dt

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from complaints.models import Complaint, Customer
from repair.enums import OPEN_REPAIR_STATES
from repair.models import RepairCase


def open_repair_case(
    *,
    customer: Customer,
    damage_type: str,
    complaint: Complaint | None = None,
    source_callback=None,
    level: int = 1,
) -> RepairCase:
    """Open a case for a damaged relationship, unless one of the same kind is already open."""
    with transaction.atomic():
        existing = RepairCase.objects.filter(
            customer=customer, damage_type=damage_type, state__in=OPEN_REPAIR_STATES
        ).first()
        if existing is not None:
            return existing
        return RepairCase.objects.create(
            customer=customer,
            damage_type=damage_type,
            complaint=complaint,
            level=level,
            due_at=timezone.now() + dt.timedelta(hours=settings.REPAIR_DUE_HOURS),
        )
