"""Forms of the callback and repair pages: they parse input, services decide."""

from django import forms
from django.utils.translation import gettext_lazy as _

from complaints.forms import StyledForm
from complaints.selectors import visible_complaints
from repair.enums import AttemptOutcome, CallbackSource, DamageType, RepairContactChannel
from repair.models import KeyEvent, RepairStrategy
from repair.services.cases import NOT_BY_HAND, SCRIPT_PLACEHOLDERS


class BookCallbackForm(StyledForm):
    phone = forms.CharField(label=_("Customer phone"), max_length=40)
    source = forms.ChoiceField(
        label=_("Source"), choices=CallbackSource.choices, initial=CallbackSource.AGENT
    )
    reason = forms.CharField(label=_("Reason"), max_length=500, required=False)
    preferred_from = forms.DateTimeField(
        label=_("Preferred from"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
    )
    preferred_to = forms.DateTimeField(
        label=_("Preferred until"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
    )


class AttemptForm(StyledForm):
    outcome = forms.ChoiceField(label=_("Outcome"), choices=AttemptOutcome.choices)
    note = forms.CharField(label=_("Note"), max_length=500, required=False)


class RepairContactForm(StyledForm):
    channel = forms.ChoiceField(label=_("How"), choices=RepairContactChannel.choices)
    reached = forms.BooleanField(label=_("Reached the customer"), required=False, initial=True)
    note = forms.CharField(label=_("Note"), max_length=1000, required=False)


class CloseCaseForm(StyledForm):
    repaired = forms.TypedChoiceField(
        label=_("Result"),
        choices=[("1", _("Repaired")), ("0", _("Not repaired"))],
        coerce=lambda value: value == "1",
    )
    satisfied_after = forms.TypedChoiceField(
        label=_("Customer satisfied afterwards?"),
        choices=[("", _("Not asked")), ("1", _("Yes")), ("0", _("No"))],
        coerce=lambda value: value == "1",
        empty_value=None,
        required=False,
    )
    strategy = forms.ModelChoiceField(
        label=_("Strategy used"),
        queryset=RepairStrategy.objects.filter(is_active=True),
        required=False,
    )
    outcome = forms.CharField(label=_("What was done"), widget=forms.Textarea(attrs={"rows": 3}))
    follow_up_survey = forms.BooleanField(
        label=_("Send the customer a follow-up survey (their answer replaces the one above)"),
        required=False,
    )


class OpenCaseForm(StyledForm):
    """A case opened by hand; the customer is found by phone (or created, as at intake)."""

    phone = forms.CharField(label=_("Customer phone"), max_length=40)
    customer_name = forms.CharField(
        label=_("Customer name (for a new customer)"), max_length=200, required=False
    )
    damage_type = forms.ChoiceField(
        label=_("Damage"),
        choices=[choice for choice in DamageType.choices if choice[0] not in NOT_BY_HAND],
    )
    complaint = forms.CharField(
        label=_("Complaint reference"),
        max_length=30,
        required=False,
        help_text=_(
            "Optional, e.g. C-2026-000123: a reopened, repeated or urgent one raises the level."
        ),
    )
    reason = forms.CharField(
        label=_("Why the relationship needs repair"),
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args, user, **kwargs) -> None:
        self.user = user  # before StyledForm, which validates a bound form to style it
        super().__init__(*args, **kwargs)

    def clean_complaint(self):
        reference = self.cleaned_data["complaint"].strip().upper()
        if not reference:
            return None
        complaint = visible_complaints(self.user).filter(reference=reference).first()
        if complaint is None:
            raise forms.ValidationError(
                _("No complaint %(reference)s that you may see.") % {"reference": reference}
            )
        return complaint


class StrategyForm(StyledForm, forms.ModelForm):
    damage_types = forms.MultipleChoiceField(
        label=_("Fits damage types"),
        choices=DamageType.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("None ticked: the strategy fits every case."),
    )

    class Meta:
        model = RepairStrategy
        fields = ["name", "line", "damage_types", "script_en", "script_zh_hans", "is_active"]
        widgets = {
            "script_en": forms.Textarea(attrs={"rows": 4}),
            "script_zh_hans": forms.Textarea(attrs={"rows": 4}),
        }

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        placeholders = ", ".join(f"{{{name}}}" for name in SCRIPT_PLACEHOLDERS)
        for name in ("script_en", "script_zh_hans"):
            self.fields[name].help_text = _("Placeholders: %(placeholders)s.") % {
                "placeholders": placeholders
            }


class KeyEventForm(StyledForm, forms.ModelForm):
    class Meta:
        model = KeyEvent
        fields = ["name", "kind", "started_at", "ended_at", "description", "sms_en", "sms_zh_hans"]
        widgets = {
            "started_at": forms.DateTimeInput(attrs={"type": "datetime-local"}),
            "ended_at": forms.DateTimeInput(attrs={"type": "datetime-local"}),
            "description": forms.Textarea(attrs={"rows": 3}),
        }


class UploadAffectedForm(StyledForm):
    file = forms.FileField(label=_("Affected customers (CSV: phone, name, account, note)"))
