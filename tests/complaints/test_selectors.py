"""Selectors: what each queue view holds for whom."""

import pytest

from complaints import selectors, services
from complaints.models import Department
from tests.factories import UserFactory, make_complaint

pytestmark = pytest.mark.django_db


def references(queryset) -> set[str]:
    return set(queryset.values_list("reference", flat=True))


def test_each_queue_view_holds_what_its_owner_may_see(agent, other_agent, team, other_team):
    team_pile = make_complaint(team=team)
    mine_elsewhere = make_complaint(team=other_team, assignee=agent)
    created_elsewhere = make_complaint(team=other_team, created_by=agent)
    make_complaint(team=other_team, assignee=other_agent)  # none of the agent's business
    closed = make_complaint(team=team, assignee=agent)
    closed = services.start_work(closed, by=agent)
    closed = services.propose_resolution(closed, summary="done", by=agent)
    services.confirm_resolution(closed, method="phone", by=agent)

    def queue(view: str) -> set[str]:
        return references(selectors.complaint_queue(agent, view=view))

    assert queue("team") == {team_pile.reference}
    assert queue("mine") == {mine_elsewhere.reference}
    assert queue("unassigned") == {team_pile.reference, created_elsewhere.reference}
    assert queue("all") == {
        team_pile.reference,
        mine_elsewhere.reference,
        created_elsewhere.reference,
    }
    counts = selectors.open_complaint_counts(agent)
    assert counts == {"mine": 1, "team": 1, "unassigned": 2, "all": 3}


def test_a_department_user_s_views_stay_within_their_work_orders(agent, team):
    billing = Department.objects.create(code="billing-test", name="Billing")
    clerk = UserFactory(username="clerk", role="Department", department=billing, team=team)
    dispatched = services.start_work(make_complaint(team=team, assignee=agent), by=agent)
    services.dispatch_work_order(dispatched, department=billing, instructions="check", by=agent)
    make_complaint(team=team)  # the team's, but no work order for billing
    assert references(selectors.complaint_queue(clerk, view="team")) == {dispatched.reference}
    assert references(selectors.complaint_queue(clerk, view="mine")) == set()
