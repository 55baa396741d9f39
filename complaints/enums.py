"""Choices used across the complaints app (and read by surveys and repair)."""

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class Role(models.TextChoices):
    """Groups created by the roles data migration; a user's role is their group."""

    AGENT = "Agent", _("Agent")
    # An agent who also watches the board, confined to their own team.
    TEAM_LEAD = "Team lead", _("Team lead")
    SUPERVISOR = "Supervisor", _("Supervisor")
    ADMINISTRATOR = "Administrator", _("Administrator")
    DEPARTMENT = "Department", _("Department user")


class EmploymentType(models.TextChoices):
    IN_HOUSE = "in_house", _("In-house")
    OUTSOURCED = "outsourced", _("Outsourced")


class CustomerTier(models.TextChoices):
    REGULAR = "regular", _("Regular")
    VIP = "vip", _("VIP")


class Language(models.TextChoices):
    ENGLISH = "en", _("English")
    CHINESE = "zh-hans", _("Simplified Chinese")


class Channel(models.TextChoices):
    PHONE = "phone", _("Phone")
    WALK_IN = "walk_in", _("Walk-in")
    EMAIL = "email", _("Email")
    SMS = "sms", _("SMS")
    WEB = "web", _("Web")
    APP = "app", _("App")
    SOCIAL_MEDIA = "social_media", _("Social media")
    REFERRAL = "referral", _("Regulator/media referral")


class Priority(models.TextChoices):
    URGENT = "urgent", _("Urgent")
    GENERAL = "general", _("General")
    NON_URGENT = "non_urgent", _("Non-urgent")

    @property
    def rank(self) -> int:
        """Lower is more severe; used to order queues and pick the strictest rule."""
        return PRIORITY_RANK[self]


PRIORITY_RANK = {Priority.URGENT: 0, Priority.GENERAL: 1, Priority.NON_URGENT: 2}


class State(models.TextChoices):
    NEW = "new", _("New")
    ASSIGNED = "assigned", _("Assigned")
    IN_PROGRESS = "in_progress", _("In progress")
    WAITING_CUSTOMER = "waiting_customer", _("Waiting on customer")
    WAITING_DEPARTMENT = "waiting_department", _("Waiting on department")
    RESOLVED = "resolved", _("Resolved, awaiting confirmation")
    CLOSED = "closed", _("Closed")
    REOPENED = "reopened", _("Reopened")
    CANCELLED = "cancelled", _("Cancelled")


OPEN_STATES = frozenset(
    {
        State.NEW,
        State.ASSIGNED,
        State.IN_PROGRESS,
        State.WAITING_CUSTOMER,
        State.WAITING_DEPARTMENT,
        State.REOPENED,
    }
)


class Subject(models.TextChoices):
    PRODUCT = "product", _("Product")
    SERVICE = "service", _("Service")
    STAFF = "staff", _("Staff member")
    BRANCH = "branch", _("Branch")


class Expectation(models.TextChoices):
    REFUND = "refund", _("Refund")
    REPLACEMENT = "replacement", _("Replacement")
    REPAIR = "repair", pgettext_lazy("customer expects", "Repair")
    APOLOGY = "apology", _("Apology")
    COMPENSATION = "compensation", _("Compensation")
    EXPLANATION = "explanation", _("Explanation")
    OTHER = "other", _("Other")


class Emotion(models.TextChoices):
    CALM = "calm", _("Calm")
    UPSET = "upset", _("Upset")
    ANGRY = "angry", _("Angry")
    THREATENING = "threatening", _("Threatening")


class EventKind(models.TextChoices):
    CREATED = "created", _("Registered")
    ASSIGNED = "assigned", _("Assigned")
    WORK_STARTED = "work_started", _("Work started")
    NOTE = "note", _("Note")
    CONTACT = "contact", _("Contact with customer")
    UPDATED = "updated", _("Record updated")
    ATTACHMENT_ADDED = "attachment_added", _("Attachment added")
    WORK_ORDER_DISPATCHED = "work_order_dispatched", _("Work order dispatched")
    WORK_ORDER_ANSWERED = "work_order_answered", _("Work order answered")
    WORK_ORDER_CANCELLED = "work_order_cancelled", _("Work order cancelled")
    WAITING_ON_CUSTOMER = "waiting_on_customer", _("Waiting on customer")
    RESUMED = "resumed", _("Work resumed")
    RESOLUTION_PROPOSED = "resolution_proposed", _("Resolution proposed")
    CONFIRMED = "confirmed", _("Resolution confirmed, closed")
    REOPENED = "reopened", _("Reopened")
    CANCELLED = "cancelled", _("Cancelled")
    PRIORITY_CHANGED = "priority_changed", _("Priority changed")
    CATEGORY_CHANGED = "category_changed", _("Category changed")
    SLA_WARNED = "sla_warned", _("SLA warning")
    SLA_BREACHED = "sla_breached", _("SLA breached")
    SLA_RECALCULATED = "sla_recalculated", _("SLA due times recalculated")
    ESCALATED = "escalated", _("Escalated")


class ContactChannel(models.TextChoices):
    CALL = "call", _("Phone call")
    SMS = "sms", _("SMS")
    EMAIL = "email", _("Email")
    VISIT = "visit", _("Visit")


class ContactOutcome(models.TextChoices):
    REACHED = "reached", _("Reached the customer")
    NO_ANSWER = "no_answer", _("No answer")
    BUSY = "busy", _("Busy")
    WRONG_NUMBER = "wrong_number", _("Wrong number")
    VOICEMAIL = "voicemail", _("Left voicemail")
    SENT = "sent", _("Message sent")


# Outcomes that count as "tried and could not reach" for the no-answer closing rule.
UNREACHED_OUTCOMES = frozenset(
    {ContactOutcome.NO_ANSWER, ContactOutcome.BUSY, ContactOutcome.VOICEMAIL}
)


class ConfirmationMethod(models.TextChoices):
    PHONE = "phone", _("Customer confirmed by phone")
    SMS = "sms", _("Customer confirmed by SMS")
    EMAIL = "email", _("Customer confirmed by email")
    IN_PERSON = "in_person", _("Customer confirmed in person")
    NO_ANSWER_RULE = "no_answer_rule", _("Closed by rule: no answer after repeated attempts")


class CancelReason(models.TextChoices):
    DUPLICATE = "duplicate", _("Duplicate")
    INVALID = "invalid", _("Invalid")


class WorkOrderState(models.TextChoices):
    OPEN = "open", _("Open")
    ANSWERED = "answered", _("Answered")
    OVERDUE = "overdue", _("Overdue")
    CANCELLED = "cancelled", _("Cancelled")


OPEN_WORK_ORDER_STATES = frozenset({WorkOrderState.OPEN, WorkOrderState.OVERDUE})


class SlaStatus(models.TextChoices):
    """What an agent needs at a glance about a complaint's running clocks."""

    MET = "met", _("Met")
    OK = "ok", _("On track")
    AT_RISK = "at_risk", _("At risk")
    BREACHED = "breached", _("Breached")
    PAUSED = "paused", _("Paused")


class WebhookState(models.TextChoices):
    """Where one webhook delivery stands (the delivery table is the webhooks' outbox)."""

    PENDING = "pending", _("Pending")
    DELIVERED = "delivered", _("Delivered")
    FAILED = "failed", _("Failed")
