"""The one transition table of a complaint's life.

new → assigned → in_progress ⇄ waiting (on customer | on department) →
resolved (awaiting the customer's confirmation) → closed;
resolved | closed → reopened → in_progress; new | assigned → cancelled.
Every service that moves a complaint looks its move up here.
"""

from enum import StrEnum

from django.utils.translation import gettext_lazy as _

from complaints.enums import State
from complaints.errors import TransitionError


class Move(StrEnum):
    ASSIGN = "assign"
    START = "start"
    DISPATCH = "dispatch"
    DEPARTMENTS_ANSWERED = "departments_answered"
    WAIT_ON_CUSTOMER = "wait_on_customer"
    RESUME = "resume"
    RESOLVE = "resolve"
    CONFIRM = "confirm"
    REOPEN = "reopen"
    CANCEL = "cancel"


MOVE_LABELS = {
    Move.ASSIGN: _("assign"),
    Move.START: _("start work"),
    Move.DISPATCH: _("dispatch a work order"),
    Move.DEPARTMENTS_ANSWERED: _("continue after the departments answered"),
    Move.WAIT_ON_CUSTOMER: _("wait on the customer"),
    Move.RESUME: _("resume"),
    Move.RESOLVE: _("propose a resolution"),
    Move.CONFIRM: _("confirm and close"),
    Move.REOPEN: _("reopen"),
    Move.CANCEL: _("cancel"),
}

_WORKING = (State.ASSIGNED, State.IN_PROGRESS, State.WAITING_CUSTOMER, State.WAITING_DEPARTMENT)

# move → {from state: to state}
TRANSITIONS: dict[Move, dict[State, State]] = {
    Move.ASSIGN: {
        State.NEW: State.ASSIGNED,
        **{state: state for state in (*_WORKING, State.REOPENED)},
    },
    Move.START: {State.ASSIGNED: State.IN_PROGRESS, State.REOPENED: State.IN_PROGRESS},
    Move.DISPATCH: dict.fromkeys((*_WORKING, State.REOPENED), State.WAITING_DEPARTMENT),
    Move.DEPARTMENTS_ANSWERED: {State.WAITING_DEPARTMENT: State.IN_PROGRESS},
    Move.WAIT_ON_CUSTOMER: {State.IN_PROGRESS: State.WAITING_CUSTOMER},
    Move.RESUME: {
        State.WAITING_CUSTOMER: State.IN_PROGRESS,
        State.WAITING_DEPARTMENT: State.IN_PROGRESS,
    },
    Move.RESOLVE: {State.IN_PROGRESS: State.RESOLVED, State.WAITING_CUSTOMER: State.RESOLVED},
    Move.CONFIRM: {State.RESOLVED: State.CLOSED},
    Move.REOPEN: {State.RESOLVED: State.REOPENED, State.CLOSED: State.REOPENED},
    Move.CANCEL: {State.NEW: State.CANCELLED, State.ASSIGNED: State.CANCELLED},
}


def target_state(move: Move, current: str) -> State:
    """The state ``move`` leads to from ``current``, or TransitionError (HTTP 409)."""
    try:
        return TRANSITIONS[move][State(current)]
    except KeyError:
        raise TransitionError(
            _("A complaint that is %(state)s cannot %(move)s.")
            % {"state": State(current).label.lower(), "move": MOVE_LABELS[move]},
            code="illegal_transition",
            details={"state": current, "move": move.value},
        ) from None


def allowed_moves(current: str) -> frozenset[Move]:
    """The moves the table allows from ``current`` (pages show only these)."""
    return frozenset(move for move, table in TRANSITIONS.items() if State(current) in table)
