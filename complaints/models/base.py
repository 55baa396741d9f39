"""Abstract bases shared by the apps' models."""

from django.db import models


class VersionedModel(models.Model):
    """A record people and integrations change concurrently: ``version`` counts the changes.

    The services that change the record bump it under the row lock
    (``complaints.services.concurrency``); the API sends it as ``ETag`` and the pages as
    a hidden field, and a write naming an older version is refused (412) instead of
    silently overwriting someone else's change. Background marks that are not an edit
    (SLA warnings and breaches, import progress counters) leave it alone.
    """

    version = models.PositiveIntegerField(default=1, editable=False)

    class Meta:
        abstract = True
