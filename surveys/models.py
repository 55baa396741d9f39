"""Satisfaction questionnaires asked after a complaint is closed."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from complaints.enums import Language
from surveys.enums import QuestionKind


class Questionnaire(models.Model):
    """A survey template in one language; invitations are sent from an active one."""

    name = models.CharField(_("name"), max_length=200)
    language = models.CharField(
        _("language"), max_length=10, choices=Language.choices, default=Language.CHINESE
    )
    is_active = models.BooleanField(_("active"), default=True)
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
