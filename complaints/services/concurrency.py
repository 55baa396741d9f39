"""Optimistic concurrency for every ``VersionedModel``: lock the row, check the version, bump it.

One helper for the three apps: services lock with ``lock_versioned`` (inside their
transaction) and bump with ``bump_version`` when they save a change, so the API's
``If-Match`` and the pages' hidden version field mean the same thing everywhere.
"""

from typing import TypeVar

from django.db import models
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


def lock_for_edit(model: type[V], instance: V | None, *, expected_version: int | None = None) -> V:
    """For create-or-edit services: a new ``model()``, or ``instance``'s row locked and checked.

    The locked row's version is already bumped for the change about to be saved.
    Must run inside a transaction.
    """
    if instance is None or instance.pk is None:
        return model()
    locked = lock_versioned(model, instance.pk, expected_version=expected_version)
    bump_version(locked)
    return locked
