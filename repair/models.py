"""Call-loss callbacks ("every call returned") and damaged-customer repair cases."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from complaints.models import Complaint, Customer, RollupDimensions
from repair.enums import (
    OPEN_CALLBACK_STATES,
    OPEN_REPAIR_STATES,
    AttemptOutcome,
    CallbackSource,
    CallbackState,
    DamageType,
    ImportState,
    KeyEventKind,
    RepairContactChannel,
    RepairState,
    StrategyLine,
)


class CallbackRequest(models.Model):
    """A booking to call a customer back ("every call returned").

    Its clock starts at the booking, or when quiet hours end, or at the start of
    the customer's preferred window, whichever is latest; it is due an hour
    later (ten minutes for dropped and silent calls). One open booking per
    number: later bookings join it.
    """

    phone = models.CharField(_("phone"), max_length=20)
    customer = models.ForeignKey(
        Customer,
        verbose_name=_("customer"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="callback_requests",
    )
    source = models.CharField(_("source"), max_length=20, choices=CallbackSource.choices)
    reason = models.CharField(_("reason"), max_length=500, blank=True)
    complaint = models.ForeignKey(
        Complaint,
        verbose_name=_("complaint"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="callback_requests",
    )
    requested_at = models.DateTimeField(_("requested at"), default=timezone.now)
    preferred_from = models.DateTimeField(_("preferred from"), null=True, blank=True)
    preferred_to = models.DateTimeField(_("preferred until"), null=True, blank=True)
    clock_started_at = models.DateTimeField(_("clock started at"))
    due_at = models.DateTimeField(_("due at"))
    state = models.CharField(
        _("state"), max_length=20, choices=CallbackState.choices, default=CallbackState.PENDING
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("assignee"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="callback_requests",
    )
    assigned_at = models.DateTimeField(_("assigned at"), null=True, blank=True)
    joined_count = models.PositiveIntegerField(_("later bookings joined"), default=0)
    last_joined_at = models.DateTimeField(_("last joined at"), null=True, blank=True)
    attempt_count = models.PositiveSmallIntegerField(_("attempts"), default=0)
    # The call was returned (first attempt), whatever its outcome: what the
    # 30/60-minute figures measure from the clock's start.
    first_attempt_at = models.DateTimeField(_("first attempt at"), null=True, blank=True)
    next_attempt_at = models.DateTimeField(_("next attempt at"), null=True, blank=True)
    completed_at = models.DateTimeField(_("handled at"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("booked by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["due_at", "id"]
        verbose_name = _("callback request")
        verbose_name_plural = _("callback requests")
        indexes = [
            models.Index(
                fields=["due_at"],
                name="callback_open_due_idx",
                condition=Q(state__in=sorted(OPEN_CALLBACK_STATES)),
            ),
            models.Index(fields=["requested_at"], name="callback_requested_idx"),
        ]
        constraints = [
            # One open booking per number; a second one joins it (services.book_callback).
            models.UniqueConstraint(
                fields=["phone"],
                condition=Q(state__in=sorted(OPEN_CALLBACK_STATES)),
                name="callback_one_open_per_phone",
            )
        ]

    def __str__(self) -> str:
        return f"{self.phone} ({self.get_state_display()})"

    @property
    def is_open(self) -> bool:
        return self.state in OPEN_CALLBACK_STATES


class CallbackAttempt(models.Model):
    callback = models.ForeignKey(
        CallbackRequest,
        verbose_name=_("callback"),
        on_delete=models.CASCADE,
        related_name="attempts",
    )
    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("agent"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    outcome = models.CharField(_("outcome"), max_length=20, choices=AttemptOutcome.choices)
    note = models.CharField(_("note"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("at"), auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("callback attempt")
        verbose_name_plural = _("callback attempts")

    def __str__(self) -> str:
        return f"{self.callback_id}: {self.get_outcome_display()}"


class CallbackAgent(models.Model):
    """An agent's availability for the callback queue (agents switch it themselves)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("agent"),
        on_delete=models.CASCADE,
        related_name="callback_agent",
    )
    is_available = models.BooleanField(_("available for callbacks"), default=False)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("callback agent")
        verbose_name_plural = _("callback agents")

    def __str__(self) -> str:
        return str(self.user)


class RepairStrategy(models.Model):
    """A repair measure from the strategy library, with a script agents adapt per customer.

    Scripts may use the placeholders {customer_name}, {complaint_ref}, {agent_name},
    {score} and {reason}; unknown ones are left as written.
    """

    name = models.CharField(_("name"), max_length=200)
    line = models.CharField(_("line"), max_length=20, choices=StrategyLine.choices)
    damage_types = models.JSONField(_("fits damage types"), default=list)
    script_en = models.TextField(_("script (English)"))
    script_zh_hans = models.TextField(_("script (Simplified Chinese)"))
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["line", "name"]
        verbose_name = _("repair strategy")
        verbose_name_plural = _("repair strategies")

    def __str__(self) -> str:
        return self.name

    @property
    def damage_type_labels(self) -> list[str]:
        labels = dict(DamageType.choices)
        return [str(labels.get(value, value)) for value in self.damage_types]


class KeyEvent(models.Model):
    """A mass incident (outage, billing error, cutover) that damaged many customers at once.

    The affected customers arrive as a CSV file that a worker imports in batches;
    the counters below are the progress bar.
    """

    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=20, choices=KeyEventKind.choices)
    started_at = models.DateTimeField(_("started at"))
    ended_at = models.DateTimeField(_("ended at"), null=True, blank=True)
    description = models.TextField(_("description"), blank=True)
    sms_en = models.CharField(
        _("SMS to customers (English)"),
        max_length=500,
        help_text=_("Placeholders: {customer_name}, {event_name}."),
    )
    sms_zh_hans = models.CharField(_("SMS to customers (Simplified Chinese)"), max_length=500)
    import_file = models.FileField(
        _("affected customers (CSV)"), upload_to="key_events/", blank=True, max_length=200
    )
    import_state = models.CharField(
        _("import"), max_length=10, choices=ImportState.choices, default=ImportState.NONE
    )
    rows_total = models.PositiveIntegerField(_("rows in file"), default=0)
    rows_done = models.PositiveIntegerField(_("rows read"), default=0)
    rows_bad = models.PositiveIntegerField(_("rows skipped"), default=0)
    errors_file = models.FileField(_("skipped rows (CSV)"), upload_to="key_events/", blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["-started_at", "-id"]
        verbose_name = _("key event")
        verbose_name_plural = _("key events")

    def __str__(self) -> str:
        return self.name

    @property
    def progress_percent(self) -> int:
        if self.import_state == ImportState.DONE:
            return 100
        return int(self.rows_done * 100 / self.rows_total) if self.rows_total else 0


class KeyEventCustomer(models.Model):
    """One affected customer of a key event (a re-run import adds nobody twice)."""

    event = models.ForeignKey(KeyEvent, on_delete=models.CASCADE, related_name="affected")
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="+")
    line_number = models.PositiveIntegerField(_("line in the file"))
    note = models.CharField(_("note"), max_length=500, blank=True)
    notified = models.BooleanField(_("SMS queued"), default=False)
    sampled = models.BooleanField(_("in the follow-up sample"), default=False)
    invitation = models.ForeignKey(
        "surveys.SurveyInvitation",
        verbose_name=_("follow-up survey"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("affected customer")
        verbose_name_plural = _("affected customers")
        constraints = [
            models.UniqueConstraint(fields=["event", "customer"], name="key_event_customer_once")
        ]

    def __str__(self) -> str:
        return f"{self.event_id}: {self.customer_id}"


class RepairCase(models.Model):
    """A damaged customer relationship to repair, owned by one person (or a team's pile)."""

    customer = models.ForeignKey(
        Customer, verbose_name=_("customer"), on_delete=models.PROTECT, related_name="repair_cases"
    )
    damage_type = models.CharField(_("damage type"), max_length=30, choices=DamageType.choices)
    level = models.PositiveSmallIntegerField(_("damage level"), default=1)
    reason = models.CharField(_("reason"), max_length=500, blank=True)
    complaint = models.ForeignKey(
        Complaint,
        verbose_name=_("complaint"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="repair_cases",
    )
    source_callback = models.ForeignKey(
        CallbackRequest,
        verbose_name=_("from callback"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="repair_cases",
    )
    key_event = models.ForeignKey(
        KeyEvent,
        verbose_name=_("key event"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="cases",
    )
    source_response = models.ForeignKey(
        "surveys.SurveyResponse",
        verbose_name=_("from survey answer"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="repair_cases",
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="repair_cases",
    )
    team = models.ForeignKey(
        "complaints.Team",
        verbose_name=_("team"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="repair_cases",
    )
    state = models.CharField(
        _("state"), max_length=20, choices=RepairState.choices, default=RepairState.OPEN
    )
    strategy = models.ForeignKey(
        RepairStrategy,
        verbose_name=_("strategy used"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="cases",
    )
    outcome = models.TextField(_("outcome"), blank=True)
    satisfied_after = models.BooleanField(_("satisfied after repair"), null=True, blank=True)
    # Asked when the case was closed; the customer's answer sets satisfied_after.
    follow_up_invitation = models.OneToOneField(
        "surveys.SurveyInvitation",
        verbose_name=_("follow-up survey"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="repair_case",
    )
    due_at = models.DateTimeField(_("due at"))
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("opened by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("opened at"), auto_now_add=True)

    class Meta:
        ordering = ["due_at", "id"]
        verbose_name = _("repair case")
        verbose_name_plural = _("repair cases")
        indexes = [
            models.Index(
                fields=["owner", "due_at"],
                name="repair_open_owner_due_idx",
                condition=Q(state__in=sorted(OPEN_REPAIR_STATES)),
            ),
            models.Index(fields=["created_at"], name="repair_created_idx"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["key_event", "customer"],
                condition=Q(key_event__isnull=False),
                name="repair_case_once_per_key_event",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_damage_type_display()}: {self.customer}"

    @property
    def is_open(self) -> bool:
        return self.state in OPEN_REPAIR_STATES


class RepairContact(models.Model):
    """One contact with the customer while repairing."""

    case = models.ForeignKey(RepairCase, on_delete=models.CASCADE, related_name="contacts")
    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    channel = models.CharField(_("how"), max_length=10, choices=RepairContactChannel.choices)
    reached = models.BooleanField(_("reached the customer"), default=True)
    note = models.CharField(_("note"), max_length=1000, blank=True)
    created_at = models.DateTimeField(_("at"), auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("repair contact")
        verbose_name_plural = _("repair contacts")

    def __str__(self) -> str:
        return f"{self.case_id}: {self.get_channel_display()}"


class CallbackDailyRollup(RollupDimensions):
    """Bookings by the centre-local day and hour they were made, for the call-loss trends.

    Derived rows kept by ``complaints.reports.rollups`` (see ``RollupDimensions``). A
    booking's team is its assignee's; category, channel and priority are those of the
    complaint it is about (empty when none). Cancelled bookings are not counted.
    """

    hour = models.PositiveSmallIntegerField(_("hour of day"))
    bookings = models.PositiveIntegerField(_("bookings"), default=0)
    handled = models.PositiveIntegerField(_("returned"), default=0)
    within_30 = models.PositiveIntegerField(_("returned within 30 min"), default=0)
    within_60 = models.PositiveIntegerField(_("returned within 60 min"), default=0)

    class Meta:
        verbose_name = _("callback daily roll-up")
        verbose_name_plural = _("callback daily roll-ups")
        indexes = [models.Index(fields=["day", "team"], name="rollup_callback_day_idx")]
