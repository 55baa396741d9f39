from django.db import models
from django.utils.translation import gettext_lazy as _


class QuestionKind(models.TextChoices):
    SCORE = "score", _("Score 1–5")
    RECOMMEND = "recommend", _("Recommend 0–10 (NPS)")
    SATISFACTION = "satisfaction", _("Satisfaction level (five choices)")
    MULTIPLE_CHOICE = "multiple_choice", _("Multiple choice")
    OPEN_TEXT = "open_text", _("Open text")
