"""Priority and category classification: editable rules, and trained text classifiers."""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from complaints.enums import Priority

from .base import VersionedModel
from .complaints import Category


class RuleKind(models.TextChoices):
    PHRASE = "phrase", _("Phrase in the complaint text")
    FIELD = "field", _("Field of the record")


class RuleField(models.TextChoices):
    CHANNEL = "channel", _("Channel")
    CUSTOMER_TIER = "customer_tier", _("Customer tier")
    EMOTION = "emotion", _("Emotional state")
    REPEAT = "repeat", _("Repeat complaint (value: yes)")
    CATEGORY = "category", _("Category (value: category code)")


class ClassificationRule(VersionedModel):
    """One explainable rule: when it matches, it proposes a priority and/or a category.

    Chinese phrases match as substrings; phrases in Latin script match whole
    words, case-insensitively. The most severe proposed priority wins; among
    proposed categories the heaviest rule wins.
    """

    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("kind"), max_length=10, choices=RuleKind.choices)
    phrase = models.CharField(_("phrase"), max_length=200, blank=True)
    field = models.CharField(_("field"), max_length=20, choices=RuleField.choices, blank=True)
    value = models.CharField(_("value"), max_length=50, blank=True)
    priority = models.CharField(
        _("sets priority"), max_length=20, choices=Priority.choices, blank=True
    )
    category = models.ForeignKey(
        Category,
        verbose_name=_("sets category"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="rules",
    )
    weight = models.PositiveSmallIntegerField(_("weight"), default=10)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["-weight", "name", "id"]
        verbose_name = _("classification rule")
        verbose_name_plural = _("classification rules")
        constraints = [
            models.CheckConstraint(
                condition=(Q(kind="phrase") & ~Q(phrase=""))
                | (Q(kind="field") & ~Q(field="") & ~Q(value="")),
                name="rule_has_its_condition",
            ),
            models.CheckConstraint(
                condition=~Q(priority="") | Q(category__isnull=False),
                name="rule_proposes_something",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        from django.core.exceptions import ValidationError

        errors = {}
        if self.kind == RuleKind.PHRASE and not self.phrase.strip():
            errors["phrase"] = _("A phrase rule needs its phrase.")
        if self.kind == RuleKind.FIELD:
            if not self.field:
                errors["field"] = _("A field rule needs its field.")
            if not self.value.strip():
                errors["value"] = _("A field rule needs the value to match.")
        if not self.priority and self.category_id is None:
            errors["priority"] = _("A rule must set a priority, a category or both.")
        if errors:
            raise ValidationError(errors)


class ClassifierModel(models.Model):
    """A trained text classifier, versioned; the newest active one is used at intake."""

    version = models.PositiveIntegerField(_("version"), unique=True)
    created_at = models.DateTimeField(_("trained at"), auto_now_add=True)
    trained_on = models.PositiveIntegerField(_("complaints trained on"))
    metrics = models.JSONField(_("metrics"), default=dict, blank=True)
    # joblib bytes of {"category": pipeline, "priority": pipeline}; written only
    # by our own training service, never uploaded.
    payload = models.BinaryField(editable=False)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["-version"]
        verbose_name = _("classifier model")
        verbose_name_plural = _("classifier models")

    def __str__(self) -> str:
        return f"v{self.version} ({self.trained_on})"
