"""The roles and the one module that answers "may this user do X"."""

import pytest
from django.contrib.auth.models import AnonymousUser, Group

from complaints.access import Action, can, roles_of
from complaints.enums import Role
from complaints.models import Department, WorkOrder
from tests.factories import make_complaint

pytestmark = pytest.mark.django_db


def test_the_roles_exist_with_permissions():
    names = set(Group.objects.values_list("name", flat=True))
    assert names == {role.value for role in Role}
    for role in Role:
        assert Group.objects.get(name=role.value).permissions.exists()


SECTIONS = [
    Action.VIEW_QUEUE,
    Action.CREATE_COMPLAINT,
    Action.VIEW_CALLBACKS,
    Action.VIEW_SURVEYS,
    Action.VIEW_REPAIR,
    Action.VIEW_DASHBOARD,
]
# Which role opens which section (the browser shell's navigation).
EXPECTED = {
    "agent": {
        Action.VIEW_QUEUE,
        Action.CREATE_COMPLAINT,
        Action.VIEW_CALLBACKS,
        Action.VIEW_SURVEYS,
        Action.VIEW_REPAIR,
    },
    "supervisor": set(SECTIONS),
    "administrator": set(SECTIONS),
    "department_user": set(),
}


@pytest.mark.parametrize("person", sorted(EXPECTED))
def test_section_matrix(person, request):
    user = request.getfixturevalue(person)
    allowed = {action for action in SECTIONS if can(user, action)}
    assert allowed == EXPECTED[person]


def test_anonymous_and_inactive_users_may_do_nothing(agent):
    agent.is_active = False
    for action in Action:
        assert not can(AnonymousUser(), action)
        assert not can(agent, action)


def test_agents_see_their_team_only(agent, other_agent, supervisor, team, other_team):
    ours = make_complaint(team=team)
    theirs = make_complaint(team=other_team)
    assert can(agent, Action.VIEW_COMPLAINT, ours)
    assert can(agent, Action.CHANGE_COMPLAINT, ours)
    assert not can(agent, Action.VIEW_COMPLAINT, theirs)
    assert not can(agent, Action.CHANGE_COMPLAINT, theirs)
    assert can(other_agent, Action.VIEW_COMPLAINT, theirs)
    assert can(supervisor, Action.VIEW_COMPLAINT, theirs)


def test_contact_details_for_the_assignee_and_supervisors(agent, supervisor, team):
    complaint = make_complaint(team=team)
    assert not can(agent, Action.VIEW_CONTACT_DETAILS, complaint)
    complaint.assignee = agent
    assert can(agent, Action.VIEW_CONTACT_DETAILS, complaint)
    assert can(supervisor, Action.VIEW_CONTACT_DETAILS, complaint)


def test_department_users_answer_their_own_department_only(department_user, team):
    complaint = make_complaint(team=team)
    ours = WorkOrder.objects.create(
        complaint=complaint, department=department_user.department, instructions="Refund 50 CNY"
    )
    network = Department.objects.create(code="network", name="Network")
    theirs = WorkOrder.objects.create(complaint=complaint, department=network, instructions="x")
    assert can(department_user, Action.ANSWER_WORK_ORDER, ours)
    assert not can(department_user, Action.ANSWER_WORK_ORDER, theirs)
    assert can(department_user, Action.VIEW_COMPLAINT, complaint)
    assert not can(department_user, Action.CHANGE_COMPLAINT, complaint)


def test_roles_are_read_once_per_user_object(agent, django_assert_num_queries):
    roles_of(agent)
    with django_assert_num_queries(0):
        assert roles_of(agent) == frozenset({"Agent"})
