"""Complaints, their work orders and their append-only timeline."""

from django.conf import settings
from django.db import models
from django.db.models import Case, F, Q, When
from django.db.models.functions import Coalesce, Least
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from complaints.enums import (
    OPEN_STATES,
    OPEN_WORK_ORDER_STATES,
    CancelReason,
    Channel,
    ConfirmationMethod,
    Emotion,
    EventKind,
    Expectation,
    Priority,
    State,
    Subject,
    WorkOrderState,
)

from .base import VersionedModel
from .customers import Customer
from .people import Department, Team


class Category(models.Model):
    """What a complaint is about, in both languages; supervisors maintain the list."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name_en = models.CharField(_("name (English)"), max_length=100)
    name_zh_hans = models.CharField(_("name (Simplified Chinese)"), max_length=100)
    is_active = models.BooleanField(_("active"), default=True)
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        ordering = ["position", "code"]
        verbose_name = _("category")
        verbose_name_plural = _("categories")

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        """The name in the active language."""
        language = (get_language() or "en").lower()
        return self.name_zh_hans if language.startswith("zh") else self.name_en


class ReferenceCounter(models.Model):
    """Last issued sequence number per year and prefix.

    A row locked with SELECT ... FOR UPDATE hands out references without gaps
    being reused, on PostgreSQL and on the embedded SQLite alike.
    """

    prefix = models.CharField(max_length=4)
    year = models.PositiveSmallIntegerField()
    last_value = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["prefix", "year"], name="reference_counter_unique")
        ]

    def __str__(self) -> str:
        return f"{self.prefix}-{self.year}: {self.last_value}"


def next_due_expression():
    """The nearest due time among a complaint's running clocks (NULL when none runs).

    The queue's order (``selectors.complaint_queue``), and the key of the indexes that
    serve it, so the two are the same expression.
    """
    response = Case(
        When(response_met_at__isnull=True, then=F("response_due_at")),
        output_field=models.DateTimeField(),
    )
    resolution = Case(
        When(
            resolution_met_at__isnull=True,
            resolution_paused_at__isnull=True,
            then=F("resolution_due_at"),
        ),
        output_field=models.DateTimeField(),
    )
    # LEAST ignores NULLs on PostgreSQL but not on SQLite: coalesce for both.
    return Coalesce(Least(response, resolution), response, resolution)


class Complaint(VersionedModel):
    """A customer's complaint, from intake to confirmed closure."""

    reference = models.CharField(_("reference"), max_length=20, unique=True, editable=False)
    received_at = models.DateTimeField(_("received at"), default=timezone.now)
    channel = models.CharField(_("channel"), max_length=20, choices=Channel.choices)
    customer = models.ForeignKey(
        Customer, verbose_name=_("customer"), on_delete=models.PROTECT, related_name="complaints"
    )
    subject = models.CharField(
        _("about"), max_length=20, choices=Subject.choices, default=Subject.SERVICE
    )
    subject_detail = models.CharField(_("about (details)"), max_length=200, blank=True)
    category = models.ForeignKey(
        Category,
        verbose_name=_("category"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="complaints",
    )
    description = models.TextField(_("description"))
    expectation = models.CharField(
        _("customer expects"),
        max_length=20,
        choices=Expectation.choices,
        default=Expectation.EXPLANATION,
    )
    expectation_detail = models.CharField(_("expectation (details)"), max_length=200, blank=True)
    emotion = models.CharField(
        _("emotional state"), max_length=20, choices=Emotion.choices, default=Emotion.CALM
    )
    priority = models.CharField(
        _("priority"), max_length=20, choices=Priority.choices, default=Priority.GENERAL
    )
    # Why it has this priority and category: rules that fired, the classifier's
    # suggestion, any override. A snapshot, so later rule edits keep history true.
    classification = models.JSONField(_("classification"), default=dict, blank=True)
    state = models.CharField(_("state"), max_length=20, choices=State.choices, default=State.NEW)
    team = models.ForeignKey(
        Team,
        verbose_name=_("team"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="complaints",
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("assignee"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="assigned_complaints",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="created_complaints",
    )
    resolution_summary = models.TextField(_("resolution summary"), blank=True)
    remedy = models.CharField(_("remedy"), max_length=200, blank=True)
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)
    confirmed_at = models.DateTimeField(_("confirmed at"), null=True, blank=True)
    confirmation_method = models.CharField(
        _("confirmed by"), max_length=20, choices=ConfirmationMethod.choices, blank=True
    )
    confirmation_note = models.CharField(_("confirmation note"), max_length=500, blank=True)
    reopen_count = models.PositiveSmallIntegerField(_("times reopened"), default=0)
    repeat_of = models.ForeignKey(
        "self",
        verbose_name=_("repeat of"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="repeats",
    )
    duplicate_of = models.ForeignKey(
        "self",
        verbose_name=_("duplicate of"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="duplicates",
    )
    cancel_reason = models.CharField(
        _("cancelled as"), max_length=20, choices=CancelReason.choices, blank=True
    )
    cancel_note = models.CharField(_("cancellation note"), max_length=500, blank=True)
    # SLA clocks (services.sla keeps them; the deadline check marks warnings and
    # breaches set-based over the partial indexes below).
    sla_policy = models.ForeignKey(
        "complaints.SlaPolicy",
        verbose_name=_("SLA policy"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    response_due_at = models.DateTimeField(_("first response due"), null=True, blank=True)
    response_warn_at = models.DateTimeField(null=True, blank=True)
    response_met_at = models.DateTimeField(_("first response at"), null=True, blank=True)
    response_warned_at = models.DateTimeField(null=True, blank=True)
    response_breached_at = models.DateTimeField(null=True, blank=True)
    resolution_due_at = models.DateTimeField(_("resolution due"), null=True, blank=True)
    resolution_warn_at = models.DateTimeField(null=True, blank=True)
    resolution_met_at = models.DateTimeField(null=True, blank=True)
    resolution_warned_at = models.DateTimeField(null=True, blank=True)
    resolution_breached_at = models.DateTimeField(null=True, blank=True)
    resolution_paused_at = models.DateTimeField(null=True, blank=True)
    resolution_paused_seconds = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["-received_at", "-id"]
        verbose_name = _("complaint")
        verbose_name_plural = _("complaints")
        permissions = [
            ("view_all_complaints", _("Can see complaints of every team")),
            ("view_contact_details", _("Can see customers' full contact details")),
            ("view_dashboard", _("Can see the supervisor dashboard")),
        ]
        indexes = [
            models.Index(fields=["team", "state"], name="complaint_team_state_idx"),
            models.Index(fields=["assignee", "state"], name="complaint_assignee_state_idx"),
            models.Index(fields=["customer", "received_at"], name="complaint_customer_recv_idx"),
            models.Index(fields=["received_at"], name="complaint_received_idx"),
            models.Index(
                fields=["priority", "received_at"],
                name="complaint_open_priority_idx",
                condition=Q(state__in=sorted(OPEN_STATES)),
            ),
            # An agent sees their team's, their own and the ones they created: the queue's
            # counts read the creator's open complaints without visiting every complaint
            # they ever registered (thousands after two years).
            models.Index(
                fields=["created_by"],
                name="complaint_open_creator_idx",
                condition=Q(state__in=sorted(OPEN_STATES)),
            ),
            # The team's and the agent's queues, most pressing deadline first: a page reads
            # its fifty rows in order instead of sorting the whole backlog.
            models.Index(
                F("team"),
                next_due_expression(),
                name="complaint_team_queue_idx",
                condition=Q(state__in=sorted(OPEN_STATES)),
            ),
            models.Index(
                F("assignee"),
                next_due_expression(),
                name="complaint_mine_queue_idx",
                condition=Q(state__in=sorted(OPEN_STATES)),
            ),
            # The deadline check reads only clocks still running: its cost follows
            # the rows falling due, not every open complaint.
            models.Index(
                fields=["response_warn_at"],
                name="complaint_response_warn_idx",
                condition=Q(response_met_at__isnull=True, response_warned_at__isnull=True),
            ),
            models.Index(
                fields=["response_due_at"],
                name="complaint_response_due_idx",
                condition=Q(response_met_at__isnull=True, response_breached_at__isnull=True),
            ),
            models.Index(
                fields=["resolution_warn_at"],
                name="complaint_resolution_warn_idx",
                condition=Q(
                    resolution_met_at__isnull=True,
                    resolution_warned_at__isnull=True,
                    resolution_paused_at__isnull=True,
                ),
            ),
            models.Index(
                fields=["resolution_due_at"],
                name="complaint_resolution_due_idx",
                condition=Q(
                    resolution_met_at__isnull=True,
                    resolution_breached_at__isnull=True,
                    resolution_paused_at__isnull=True,
                ),
            ),
            # The board's "breached today" and "closed today", and the roll-ups' nightly
            # pass (which days changed since the last one): small, recent slices.
            models.Index(
                fields=["response_breached_at"],
                name="complaint_resp_breach_idx",
                condition=Q(response_breached_at__isnull=False),
            ),
            models.Index(
                fields=["resolution_breached_at"],
                name="complaint_resol_breach_idx",
                condition=Q(resolution_breached_at__isnull=False),
            ),
            models.Index(
                fields=["confirmed_at"],
                name="complaint_confirmed_idx",
                condition=Q(confirmed_at__isnull=False),
            ),
            models.Index(fields=["updated_at"], name="complaint_updated_idx"),
            # The live board counts open complaints by team, priority, state and assignee,
            # with their clocks' marks: every column it reads is in this index, so the
            # counts are index-only scans over the open rows (docs/performance.md).
            models.Index(
                fields=["team", "priority", "state", "assignee"],
                name="complaint_open_board_idx",
                condition=Q(state__in=sorted(OPEN_STATES)),
                include=[
                    "id",
                    "category",
                    "channel",
                    "response_warned_at",
                    "response_met_at",
                    "response_breached_at",
                    "resolution_warned_at",
                    "resolution_met_at",
                    "resolution_breached_at",
                    "resolution_paused_at",
                ],
            ),
        ]

    def __str__(self) -> str:
        return self.reference

    @property
    def is_open(self) -> bool:
        return self.state in OPEN_STATES


class WorkOrder(VersionedModel):
    """A request from a complaint to a back-office department, answered in 48 h."""

    complaint = models.ForeignKey(
        Complaint, verbose_name=_("complaint"), on_delete=models.CASCADE, related_name="work_orders"
    )
    department = models.ForeignKey(
        Department,
        verbose_name=_("department"),
        on_delete=models.PROTECT,
        related_name="work_orders",
    )
    instructions = models.TextField(_("instructions"))
    state = models.CharField(
        _("state"), max_length=20, choices=WorkOrderState.choices, default=WorkOrderState.OPEN
    )
    answer = models.TextField(_("answer"), blank=True)
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("answered by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("dispatched by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("dispatched at"), auto_now_add=True)
    due_at = models.DateTimeField(_("answer due"), null=True, blank=True)
    warn_at = models.DateTimeField(null=True, blank=True)
    warned_at = models.DateTimeField(null=True, blank=True)
    breached_at = models.DateTimeField(_("overdue since"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("work order")
        verbose_name_plural = _("work orders")
        permissions = [("answer_workorder", _("Can answer work orders of own department"))]
        indexes = [
            models.Index(fields=["department", "state"], name="workorder_dept_state_idx"),
            models.Index(
                fields=["warn_at"],
                name="workorder_warn_idx",
                condition=Q(state="open", warned_at__isnull=True),
            ),
            models.Index(
                fields=["due_at"],
                name="workorder_due_idx",
                condition=Q(state="open", breached_at__isnull=True),
            ),
            # The roll-up recomputes work orders by the day they were dispatched.
            models.Index(fields=["created_at"], name="workorder_created_idx"),
            # The board's open and overdue work orders per department.
            models.Index(
                fields=["department", "breached_at"],
                name="workorder_open_dept_idx",
                condition=Q(state__in=sorted(OPEN_WORK_ORDER_STATES)),
                include=["complaint"],
            ),
        ]

    def __str__(self) -> str:
        return f"{self.complaint.reference} → {self.department}"


def attachment_path(instance: "Attachment", filename: str) -> str:
    """Store under a random name: the original name is kept in the row, never trusted as a path."""
    import uuid

    today = timezone.now()
    return f"attachments/{today:%Y/%m}/{uuid.uuid4().hex}{instance.extension}"


class Attachment(models.Model):
    """An image or PDF kept with a complaint; served only to users who may see the complaint."""

    complaint = models.ForeignKey(
        Complaint, verbose_name=_("complaint"), on_delete=models.CASCADE, related_name="attachments"
    )
    file = models.FileField(_("file"), upload_to=attachment_path, max_length=200)
    original_name = models.CharField(_("file name"), max_length=200)
    content_type = models.CharField(_("content type"), max_length=100)
    size = models.PositiveIntegerField(_("size in bytes"))
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("uploaded by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)

    # Set by the service from the sniffed content type before saving.
    extension = ""

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")

    def __str__(self) -> str:
        return self.original_name


class AppendOnlyError(Exception):
    """Raised when code tries to change or delete an audit row."""


class AppendOnlyModel(models.Model):
    """Rows written once: saving an existing row or deleting one raises.

    The database backs this with a trigger (migration ``complaints.0012_audit_trail``),
    so a queryset's update or delete is refused as well.
    """

    class Meta:
        abstract = True

    def save(self, *args, **kwargs) -> None:
        if self.pk is not None and not self._state.adding:
            raise AppendOnlyError(f"{self._meta.verbose_name_plural} are append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnlyError(f"{self._meta.verbose_name_plural} are append-only.")


class ComplaintEvent(AppendOnlyModel):
    """One line of a complaint's timeline and of the audit trail.

    Append-only: saving an existing row or deleting one raises, so the audit
    trail cannot be rewritten through the application.
    """

    complaint = models.ForeignKey(
        Complaint, verbose_name=_("complaint"), on_delete=models.PROTECT, related_name="events"
    )
    work_order = models.ForeignKey(
        WorkOrder,
        verbose_name=_("work order"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="events",
    )
    kind = models.CharField(_("kind"), max_length=40, choices=EventKind.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    message = models.TextField(_("message"), blank=True)
    before = models.JSONField(_("before"), default=dict, blank=True)
    after = models.JSONField(_("after"), default=dict, blank=True)
    created_at = models.DateTimeField(_("at"), default=timezone.now, db_index=True)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("complaint event")
        verbose_name_plural = _("complaint events")
        indexes = [
            models.Index(fields=["complaint", "created_at"], name="event_complaint_time_idx")
        ]

    def __str__(self) -> str:
        return f"{self.complaint_id}: {self.get_kind_display()}"
