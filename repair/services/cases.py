"""Damaged-customer repair: opening cases with their level and owner, working and closing them.

DOMAIN.md, "Customer-relationship repair": a survey-dissatisfied customer is repaired by
the agent who was rated when that agent is in-house, by the quality repair team when the
agent is outsourced ("responsibility system"); other kinds go to configurable teams.
"""

import datetime as dt
from functools import partial

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from complaints.enums import EmploymentType, Priority
from complaints.errors import ApplicationError, TransitionError
from complaints.models import Complaint, Customer, Team, User
from complaints.services.webhooks import queue_event
from repair import webhooks
from repair.enums import OPEN_REPAIR_STATES, DamageType, RepairContactChannel, RepairState
from repair.models import RepairCase, RepairContact, RepairStrategy

MAX_LEVEL = 4


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


def _contacts_about(complaint: Complaint | None) -> int:
    """Complaints about the same matter: this one, the one it repeats, and its repeats."""
    if complaint is None:
        return 0
    return 1 + int(complaint.repeat_of_id is not None) + complaint.repeats.count()


def _lock(case: RepairCase) -> RepairCase:
    locked = RepairCase.objects.select_for_update(of=("self",)).get(pk=case.pk)
    if not locked.is_open:
        raise TransitionError(_("This repair case is already closed."), code="illegal_transition")
    return locked


def take_case(case: RepairCase, *, agent: User) -> RepairCase:
    """An agent takes a case from the team's pile (or keeps their own) and starts on it."""
    with transaction.atomic():
        locked = _lock(case)
        locked.owner = agent
        locked.state = RepairState.IN_PROGRESS
        locked.save(update_fields=["owner", "state"])
    return locked


def log_repair_contact(
    case: RepairCase, *, agent: User, channel: str, reached: bool, note: str = ""
) -> RepairContact:
    channel = RepairContactChannel(channel)
    with transaction.atomic():
        locked = _lock(case)
        if locked.state == RepairState.OPEN:
            locked.state = RepairState.IN_PROGRESS
            locked.owner = locked.owner or agent
            locked.save(update_fields=["state", "owner"])
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
) -> RepairCase:
    """Record how the repair went; the outcome text is required."""
    outcome = (outcome or "").strip()
    if not outcome:
        message = _("Describe what was done and how the customer responded.")
        raise ApplicationError(message, code="required", details={"outcome": [message]})
    with transaction.atomic():
        locked = _lock(case)
        locked.state = RepairState.REPAIRED if repaired else RepairState.NOT_REPAIRED
        locked.outcome = outcome
        locked.satisfied_after = satisfied_after
        locked.strategy = strategy or locked.strategy
        locked.closed_at = timezone.now()
        locked.owner = locked.owner or by
        locked.save(
            update_fields=["state", "outcome", "satisfied_after", "strategy", "closed_at", "owner"]
        )
        queue_event(webhooks.REPAIR_CLOSED, partial(webhooks.case_data, locked))
    return locked


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
    return template.format_map(values)


class _KeepUnknown(dict):
    def __missing__(self, key: str) -> str:
        return "{" + key + "}"
