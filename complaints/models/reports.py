"""Daily roll-ups behind the trend reports, so that history costs O(days), not O(complaints).

Each row counts one centre-local day × team × category × channel × priority (the
dimensions every report filters by). Rows are derived data: ``complaints.reports.rollups``
deletes and re-inserts whole days from the raw rows, so they never need migrating
and ``manage.py rebuild_rollups`` regenerates them. ``surveys`` and ``repair`` keep
their own roll-up tables of the same shape (``RollupDimensions``) and register them.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _

from .complaints import Category
from .people import Department, Team


class RollupDimensions(models.Model):
    """The day and the dimensions reports filter by; empty strings where a row has none."""

    day = models.DateField(_("day"))
    team = models.ForeignKey(
        Team, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    category = models.ForeignKey(
        Category, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    channel = models.CharField(_("channel"), max_length=20, blank=True)
    priority = models.CharField(_("priority"), max_length=20, blank=True)

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return f"{self.day} team={self.team_id} category={self.category_id}"


class ComplaintDailyRollup(RollupDimensions):
    """Complaints by the day they were received (a cohort): intake, repeats, both SLA clocks.

    A clock counts as due once it is decided: met (``*_met_at`` set) or marked breached
    by the deadline check; it counts as met when it was met by its due time
    (``complaints.filters.sla_decided`` / ``sla_met``, which the drill-down uses too).
    """

    received = models.PositiveIntegerField(_("received"), default=0)
    repeats = models.PositiveIntegerField(_("repeat complaints"), default=0)
    response_due = models.PositiveIntegerField(_("first responses due"), default=0)
    response_met = models.PositiveIntegerField(_("first responses in time"), default=0)
    resolution_due = models.PositiveIntegerField(_("resolutions due"), default=0)
    resolution_met = models.PositiveIntegerField(_("resolutions in time"), default=0)

    class Meta:
        verbose_name = _("complaint daily roll-up")
        verbose_name_plural = _("complaint daily roll-ups")
        indexes = [models.Index(fields=["day", "team"], name="rollup_complaint_day_idx")]


class WorkOrderDailyRollup(RollupDimensions):
    """Work orders by the day they were dispatched, per department: due and answered in time."""

    department = models.ForeignKey(
        Department, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    dispatched = models.PositiveIntegerField(_("dispatched"), default=0)
    due = models.PositiveIntegerField(_("work orders due"), default=0)
    on_time = models.PositiveIntegerField(_("answered in time"), default=0)

    class Meta:
        verbose_name = _("work order daily roll-up")
        verbose_name_plural = _("work order daily roll-ups")
        indexes = [models.Index(fields=["day", "team"], name="rollup_workorder_day_idx")]


class RollupState(models.Model):
    """One row per roll-up source: its lock, and when it was last refreshed.

    Every recomputation locks its source's row (``SELECT … FOR UPDATE``), so two
    beats running at once recompute one after the other instead of interleaving
    their deletes and inserts.
    """

    source = models.CharField(_("source"), max_length=40, unique=True)
    refreshed_at = models.DateTimeField(_("last refreshed"), null=True, blank=True)
    # Start of the last nightly pass: the next one recomputes days changed since.
    nightly_at = models.DateTimeField(_("last nightly pass"), null=True, blank=True)

    class Meta:
        verbose_name = _("roll-up state")
        verbose_name_plural = _("roll-up states")

    def __str__(self) -> str:
        return self.source
