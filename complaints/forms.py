"""Forms of the agent and department pages; they parse input, services decide."""

from typing import Any

from django import forms
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from complaints.enums import (
    CancelReason,
    Channel,
    ConfirmationMethod,
    ContactChannel,
    ContactOutcome,
    Emotion,
    Expectation,
    Priority,
    Role,
    State,
    Subject,
)
from complaints.errors import ApplicationError
from complaints.models import (
    Category,
    ClassificationRule,
    Complaint,
    Department,
    SlaPolicy,
    Team,
    User,
)
from complaints.models.tokens import validate_rate
from complaints.phones import normalise_phone
from complaints.selectors import visible_complaints
from complaints.services.tokens import SCOPES


def apply_error(form: forms.Form, error: ApplicationError) -> None:
    """Show a service's refusal beside the fields it names, else above the form.

    A stale version (someone else saved meanwhile) also marks the form ``stale``,
    so that the page offers to reload the record instead of overwriting it.
    """
    form.stale = error.code == "stale_version"
    placed = False
    for field, messages in (error.details or {}).items():
        if field in form.fields and not form.fields[field].widget.is_hidden:
            for message in messages if isinstance(messages, list) else [messages]:
                form.add_error(field, str(message))
            placed = True
    if not placed:
        form.add_error(None, error.message)


class StyledForm(forms.Form):
    """Bootstrap classes on every widget, and a red border on fields with errors.

    The border is added as each error is (``add_error``), not by validating in
    ``__init__``: that would clean the form before a subclass's ``__init__`` has set
    its querysets, and refuse every choice of a field whose queryset starts empty.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            widget = field.widget
            if isinstance(widget, forms.HiddenInput):
                continue
            if isinstance(widget, forms.CheckboxInput | forms.CheckboxSelectMultiple):
                css = "form-check-input"
            elif isinstance(widget, forms.Select | forms.SelectMultiple):
                css = "form-select"
            else:
                css = "form-control"
            widget.attrs["class"] = css

    def add_error(self, field: str | None, error: Any) -> None:
        super().add_error(field, error)
        for name in self._errors:
            widget = self.fields[name].widget if name in self.fields else None
            css = widget.attrs.get("class", "") if widget is not None else ""
            if css and "is-invalid" not in css:
                widget.attrs["class"] = f"{css} is-invalid"


class VersionedForm(StyledForm):
    """Carries the version the agent saw, so a concurrent change is noticed, not overwritten."""

    version = forms.IntegerField(widget=forms.HiddenInput, required=False)


def posted_version(data: Any) -> int | None:
    """The version a bare button (take, claim, draw) posted, None when absent or unreadable."""
    form = VersionedForm(data)
    return form.cleaned_data["version"] if form.is_valid() else None


class IntakeForm(StyledForm):
    phone = forms.CharField(label=_("Customer phone"), max_length=40)
    customer_name = forms.CharField(label=_("Customer name"), max_length=200, required=False)
    email = forms.EmailField(label=_("Email"), required=False)
    account_number = forms.CharField(label=_("Account number"), max_length=50, required=False)
    channel = forms.ChoiceField(label=_("Channel"), choices=Channel.choices, initial=Channel.PHONE)
    subject = forms.ChoiceField(label=_("About"), choices=Subject.choices, initial=Subject.SERVICE)
    subject_detail = forms.CharField(
        label=_("Which product, service, staff member or branch"), max_length=200, required=False
    )
    category = forms.ModelChoiceField(
        label=_("Category"), queryset=Category.objects.filter(is_active=True), required=False
    )
    description = forms.CharField(
        label=_("What happened"), widget=forms.Textarea(attrs={"rows": 5}), max_length=10_000
    )
    expectation = forms.ChoiceField(
        label=_("The customer expects"),
        choices=Expectation.choices,
        initial=Expectation.EXPLANATION,
    )
    expectation_detail = forms.CharField(
        label=_("Expectation details"), max_length=200, required=False
    )
    emotion = forms.ChoiceField(
        label=_("Customer's emotional state"), choices=Emotion.choices, initial=Emotion.CALM
    )
    priority = forms.ChoiceField(
        label=_("Priority"), choices=Priority.choices, initial=Priority.GENERAL
    )
    assign_to_me = forms.BooleanField(label=_("I will handle it"), required=False, initial=True)

    def clean_phone(self) -> str:
        try:
            return normalise_phone(self.cleaned_data["phone"])
        except ApplicationError:
            raise forms.ValidationError(_("Enter a valid phone number.")) from None


class ComplaintFilterForm(StyledForm):
    """The queue's filter bar (the values go to ComplaintFilter)."""

    q = forms.CharField(label=_("Search"), required=False)
    state = forms.ChoiceField(
        label=_("State"),
        required=False,
        choices=[("", _("All open")), ("any", _("Any state")), *State.choices],
    )
    priority = forms.ChoiceField(
        label=_("Priority"), required=False, choices=[("", _("Any priority")), *Priority.choices]
    )
    channel = forms.ChoiceField(
        label=_("Channel"), required=False, choices=[("", _("Any channel")), *Channel.choices]
    )
    category = forms.ModelChoiceField(
        label=_("Category"),
        required=False,
        queryset=Category.objects.all(),
        to_field_name="code",
        empty_label=_("Any category"),
    )
    team = forms.ModelChoiceField(
        label=_("Team"), required=False, queryset=Team.objects.all(), empty_label=_("Any team")
    )
    received_after = forms.DateField(
        label=_("Received from"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    received_before = forms.DateField(
        label=_("Received before"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    overdue = forms.ChoiceField(
        label=_("Overdue"),
        required=False,
        choices=[("", _("Any")), ("true", _("Overdue only")), ("false", _("Not overdue"))],
    )
    at_risk = forms.ChoiceField(
        label=_("At risk"),
        required=False,
        choices=[("", _("Any")), ("true", _("At risk only"))],
    )


class ReportFilterForm(StyledForm):
    """The board's and the reports' filters: period, team, category, channel.

    A team lead's team is fixed (``confined_team``): the field shows it, disabled.
    """

    since = forms.DateField(
        label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    until = forms.DateField(
        label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    team = forms.ModelChoiceField(
        label=_("Team"), required=False, queryset=Team.objects.all(), empty_label=_("All teams")
    )
    category = forms.ModelChoiceField(
        label=_("Category"),
        required=False,
        queryset=Category.objects.all(),
        to_field_name="code",
        empty_label=_("Any category"),
    )
    channel = forms.ChoiceField(
        label=_("Channel"), required=False, choices=[("", _("Any channel")), *Channel.choices]
    )

    def __init__(self, *args: Any, confined_team: int | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if confined_team is not None:
            field = self.fields["team"]
            field.queryset = Team.objects.filter(pk=confined_team)
            field.empty_label = None
            field.disabled = True
            field.initial = confined_team


class AssignForm(VersionedForm):
    assignee = forms.ModelChoiceField(
        label=_("Agent"), queryset=User.objects.none(), required=False
    )
    team = forms.ModelChoiceField(label=_("Team"), queryset=Team.objects.all(), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["assignee"].queryset = (
            User.objects.filter(
                is_active=True, groups__name__in=[Role.AGENT, Role.TEAM_LEAD, Role.SUPERVISOR]
            )
            .distinct()
            .order_by("username")
        )


class NoteForm(StyledForm):
    text = forms.CharField(label=_("Note"), widget=forms.Textarea(attrs={"rows": 2}))


class ContactForm(StyledForm):
    channel = forms.ChoiceField(label=_("How"), choices=ContactChannel.choices)
    outcome = forms.ChoiceField(label=_("Outcome"), choices=ContactOutcome.choices)
    note = forms.CharField(label=_("Note"), required=False, max_length=2000)


class DispatchForm(VersionedForm):
    department = forms.ModelChoiceField(label=_("Department"), queryset=Department.objects.all())
    instructions = forms.CharField(
        label=_("Instructions"), widget=forms.Textarea(attrs={"rows": 3})
    )


class ReasonForm(VersionedForm):
    reason = forms.CharField(label=_("Reason"), max_length=500)


class OptionalReasonForm(VersionedForm):
    reason = forms.CharField(label=_("Reason"), max_length=500, required=False)


class ResolveForm(VersionedForm):
    summary = forms.CharField(
        label=_("How it was resolved"), widget=forms.Textarea(attrs={"rows": 3})
    )
    remedy = forms.CharField(label=_("Remedy given"), max_length=200, required=False)


class ConfirmForm(VersionedForm):
    method = forms.ChoiceField(label=_("Confirmation"), choices=ConfirmationMethod.choices)
    note = forms.CharField(label=_("Note"), max_length=500, required=False)


class CancelForm(VersionedForm):
    reason = forms.ChoiceField(label=_("Cancel as"), choices=CancelReason.choices)
    duplicate_of = forms.CharField(
        label=_("Original complaint (reference)"), max_length=20, required=False
    )
    note = forms.CharField(label=_("Note"), max_length=500, required=False)

    def __init__(self, *args: Any, user: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user

    def clean_duplicate_of(self) -> Complaint | None:
        """The original among the complaints the user may see; others do not exist to them,
        as in the API (``ComplaintReferenceField``)."""
        reference = self.cleaned_data["duplicate_of"].strip()
        if not reference:
            return None
        visible = (
            visible_complaints(self.user) if self.user is not None else Complaint.objects.none()
        )
        original = visible.filter(reference__iexact=reference).first()
        if original is None:
            raise forms.ValidationError(_("No complaint has this reference."))
        return original


class AttachmentForm(StyledForm):
    file = forms.FileField(label=_("Image or PDF (10 MB at most)"))


class AnswerWorkOrderForm(VersionedForm):
    answer = forms.CharField(label=_("Answer"), widget=forms.Textarea(attrs={"rows": 3}))


class ReclassifyForm(VersionedForm):
    priority = forms.ChoiceField(
        label=_("Priority"), choices=[("", _("Keep")), *Priority.choices], required=False
    )
    category = forms.ModelChoiceField(
        label=_("Category"),
        queryset=Category.objects.filter(is_active=True),
        required=False,
        empty_label=_("Keep"),
    )
    reason = forms.CharField(label=_("Reason"), max_length=500)


class RuleForm(VersionedForm, forms.ModelForm):
    class Meta:
        model = ClassificationRule
        fields = [
            "name",
            "kind",
            "phrase",
            "field",
            "value",
            "priority",
            "category",
            "weight",
            "is_active",
        ]


class SlaPolicyForm(VersionedForm, forms.ModelForm):
    class Meta:
        model = SlaPolicy
        fields = [
            "applies_to",
            "priority",
            "category",
            "customer_tier",
            "first_response_minutes",
            "resolution_minutes",
            "warn_percent",
            "is_active",
        ]


class AnonymiseForm(StyledForm):
    reason = forms.CharField(
        label=_("Why (e.g. the customer's request of 1 December, by phone)"), max_length=500
    )
    confirm = forms.BooleanField(
        label=_(
            "I understand this cannot be undone: name, numbers and texts are removed for good."
        ),
    )


class ApiTokenForm(StyledForm):
    """A new integration token: what it is for, whom it acts as, what it may do."""

    name = forms.CharField(
        label=_("Name"), max_length=100, help_text=_("What it is for, e.g. IVR (site A).")
    )
    user = forms.ModelChoiceField(
        label=_("Acts as"),
        queryset=User.objects.none(),
        help_text=_("A service account; its role limits the token as much as the scopes do."),
    )
    scopes = forms.MultipleChoiceField(
        label=_("Scopes"),
        # format_lazy: the descriptions are lazy, so each page shows them in its language.
        choices=[
            (scope, format_lazy("{}: {}", scope, description))
            for scope, description in SCOPES.items()
        ],
        widget=forms.CheckboxSelectMultiple,
    )
    expires_at = forms.DateTimeField(
        label=_("Expires at"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
        help_text=_("Empty: until revoked."),
    )
    rate_limit = forms.CharField(
        label=_("Rate limit"),
        max_length=20,
        required=False,
        validators=[validate_rate],
        help_text=_("Requests per period, e.g. 600/min; empty: the default for tokens."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["user"].queryset = User.objects.filter(is_active=True).order_by("username")
        self.fields["scopes"].widget.attrs["class"] = "form-check-input"


def _event_choices() -> list[tuple[str, str]]:
    """Every registered event type, read when a form is made (surveys and repair add theirs)."""
    from complaints.services.webhooks import event_type_choices

    return event_type_choices()


class WebhookSubscriptionForm(StyledForm):
    """An integration's endpoint; the URL rule is checked here too, so every error shows at once."""

    name = forms.CharField(label=_("Name"), max_length=100)
    url = forms.CharField(
        label=_("URL"),
        max_length=500,
        help_text=_("http:// or https://; deliveries are POSTed here, signed."),
    )
    events = forms.MultipleChoiceField(
        label=_("Events"), choices=_event_choices, widget=forms.CheckboxSelectMultiple
    )
    include_contact_details = forms.BooleanField(
        label=_("Include customers' phone numbers (otherwise masked)"), required=False
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["events"].widget.attrs["class"] = "form-check-input"

    def clean_url(self) -> str:
        from complaints.services.webhooks import check_url

        try:
            return check_url(self.cleaned_data["url"])
        except ApplicationError as error:
            raise forms.ValidationError(error.details["url"]) from None
