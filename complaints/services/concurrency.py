"""Optimistic concurrency for every ``VersionedModel``: lock the row, check the version, bump it.

One helper for the three apps: services lock with ``lock_versioned`` (inside their
transaction) and bump with ``bump_version`` when they save a change (``save_edited`` does
both for create-or-edit configuration records), so the API's ``If-Match`` and the pages'
hidden version field mean the same thing everywhere.
"""

from collections.abc import Callable
from typing import Any, TypeVar

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils.translation import gettext as _

from complaints.errors import ApplicationError
from complaints.models.base import VersionedModel

V = TypeVar("V", bound=VersionedModel)


def lock_versioned(
    queryset: "models.QuerySet[V] | type[V]",
    pk: int,
    *,
    expected_version: int | None = None,
    message: str | None = None,
) -> V:
    """Re-read the row under a lock; refuse it (412) if it changed since ``expected_version``.

    Must run inside a transaction. ``expected_version`` None (no If-Match, or ``*``)
    skips the check: the caller accepts whatever is there.
    """
    if isinstance(queryset, type):
        queryset = queryset._default_manager.all()
    locked = queryset.select_for_update(of=("self",)).get(pk=pk)
    check_version(locked, expected_version, message=message)
    return locked


def check_version(obj: VersionedModel, expected_version: int | None, *, message: str | None = None):
    """Refuse ``obj`` if it is no longer at ``expected_version`` (412 ``stale_version``)."""
    if expected_version is None or obj.version == expected_version:
        return
    if message is None:
        message = _("Someone else changed this %(object)s meanwhile; reload it and try again.") % {
            "object": obj._meta.verbose_name
        }
    raise ApplicationError(
        message,
        code="stale_version",
        status=412,
        details={"version": [str(obj.version)]},
    )


def bump_version(obj: VersionedModel) -> str:
    """Count one more change; returns the field name for ``save(update_fields=[...])``."""
    obj.version += 1
    return "version"


def save_edited(
    model: type[V],
    instance: V | None,
    *,
    data: dict[str, Any],
    invalid_message: str,
    expected_version: int | None = None,
    adjust: Callable[[V], None] | None = None,
) -> V:
    """Create ``model`` from ``data``, or edit ``instance``'s row under the version check.

    For configuration records (rules, SLA policies) whose fields the model validates
    itself: ``adjust`` tidies the record after ``data`` is applied, ``full_clean``
    decides (400 ``invalid`` with the model's messages per field), and an edit of a row
    changed since ``expected_version`` is refused (412).
    """
    with transaction.atomic():
        if instance is None or instance.pk is None:
            record = model()
        else:
            record = lock_versioned(model, instance.pk, expected_version=expected_version)
            bump_version(record)
        for name, value in data.items():
            setattr(record, name, value)
        if adjust is not None:
            adjust(record)
        try:
            record.full_clean()
        except ValidationError as error:
            raise ApplicationError(
                invalid_message, code="invalid", details=error.message_dict
            ) from None
        record.save()
    return record
