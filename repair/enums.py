from django.db import models
from django.utils.translation import gettext_lazy as _


class CallbackSource(models.TextChoices):
    IVR = "ivr", _("IVR booking")
    MISSED_CALL = "missed_call", _("Missed call")
    DROPPED_CALL = "dropped_call", _("Dropped call")
    SILENT_CALL = "silent_call", _("Silent call")
    AGENT = "agent", _("Agent")
    WEB = "web", _("Web")


class CallbackState(models.TextChoices):
    PENDING = "pending", _("Pending")
    ASSIGNED = "assigned", _("Assigned")
    IN_PROGRESS = "in_progress", _("In progress")
    COMPLETED = "completed", _("Completed")
    UNREACHABLE = "unreachable", _("Unreachable")
    CANCELLED = "cancelled", _("Cancelled")


OPEN_CALLBACK_STATES = frozenset(
    {CallbackState.PENDING, CallbackState.ASSIGNED, CallbackState.IN_PROGRESS}
)


class AttemptOutcome(models.TextChoices):
    ANSWERED = "answered", _("Answered")
    NO_ANSWER = "no_answer", _("No answer")
    BUSY = "busy", _("Busy")
    WRONG_NUMBER = "wrong_number", _("Wrong number")
    VOICEMAIL = "voicemail", _("Voicemail")


# Outcomes after which the customer is tried again (until the attempts run out).
RETRY_OUTCOMES = frozenset(
    {AttemptOutcome.NO_ANSWER, AttemptOutcome.BUSY, AttemptOutcome.VOICEMAIL}
)


class DamageType(models.TextChoices):
    CALL_LOSS = "call_loss", _("Call loss")
    SURVEY_DISSATISFIED = "survey_dissatisfied", _("Dissatisfied survey answer")
    COMPLAINT = "complaint", _("Complaint")
    PROCESS = "process", _("Process failure")
    KEY_EVENT = "key_event", _("Key event")


class RepairState(models.TextChoices):
    OPEN = "open", _("Open")
    IN_PROGRESS = "in_progress", _("In progress")
    REPAIRED = "repaired", _("Repaired")
    NOT_REPAIRED = "not_repaired", _("Not repaired")


OPEN_REPAIR_STATES = frozenset({RepairState.OPEN, RepairState.IN_PROGRESS})


class StrategyLine(models.TextChoices):
    """The four lines of the repair strategy library (DOMAIN.md)."""

    PEOPLE = "people", _("People")
    PROCESS = "process", _("Business process")
    SYSTEM = "system", _("Systems")
    CROSS_DEPARTMENT = "cross_department", _("Cross-department")


class RepairContactChannel(models.TextChoices):
    CALL = "call", _("Phone call")
    SMS = "sms", _("SMS")
    VISIT = "visit", _("Visit")
    EMAIL = "email", _("Email")


class KeyEventKind(models.TextChoices):
    NETWORK_OUTAGE = "network_outage", _("Network outage")
    BILLING_ERROR = "billing_error", _("Billing error")
    SYSTEM_CUTOVER = "system_cutover", _("System cutover")
    OTHER = "other", _("Other")


class ImportState(models.TextChoices):
    NONE = "none", _("No file yet")
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Importing")
    DONE = "done", _("Imported")
    FAILED = "failed", _("Failed")
