"""Optimistic concurrency in the complaints services: each write bumps the version, and a
write naming an older version is refused (412) with nothing changed."""

import pytest

from complaints import services
from complaints.errors import ApplicationError
from complaints.models import ClassificationRule, Department, SlaPolicy, WorkOrder
from complaints.services.concurrency import check_version, lock_versioned, save_edited
from tests.factories import make_complaint

pytestmark = pytest.mark.django_db


def assert_stale(error, current: int) -> None:
    assert error.value.status == 412
    assert error.value.code == "stale_version"
    assert error.value.details == {"version": [str(current)]}


@pytest.fixture
def work_order(agent, department_user):
    complaint = services.start_work(make_complaint(assignee=agent, created_by=agent), by=agent)
    return services.dispatch_work_order(
        complaint,
        department=Department.objects.get(code="billing"),
        instructions="Refund the double charge",
        by=agent,
    )


def test_a_version_matches_or_is_refused_with_the_current_one(work_order):
    check_version(work_order, None)  # no If-Match: anything goes
    check_version(work_order, 1)
    with pytest.raises(ApplicationError) as error:
        check_version(work_order, 7)
    assert_stale(error, 1)
    assert "work order" in error.value.message


def test_lock_versioned_rereads_the_row(work_order):
    WorkOrder.objects.filter(pk=work_order.pk).update(version=3, answer="changed meanwhile")
    locked = lock_versioned(WorkOrder, work_order.pk, expected_version=3)
    assert locked.answer == "changed meanwhile"
    with pytest.raises(ApplicationError) as error:
        lock_versioned(WorkOrder.objects.all(), work_order.pk, expected_version=2)
    assert_stale(error, 3)


def test_save_edited_creates_or_edits_the_locked_row():
    created = save_edited(
        SlaPolicy, None, data={"priority": "urgent", "resolution_minutes": 60}, invalid_message="x"
    )
    assert (created.pk is not None, created.version) == (True, 1)
    edited = save_edited(
        SlaPolicy, created, data={"resolution_minutes": 30}, invalid_message="x", expected_version=1
    )
    assert (edited.version, edited.resolution_minutes) == (2, 30)
    with pytest.raises(ApplicationError) as error:
        save_edited(SlaPolicy, created, data={"warn_percent": 0}, invalid_message="Bad policy.")
    assert (error.value.code, error.value.message) == ("invalid", "Bad policy.")
    assert error.value.details  # the model's own messages


def test_answering_a_work_order_counts_as_a_change(work_order, department_user):
    answered = services.answer_work_order(
        work_order, answer="Refunded", by=department_user, expected_version=1
    )
    assert answered.version == 2


def test_a_stale_answer_or_cancel_changes_nothing(work_order, department_user, agent):
    WorkOrder.objects.filter(pk=work_order.pk).update(version=2)
    with pytest.raises(ApplicationError) as error:
        services.answer_work_order(
            work_order, answer="Refunded", by=department_user, expected_version=1
        )
    assert_stale(error, 2)
    with pytest.raises(ApplicationError):
        services.cancel_work_order(work_order, reason="dup", by=agent, expected_version=1)
    work_order.refresh_from_db()
    assert (work_order.state, work_order.answer) == ("open", "")
    assert work_order.complaint.events.filter(kind="work_order_answered").count() == 0


def test_policy_edits_are_versioned(supervisor):
    policy = services.save_policy(
        None, data={"priority": "urgent", "resolution_minutes": 120}, by=supervisor
    )
    assert policy.version == 1
    policy = services.save_policy(
        policy, data={"resolution_minutes": 90}, by=supervisor, expected_version=1
    )
    assert (policy.version, policy.resolution_minutes) == (2, 90)
    with pytest.raises(ApplicationError) as error:
        services.save_policy(
            policy, data={"resolution_minutes": 30}, by=supervisor, expected_version=1
        )
    assert_stale(error, 2)
    policy.refresh_from_db()
    assert policy.resolution_minutes == 90


def test_rule_edits_are_versioned(supervisor):
    rule = ClassificationRule.objects.create(
        name="Rodents", kind="phrase", phrase="hamster", priority="urgent"
    )
    saved = services.save_rule(rule, data={"weight": 20}, by=supervisor, expected_version=1)
    assert saved.version == 2
    with pytest.raises(ApplicationError) as error:
        services.save_rule(rule, data={"weight": 5}, by=supervisor, expected_version=1)
    assert_stale(error, 2)
    rule.refresh_from_db()
    assert rule.weight == 20


def test_an_invalid_edit_leaves_the_version_alone(supervisor):
    policy = SlaPolicy.objects.create(priority="urgent", resolution_minutes=60)
    with pytest.raises(ApplicationError):
        services.save_policy(policy, data={"warn_percent": 0}, by=supervisor, expected_version=1)
    policy.refresh_from_db()
    assert policy.version == 1
