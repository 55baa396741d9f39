"""The survey form, built from a questionnaire's questions."""

from django import forms
from django.utils.translation import gettext_lazy as _

from surveys.enums import QuestionKind
from surveys.models import Question


def field_name(question: Question) -> str:
    return f"q{question.pk}"


class SurveyForm(forms.Form):
    """One field per question; the service does the real validation."""

    def __init__(self, *args, questions: list[Question], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.questions = questions
        for question in questions:
            self.fields[field_name(question)] = _field(question)

    def answers(self) -> dict[int, object]:
        return {q.pk: self.cleaned_data.get(field_name(q)) for q in self.questions}


def _field(question: Question) -> forms.Field:
    required = question.required
    if question.kind == QuestionKind.SCORE:
        choices = [(str(n), str(n)) for n in range(1, 6)]
        return forms.TypedChoiceField(
            label=question.text, choices=choices, coerce=int, required=required,
            widget=forms.RadioSelect, empty_value=None,
        )  # fmt: skip
    if question.kind == QuestionKind.RECOMMEND:
        choices = [(str(n), str(n)) for n in range(0, 11)]
        return forms.TypedChoiceField(
            label=question.text, choices=choices, coerce=int, required=required,
            widget=forms.RadioSelect, empty_value=None,
        )  # fmt: skip
    if question.kind == QuestionKind.SATISFACTION:
        labels = question.choices or ["5", "4", "3", "2", "1"]
        choices = [(str(5 - index), label) for index, label in enumerate(labels[:5])]
        return forms.ChoiceField(
            label=question.text, choices=choices, required=required, widget=forms.RadioSelect
        )
    if question.kind == QuestionKind.MULTIPLE_CHOICE:
        return forms.MultipleChoiceField(
            label=question.text,
            choices=[(choice, choice) for choice in question.choices],
            required=required,
            widget=forms.CheckboxSelectMultiple,
        )
    return forms.CharField(
        label=question.text,
        required=required,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3, "class": "form-control"}),
        help_text=_("Optional") if not required else "",
    )
