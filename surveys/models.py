"""Satisfaction surveys after a complaint is closed: questionnaires, invitations, responses."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from complaints.enums import Language
from complaints.models import Complaint, Customer, RollupDimensions, Team
from surveys.enums import AnsweredVia, InvitationChannel, InvitationState, QuestionKind


class Questionnaire(models.Model):
    """A survey template in one language; invitations are sent from an active one."""

    name = models.CharField(_("name"), max_length=200)
    language = models.CharField(
        _("language"), max_length=10, choices=Language.choices, default=Language.CHINESE
    )
    is_active = models.BooleanField(_("active"), default=True)
    # The questionnaire sent after closed complaints, one per language.
    is_default = models.BooleanField(_("default after complaints"), default=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["name", "language"]
        verbose_name = _("questionnaire")
        verbose_name_plural = _("questionnaires")

    def __str__(self) -> str:
        return f"{self.name} ({self.get_language_display()})"


class Question(models.Model):
    questionnaire = models.ForeignKey(
        Questionnaire,
        verbose_name=_("questionnaire"),
        on_delete=models.CASCADE,
        related_name="questions",
    )
    position = models.PositiveSmallIntegerField(_("position"))
    kind = models.CharField(_("kind"), max_length=20, choices=QuestionKind.choices)
    text = models.CharField(_("text"), max_length=500)
    choices = models.JSONField(_("choices"), default=list, blank=True)
    required = models.BooleanField(_("required"), default=True)

    class Meta:
        ordering = ["questionnaire", "position"]
        verbose_name = _("question")
        verbose_name_plural = _("questions")
        constraints = [
            models.UniqueConstraint(
                fields=["questionnaire", "position"], name="question_position_unique"
            )
        ]

    def __str__(self) -> str:
        return self.text


class SurveyInvitation(models.Model):
    """One customer asked about one closed complaint, by a signed link that works once.

    The link carries ``signing.dumps`` of this row's id and ``nonce``; it
    expires after ``SURVEY_LINK_DAYS`` and is spent once a response exists.
    """

    complaint = models.ForeignKey(
        Complaint,
        verbose_name=_("complaint"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="surveys",
    )
    # What the survey is about when it is not a complaint (e.g. a key event's follow-up).
    topic = models.CharField(_("about"), max_length=200, blank=True)
    customer = models.ForeignKey(
        Customer, verbose_name=_("customer"), on_delete=models.CASCADE, related_name="surveys"
    )
    questionnaire = models.ForeignKey(
        Questionnaire, verbose_name=_("questionnaire"), on_delete=models.PROTECT
    )
    channel = models.CharField(_("channel"), max_length=10, choices=InvitationChannel.choices)
    state = models.CharField(
        _("state"),
        max_length=20,
        choices=InvitationState.choices,
        default=InvitationState.SCHEDULED,
    )
    nonce = models.CharField(max_length=32, unique=True, editable=False)
    # Who handled the complaint: the responsibility rule repairs through them.
    rated_agent = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("rated agent"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    send_after = models.DateTimeField(_("send after"))
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    expires_at = models.DateTimeField(_("expires at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("survey invitation")
        verbose_name_plural = _("survey invitations")
        indexes = [
            models.Index(
                fields=["send_after"],
                name="invitation_scheduled_idx",
                condition=Q(state="scheduled"),
            ),
            models.Index(fields=["customer", "created_at"], name="invitation_customer_idx"),
            # Response rates count invitations sent in a period (the board: today, 7 days).
            models.Index(
                fields=["sent_at"],
                name="invitation_sent_idx",
                condition=Q(sent_at__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.about} → {self.customer}"

    @property
    def about(self) -> str:
        """The complaint's reference, or the topic of a survey that is not about one."""
        return self.complaint.reference if self.complaint_id else self.topic


class SurveyResponse(models.Model):
    """The customer's answers: one per invitation (a double submission records one)."""

    invitation = models.OneToOneField(
        SurveyInvitation,
        verbose_name=_("invitation"),
        on_delete=models.CASCADE,
        related_name="response",
    )
    complaint = models.ForeignKey(
        Complaint, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="+")
    # Copied at answer time so that results group by them without joins.
    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("rated agent"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    team = models.ForeignKey(Team, null=True, blank=True, on_delete=models.SET_NULL)
    category_code = models.CharField(max_length=40, blank=True)
    complaint_channel = models.CharField(max_length=20, blank=True)
    answered_via = models.CharField(_("answered via"), max_length=10, choices=AnsweredVia.choices)
    score = models.PositiveSmallIntegerField(_("score (1–5)"), null=True, blank=True)
    recommend = models.PositiveSmallIntegerField(_("recommend (0–10)"), null=True, blank=True)
    comment = models.TextField(_("comment"), blank=True)
    is_low = models.BooleanField(_("low score"), default=False)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("answered at"), auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("survey response")
        verbose_name_plural = _("survey responses")
        indexes = [models.Index(fields=["created_at"], name="response_created_idx")]

    def __str__(self) -> str:
        return f"{self.complaint}: {self.score}"


class SurveyAnswer(models.Model):
    response = models.ForeignKey(SurveyResponse, on_delete=models.CASCADE, related_name="answers")
    question = models.ForeignKey(Question, on_delete=models.PROTECT, related_name="answers")
    value = models.JSONField(_("value"))

    class Meta:
        ordering = ["response", "question__position"]
        verbose_name = _("survey answer")
        verbose_name_plural = _("survey answers")
        constraints = [
            models.UniqueConstraint(fields=["response", "question"], name="one_answer_per_question")
        ]

    def __str__(self) -> str:
        return f"{self.question}: {self.value}"


class SmsReply(models.Model):
    """A customer's SMS answer as the gateway delivered it; unreadable ones wait for an agent."""

    phone = models.CharField(_("phone"), max_length=20)
    text = models.CharField(_("text"), max_length=1000)
    received_at = models.DateTimeField(_("received at"))
    invitation = models.ForeignKey(
        SurveyInvitation, null=True, blank=True, on_delete=models.SET_NULL, related_name="replies"
    )
    response = models.ForeignKey(
        SurveyResponse, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    parsed_score = models.PositiveSmallIntegerField(_("score read"), null=True, blank=True)
    is_parsed = models.BooleanField(_("understood"), default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-received_at", "-id"]
        verbose_name = _("SMS reply")
        verbose_name_plural = _("SMS replies")

    def __str__(self) -> str:
        return f"{self.phone}: {self.text[:40]}"


class SurveyDailyRollup(RollupDimensions):
    """Responses by the centre-local day they were given, for the CSAT trend.

    Derived rows kept by ``complaints.reports.rollups`` (see ``RollupDimensions``);
    the dimensions are those copied onto each response at answer time.
    """

    responses = models.PositiveIntegerField(_("responses"), default=0)
    scored = models.PositiveIntegerField(_("responses with a score"), default=0)
    satisfied = models.PositiveIntegerField(_("satisfied (4 or 5)"), default=0)
    low = models.PositiveIntegerField(_("low answers"), default=0)

    class Meta:
        verbose_name = _("survey daily roll-up")
        verbose_name_plural = _("survey daily roll-ups")
        indexes = [models.Index(fields=["day", "team"], name="rollup_survey_day_idx")]
