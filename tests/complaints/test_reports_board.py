"""The live board, figure by figure, on the hand-computed story of tests/reports_world.py."""

import pytest
from django.core.exceptions import PermissionDenied

from complaints.access import Action, can
from complaints.models import Category
from complaints.reports.board import live_board
from complaints.reports.scope import build_scope

pytestmark = pytest.mark.django_db


def figures(panels) -> dict[str, object]:
    """Every figure as 'panel.figure' → value, and table cells as 'panel.table.row.cell'."""
    found = {}
    for panel in panels:
        for figure in panel.figures:
            found[f"{panel.key}.{figure.key}"] = figure.value
        for table in panel.tables:
            for label, cells in table.rows:
                for cell in cells:
                    found[f"{panel.key}.{table.key}.{label}.{cell.key}"] = cell.value
    return found


def test_the_centre_s_board(world, supervisor):
    board = figures(live_board(build_scope(supervisor)))
    # Open: c0, c2 (waiting on department), c4 (in progress), c5, c7 (waiting), c6 (new).
    assert board["complaints.open"] == 6
    assert board["complaints.at_risk"] == 1  # c5: first response warned, nothing breached
    assert board["complaints.breached_now"] == 3  # c0, c2, c4
    assert board["complaints.breached_today"] == 1  # c4 at 09:01
    assert board["complaints.intake_today"] == 3  # c6, c7, c8 (cancelled, still received)
    by_state = "complaints.by_priority_state.General"
    assert board[f"{by_state}.general.new"] == 1  # c6
    assert board[f"{by_state}.general.assigned"] == 0
    assert board[f"{by_state}.general.in_progress"] == 1  # c4, back after its WO's answer
    assert board[f"{by_state}.general.waiting_department"] == 3  # c0, c2, c7
    assert board[f"{by_state}.general.total"] == 5
    assert board[f"{by_state}.general.breached"] == 3
    assert board["complaints.by_priority_state.Non-urgent.non_urgent.assigned"] == 1  # c5
    assert board["complaints.by_priority_state.Non-urgent.non_urgent.at_risk"] == 1
    assert board["complaints.by_priority_state.Urgent.urgent.total"] == 0  # c3 is resolved

    agent_row = "agents.agents." + str(world["c0"].assignee)
    assert board[f"{agent_row}.open"] == 4  # c0, c2, c4, c5
    assert board[f"{agent_row}.at_risk"] == 1
    assert board[f"{agent_row}.breached"] == 3
    assert board[f"{agent_row}.closed_today"] == 1  # c9 at 08:30
    other_row = "agents.agents." + str(world["c7"].assignee)
    assert (board[f"{other_row}.open"], board[f"{other_row}.closed_today"]) == (1, 0)
    assert board["agents.agents.Unassigned.open"] == 1  # c6

    assert board["work_orders.overdue"] == 1  # c0's billing order, due 11-19 09:00
    assert board["work_orders.by_department.Billing.open"] == 2  # c0's and c2's
    assert board["work_orders.by_department.Billing.overdue"] == 1
    assert board["work_orders.by_department.Network.open"] == 1  # c7's; c4's was answered

    assert board["callbacks.pending"] == 2  # cb4, cb5
    assert board["callbacks.overdue"] == 1  # cb4 was due at 09:30

    assert board["csat.responses_today"] == 2  # c10 (4) and c9 (2)
    assert board["csat.csat_today"] == 0.5
    assert board["csat.responses_7_days"] == 3  # and c1 (5) on 11-18
    assert board["csat.csat_7_days"] == pytest.approx(2 / 3, abs=1e-4)

    assert board["repair.open"] == 2
    assert board["repair.overdue"] == 1  # rc1


def test_a_team_lead_sees_only_their_team(world, lead):
    board = figures(live_board(build_scope(lead)))
    assert board["complaints.open"] == 5  # c0, c2, c4, c5, c6 (c7 is team B's)
    assert board["complaints.breached_now"] == 3
    assert board["complaints.intake_today"] == 2  # c6, c8
    assert "agents.agents." + str(world["c7"].assignee) + ".open" not in board
    assert board["work_orders.by_department.Billing.open"] == 2
    assert "work_orders.by_department.Network.open" not in board  # c7 is team B's
    assert board["callbacks.pending"] == 1  # cb5, assigned to team A's agent
    assert board["callbacks.overdue"] == 0  # cb4 has no team yet
    assert board["csat.responses_today"] == 1 and board["csat.csat_today"] == 0.0  # c9
    assert board["csat.csat_7_days"] == 0.5  # c1 (5) and c9 (2)
    assert (board["repair.open"], board["repair.overdue"]) == (1, 1)


def test_filters_narrow_every_panel(world, supervisor, other_team):
    network = Category.objects.get(code="network_signal")
    board = figures(live_board(build_scope(supervisor, category=network)))
    assert board["complaints.open"] == 2  # c4, c6
    assert board["complaints.intake_today"] == 2  # c6, c8
    assert board["work_orders.overdue"] == 0
    team_b = figures(live_board(build_scope(supervisor, team=other_team, channel="web")))
    assert team_b["complaints.open"] == 1  # c7
    assert team_b["work_orders.by_department.Network.open"] == 1


def test_a_team_lead_cannot_ask_for_another_team(world, lead, other_team):
    with pytest.raises(PermissionDenied):
        build_scope(lead, team=other_team)


def test_a_team_lead_without_a_team_has_no_board(lead):
    lead.team = None
    lead.save()
    assert not can(lead, Action.VIEW_DASHBOARD)


def test_the_team_lead_role_is_an_agent_who_sees_the_board():
    from django.contrib.auth.models import Group

    agent = set(Group.objects.get(name="Agent").permissions.values_list("codename", flat=True))
    lead = set(Group.objects.get(name="Team lead").permissions.values_list("codename", flat=True))
    assert lead == agent | {"view_dashboard"}
    assert "view_all_complaints" not in lead
    assert {"view_callbackrequest", "view_repaircase", "view_questionnaire"} <= lead
