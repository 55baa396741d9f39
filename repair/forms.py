"""Forms of the callback pages: they parse input, services decide."""

from django import forms
from django.utils.translation import gettext_lazy as _

from complaints.forms import StyledForm
from repair.enums import AttemptOutcome, CallbackSource


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
