from django.db import models
from django.utils.translation import gettext_lazy as _


class QuestionKind(models.TextChoices):
    SCORE = "score", _("Score 1–5")
    RECOMMEND = "recommend", _("Recommend 0–10 (NPS)")
    SATISFACTION = "satisfaction", _("Satisfaction level (five choices)")
    MULTIPLE_CHOICE = "multiple_choice", _("Multiple choice")
    OPEN_TEXT = "open_text", _("Open text")


class Satisfaction(models.TextChoices):
    """The five-level choice; the value doubles as its 1–5 score."""

    VERY_SATISFIED = "5", _("Very satisfied")
    SATISFIED = "4", _("Satisfied")
    NEUTRAL = "3", _("Neither satisfied nor dissatisfied")
    DISSATISFIED = "2", _("Dissatisfied")
    VERY_DISSATISFIED = "1", _("Very dissatisfied")


class InvitationState(models.TextChoices):
    SCHEDULED = "scheduled", _("Scheduled")
    SENT = "sent", _("Sent")
    ANSWERED = "answered", _("Answered")
    SUPPRESSED = "suppressed", _("Not sent (surveyed recently)")
    FAILED = "failed", _("Could not be sent")


class InvitationChannel(models.TextChoices):
    SMS = "sms", _("SMS")
    EMAIL = "email", _("Email")
    PHONE = "phone", _("Phone call")


class AnsweredVia(models.TextChoices):
    WEB = "web", _("Survey link")
    SMS = "sms", _("SMS reply")
    PHONE = "phone", _("Phone survey")


# A score (1–5) that counts as satisfied: CSAT is the share of scored answers at 4 or 5.
SATISFIED_SCORE = 4
