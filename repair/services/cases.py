"""Damaged-customer repair: opening cases with their level and owner, working and closing them.

DOMAIN.md, "Customer-relationship repair": a survey-dissatisfied customer is repaired by
the agent who was rated when that agent is in-house, by the quality repair team when the
agent is outsourced ("responsibility system"); other kinds go to configurable teams.
"""

import datetime as dt
from functools import partial

from django.conf import settings
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from complaints.enums import EmploymentType, Priority
from complaints.errors import ApplicationError, TransitionError
from complaints.models import Complaint, Customer, Team, User
from complaints.services.concurrency import bump_version, lock_versioned
from complaints.services.webhooks import queue_event
from repair import webhooks
from repair.enums import OPEN_REPAIR_STATES, DamageType, RepairContactChannel, RepairState
from repair.models import RepairCase, RepairContact, RepairStrategy
from surveys.enums import SATISFIED_SCORE

MAX_LEVEL = 4
# What a strategy's script may name; ``render_script`` fills them per case.
SCRIPT_PLACEHOLDERS = ("customer_name", "complaint_ref", "agent_name", "score", "reason")
# Cases that only a key event's import opens, never a person.
NOT_BY_HAND = frozenset({DamageType.KEY_EVENT})


def damage_level(
    damage_type: str,
    *,
    vip: bool = False,
    reopen_count: int = 0,
    repeat_contacts: int = 0,
    severe: bool = False,
) -> int:
    """The documented level table (docs/architecture.md, "Repair").

    Start from the type's base level (``REPAIR_LEVEL_BASE``) and add one for each of:
    a VIP customer, a reopened complaint, two or more contacts about the same
    matter (repeats), a severe cause (urgent complaint, or the lowest score).
    Capped at 4.
    """
    level = settings.REPAIR_LEVEL_BASE.get(damage_type, 1)
    level += int(vip) + int(reopen_count > 0) + int(repeat_contacts >= 2) + int(severe)
    return min(level, MAX_LEVEL)


def responsible(
    damage_type: str, *, rated_agent: User | None, complaint: Complaint | None
) -> tuple[User | None, Team | None]:
    """Who repairs: (owner, team). An owner of None leaves the case in the team's pile."""
    if damage_type == DamageType.SURVEY_DISSATISFIED and rated_agent is not None:
        if rated_agent.is_active and rated_agent.employment_type == EmploymentType.IN_HOUSE:
            return rated_agent, rated_agent.team
        return None, _team_named(settings.REPAIR_QUALITY_TEAM)
    team = _team_named(settings.REPAIR_TEAMS.get(damage_type, ""))
    if team is None and complaint is not None:
        team = complaint.team
    return None, team


def _team_named(name: str) -> Team | None:
    return Team.objects.filter(name=name).first() if name else None


def open_repair_case(
    *,
    customer: Customer,
    damage_type: str,
    complaint: Complaint | None = None,
    source_callback=None,
    source_response=None,
    rated_agent: User | None = None,
    reason: str = "",
    severe: bool = False,
    opened_by: User | None = None,
) -> RepairCase:
    """Open a case unless one of the same kind is already open for the customer (then return it)."""
    damage_type = DamageType(damage_type)
    with transaction.atomic():
        existing = (
            RepairCase.objects.select_for_update()
            .filter(customer=customer, damage_type=damage_type, state__in=OPEN_REPAIR_STATES)
            .first()
        )
        if existing is not None:
            return existing
        owner, team = responsible(damage_type, rated_agent=rated_agent, complaint=complaint)
        case = RepairCase.objects.create(
            customer=customer,
            damage_type=damage_type,
            level=damage_level(
                damage_type,
                vip=customer.tier == "vip",
                reopen_count=complaint.reopen_count if complaint else 0,
                repeat_contacts=_contacts_about(complaint),
                severe=severe or bool(complaint and complaint.priority == Priority.URGENT),
            ),
            reason=reason[:500],
            complaint=complaint,
            source_callback=source_callback,
            source_response=source_response,
            owner=owner,
            team=team,
            opened_by=opened_by,
            due_at=timezone.now() + dt.timedelta(hours=settings.REPAIR_DUE_HOURS),
        )
        queue_event(webhooks.REPAIR_OPENED, partial(webhooks.case_data, case))
    return case


def open_case_by_hand(
    *,
    customer: Customer,
    damage_type: str,
    reason: str,
    complaint: Complaint | None = None,
    by: User,
) -> tuple[RepairCase, bool]:
    """A supervisor opens a case the signals did not (a misrouted call, a visit, a letter).

    The responsibility rule and the level table apply as for automatic cases. Returns
    the case and whether it is new: a customer with an open case of the same kind keeps it.
    """
    errors: dict[str, list[str]] = {}
    if damage_type in NOT_BY_HAND:
        errors["damage_type"] = [_("Key-event cases are opened by the event's import.")]
    if complaint is not None and complaint.customer_id != customer.pk:
        errors["complaint"] = [_("This complaint is another customer's.")]
    reason = (reason or "").strip()
    if not reason:
        errors["reason"] = [_("Say why the relationship needs repair.")]
    if errors:
        raise ApplicationError(_("The case cannot be opened."), code="invalid", details=errors)
    with transaction.atomic():
        already_open = (
            RepairCase.objects.filter(
                customer=customer, damage_type=damage_type, state__in=OPEN_REPAIR_STATES
            )
            .values_list("pk", flat=True)
            .first()
        )
        case = open_repair_case(
            customer=customer,
            damage_type=damage_type,
            complaint=complaint,
            reason=reason,
            opened_by=by,
        )
    return case, case.pk != already_open


def _contacts_about(complaint: Complaint | None) -> int:
    """Complaints about the same matter: this one, the one it repeats, and its repeats."""
    if complaint is None:
        return 0
    return 1 + int(complaint.repeat_of_id is not None) + complaint.repeats.count()


def _lock(case: RepairCase, expected_version: int | None) -> RepairCase:
    locked = lock_versioned(RepairCase, case.pk, expected_version=expected_version)
    if not locked.is_open:
        raise TransitionError(_("This repair case is already closed."), code="illegal_transition")
    return locked


def take_case(case: RepairCase, *, agent: User, expected_version: int | None = None) -> RepairCase:
    """An agent takes a case from the team's pile (or keeps their own) and starts on it.

    Refused (412) when the case changed since ``expected_version``, as every change
    to a case here.
    """
    with transaction.atomic():
        locked = _lock(case, expected_version)
        locked.owner = agent
        locked.state = RepairState.IN_PROGRESS
        locked.save(update_fields=["owner", "state", bump_version(locked)])
    return locked


def log_repair_contact(
    case: RepairCase,
    *,
    agent: User,
    channel: str,
    reached: bool,
    note: str = "",
    expected_version: int | None = None,
) -> RepairContact:
    """Log a contact; the case (whose contacts are part of it) counts it as a change."""
    channel = RepairContactChannel(channel)
    with transaction.atomic():
        locked = _lock(case, expected_version)
        fields = [bump_version(locked)]
        if locked.state == RepairState.OPEN:
            locked.state = RepairState.IN_PROGRESS
            locked.owner = locked.owner or agent
            fields += ["state", "owner"]
        locked.save(update_fields=fields)
        return RepairContact.objects.create(
            case=locked, agent=agent, channel=channel, reached=reached, note=note.strip()[:1000]
        )


def close_case(
    case: RepairCase,
    *,
    by: User,
    repaired: bool,
    outcome: str,
    satisfied_after: bool | None,
    strategy: RepairStrategy | None = None,
    follow_up_survey: bool = False,
    expected_version: int | None = None,
) -> RepairCase:
    """Record how the repair went; the outcome text is required.

    ``follow_up_survey`` asks the customer themselves (DOMAIN.md: 77.7% satisfied after
    repair was measured so): their answer replaces ``satisfied_after`` when it comes.
    """
    outcome = (outcome or "").strip()
    if not outcome:
        message = _("Describe what was done and how the customer responded.")
        raise ApplicationError(message, code="required", details={"outcome": [message]})
    if follow_up_survey and not repaired:
        message = _("Only a repaired case gets a follow-up survey.")
        raise ApplicationError(message, code="invalid", details={"follow_up_survey": [message]})
    with transaction.atomic():
        locked = _lock(case, expected_version)
        locked.state = RepairState.REPAIRED if repaired else RepairState.NOT_REPAIRED
        locked.outcome = outcome
        locked.satisfied_after = satisfied_after
        locked.strategy = strategy or locked.strategy
        locked.closed_at = timezone.now()
        locked.owner = locked.owner or by
        fields = ["state", "outcome", "satisfied_after", "strategy", "closed_at", "owner"]
        if follow_up_survey:
            locked.follow_up_invitation = _invite_after_repair(locked)
            fields.append("follow_up_invitation")
        locked.save(update_fields=[*fields, bump_version(locked)])
        queue_event(webhooks.REPAIR_CLOSED, partial(webhooks.case_data, locked))
    return locked


def _invite_after_repair(case: RepairCase):
    """The follow-up survey about this repair, rating the agent who repaired."""
    from surveys.services import invite_customer

    with translation.override(case.customer.language):  # the topic is part of their SMS
        topic = (
            _("the follow-up to complaint %(reference)s") % {"reference": case.complaint.reference}
            if case.complaint_id
            else _("our follow-up call")
        )
    # Asked on purpose right after the repair: the suppression window, which spares
    # customers from routine surveys, must not swallow it.
    invitation = invite_customer(
        customer=case.customer, topic=topic, rated_agent=case.owner, respect_suppression=False
    )
    if invitation is None:
        message = _("This customer has no phone or email for a survey.")
        raise ApplicationError(message, code="invalid", details={"follow_up_survey": [message]})
    return invitation


def record_follow_up_answer(response) -> RepairCase | None:
    """The customer answered a repair's follow-up survey: their answer says if it worked.

    Satisfied means a score of 4 or 5, as in the survey results (CSAT).
    """
    if response.score is None:
        return None
    with transaction.atomic():
        case = (
            RepairCase.objects.select_for_update()
            .filter(follow_up_invitation_id=response.invitation_id)
            .first()
        )
        if case is None:
            return None
        case.satisfied_after = response.score >= SATISFIED_SCORE
        case.save(update_fields=["satisfied_after", bump_version(case)])
    return case


def strategies_for(case: RepairCase) -> list[RepairStrategy]:
    return [
        strategy
        for strategy in RepairStrategy.objects.filter(is_active=True)
        if not strategy.damage_types or case.damage_type in strategy.damage_types
    ]


def render_script(strategy: RepairStrategy, case: RepairCase) -> str:
    """The strategy's script in the customer's language with the case's details filled in.

    Unknown placeholders stay as written, so a supervisor's typo never breaks the page.
    """
    template = (
        strategy.script_zh_hans if case.customer.language.startswith("zh") else strategy.script_en
    )
    response = case.source_response
    values = _KeepUnknown(
        customer_name=case.customer.name,
        complaint_ref=case.complaint.reference if case.complaint_id else "",
        agent_name=str(case.owner) if case.owner_id else "",
        score=response.score if response is not None and response.score is not None else "",
        reason=case.reason,
    )
    try:
        return template.format_map(values)
    except (ValueError, IndexError, AttributeError):
        # Saved before save_strategy checked scripts (or through the admin): show it as written.
        return template


class _KeepUnknown(dict):
    def __missing__(self, key: str) -> str:
        return "{" + key + "}"
