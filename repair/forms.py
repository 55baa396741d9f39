"""Forms of the callback pages: they parse input, services decide."""

from django import forms
from django.utils.translation import gettext_lazy as _

from complaints.forms import StyledForm, VersionedForm
from repair.enums import AttemptOutcome, CallbackSource, RepairContactChannel
from repair.models import KeyEvent, RepairStrategy


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


class AttemptForm(VersionedForm):
    outcome = forms.ChoiceField(label=_("Outcome"), choices=AttemptOutcome.choices)
    note = forms.CharField(label=_("Note"), max_length=500, required=False)


class RepairContactForm(VersionedForm):
    channel = forms.ChoiceField(label=_("How"), choices=RepairContactChannel.choices)
    reached = forms.BooleanField(label=_("Reached the customer"), required=False, initial=True)
    note = forms.CharField(label=_("Note"), max_length=1000, required=False)


class CloseCaseForm(VersionedForm):
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
