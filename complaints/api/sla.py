"""The SLA status an API client sees at a glance, from a complaint's clock columns.

Pure: no queries and no clock reading, so a page of complaints costs nothing
extra and the same columns always give the same answer.
"""

from typing import Any

from django.db import models
from django.utils.translation import gettext_lazy as _


class SlaStatus(models.TextChoices):
    MET = "met", _("Met")
    OK = "ok", _("On track")
    AT_RISK = "at_risk", _("At risk")
    BREACHED = "breached", _("Breached")
    PAUSED = "paused", _("Paused")


def sla_status(complaint: Any) -> SlaStatus:
    """Breached if a running clock missed its deadline, at risk if one passed its warning,
    paused while the resolution clock waits on the customer, met when no clock is left
    running, else ok.

    A clock runs from its due time until it is met; the resolution clock does
    not run while paused (its warning and breach marks then do not count).
    """
    response_runs = complaint.response_due_at is not None and complaint.response_met_at is None
    resolution_open = (
        complaint.resolution_due_at is not None and complaint.resolution_met_at is None
    )
    paused = resolution_open and complaint.resolution_paused_at is not None
    running = []
    if response_runs:
        running.append((complaint.response_warned_at, complaint.response_breached_at))
    if resolution_open and not paused:
        running.append((complaint.resolution_warned_at, complaint.resolution_breached_at))
    if any(breached is not None for _warned, breached in running):
        return SlaStatus.BREACHED
    if any(warned is not None for warned, _breached in running):
        return SlaStatus.AT_RISK
    if paused:
        return SlaStatus.PAUSED
    if not running:
        return SlaStatus.MET
    return SlaStatus.OK
