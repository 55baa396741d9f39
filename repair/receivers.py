"""How damaged relationships are noticed: receivers of complaints' and surveys' signals."""

from django.utils.translation import gettext as _

from repair.enums import DamageType
from repair.services.cases import open_repair_case, record_follow_up_answer


def on_survey_answered(sender, response, low: bool, **kwargs) -> None:
    """An answer may say whether a repair worked; a low one opens a new case.

    The rated agent repairs a low answer, or the quality team for outsourced agents.
    """
    record_follow_up_answer(response)
    if not low:
        return
    open_repair_case(
        customer=response.customer,
        damage_type=DamageType.SURVEY_DISSATISFIED,
        complaint=response.complaint,
        source_response=response,
        rated_agent=response.agent,
        severe=response.score == 1,
        reason=response.comment
        or _("Dissatisfied in the survey (score %(score)s).") % {"score": response.score},
    )


def on_complaint_reopened(sender, complaint, **kwargs) -> None:
    open_repair_case(
        customer=complaint.customer,
        damage_type=DamageType.COMPLAINT,
        complaint=complaint,
        reason=_("Complaint %(reference)s was reopened.") % {"reference": complaint.reference},
    )


def on_complaint_registered(sender, complaint, **kwargs) -> None:
    """A repeat complaint: the first handling did not repair the relationship."""
    if complaint.repeat_of_id is None:
        return
    open_repair_case(
        customer=complaint.customer,
        damage_type=DamageType.COMPLAINT,
        complaint=complaint,
        reason=_("Repeat of %(reference)s.") % {"reference": complaint.repeat_of.reference},
    )
