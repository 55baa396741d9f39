"""SLA clocks with frozen time: targets, warnings, breaches, pauses, calendars, DST, escalation."""

import datetime as dt
import threading
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection
from django.utils import timezone

from complaints import services
from complaints.enums import EventKind, Priority, State, WorkOrderState
from complaints.models import (
    BusinessCalendar,
    Complaint,
    ComplaintEvent,
    Department,
    Notification,
    OutboundMessage,
    SlaPolicy,
    WorkOrder,
)
from complaints.services.calendars import working_time
from complaints.services.messaging import (
    deliver_due_messages,
    queue_message,
    queue_messages,
    quiet_hours_end,
)
from complaints.services.sla import check_deadlines, recalculate_open_clocks
from tests.factories import make_complaint

pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")
NEW_YORK = ZoneInfo("America/New_York")
HOUR = dt.timedelta(hours=1)
START = dt.datetime(2026, 11, 16, 10, 0, tzinfo=SHANGHAI)  # a Monday


@pytest.fixture
def clock():
    with time_machine.travel(START, tick=False) as traveller:
        yield traveller


def general(agent, **fields):
    fields.setdefault("description", "宽带网速慢")  # a general-priority complaint
    fields.setdefault("received_at", timezone.now())
    return make_complaint(created_by=agent, assignee=agent, **fields)


def events(complaint, kind):
    return list(complaint.events.filter(kind=kind).values_list("after__clock", flat=True))


def test_targets_follow_priority(clock, agent):
    complaint = general(agent)
    assert complaint.priority == Priority.GENERAL
    assert complaint.response_due_at == START + 4 * HOUR
    assert complaint.resolution_due_at == START + 24 * HOUR
    assert complaint.resolution_warn_at == START + dt.timedelta(hours=24 * 0.8)
    inquiry = general(agent, description="请问怎么办理套餐变更", category=None)
    assert inquiry.priority == Priority.NON_URGENT
    assert inquiry.resolution_due_at == START + 48 * HOUR
    urgent = general(agent, description="插座冒烟起火")
    assert urgent.response_due_at == START + HOUR


def test_warning_at_80_percent_then_breach_each_once(clock, agent, supervisor):
    complaint = general(agent)
    services.log_contact(complaint, channel="call", outcome="reached", by=agent)  # responded
    clock.move_to(START + dt.timedelta(hours=19))
    assert check_deadlines()["resolution_warn"] == 0
    clock.move_to(START + dt.timedelta(hours=19, minutes=12))
    assert check_deadlines()["resolution_warn"] == 1
    assert check_deadlines()["resolution_warn"] == 0  # re-running changes nothing twice
    assert events(complaint, EventKind.SLA_WARNED) == ["resolution"]
    clock.move_to(START + 24 * HOUR)
    counts = check_deadlines()
    assert counts["resolution_breach"] == 1 and counts["response_breach"] == 0
    complaint.refresh_from_db()
    assert complaint.resolution_breached_at == START + 24 * HOUR
    assert events(complaint, EventKind.SLA_BREACHED) == ["resolution"]
    recipients = set(
        Notification.objects.filter(kind=EventKind.SLA_BREACHED).values_list(
            "recipient__username", flat=True
        )
    )
    assert recipients == {"agent", "supervisor"}


def test_first_response_is_met_by_the_first_contact_that_reaches(clock, agent):
    complaint = general(agent)
    clock.shift(HOUR)
    services.log_contact(complaint, channel="call", outcome="no_answer", by=agent)
    complaint.refresh_from_db()
    assert complaint.response_met_at is None
    clock.shift(HOUR)
    services.log_contact(complaint, channel="sms", outcome="sent", by=agent)
    complaint.refresh_from_db()
    assert complaint.response_met_at == START + 2 * HOUR
    clock.move_to(START + 5 * HOUR)
    assert check_deadlines()["response_breach"] == 0


def test_waiting_on_the_customer_pauses_the_resolution_clock(clock, agent):
    complaint = services.start_work(general(agent), by=agent)
    clock.shift(2 * HOUR)
    services.wait_on_customer(complaint, by=agent)
    clock.shift(30 * HOUR)  # past the original due time, but paused
    assert check_deadlines()["resolution_breach"] == 0
    resumed = services.resume(complaint, by=agent)
    assert resumed.resolution_due_at == START + 54 * HOUR
    assert resumed.resolution_paused_seconds == 30 * 3600
    clock.move_to(START + 54 * HOUR)
    assert check_deadlines()["resolution_breach"] == 1


def test_resolving_stops_the_clocks_and_reopening_restarts_resolution(clock, agent):
    complaint = services.start_work(general(agent), by=agent)
    complaint = services.propose_resolution(complaint, summary="done", by=agent)
    assert complaint.resolution_met_at == START and complaint.response_met_at == START
    clock.move_to(START + 48 * HOUR)
    assert not any(check_deadlines().values())
    closed = services.confirm_resolution(complaint, method="phone", by=agent)
    reopened = services.reopen(closed, reason="still broken", by=agent)
    assert reopened.resolution_met_at is None
    assert reopened.resolution_due_at == START + 72 * HOUR


def test_a_work_order_is_due_in_48_hours_and_goes_overdue(clock, agent, department_user):
    complaint = services.start_work(general(agent), by=agent)
    services.log_contact(complaint, channel="call", outcome="reached", by=agent)
    order = services.dispatch_work_order(
        complaint, department=department_user.department, instructions="refund", by=agent
    )
    assert order.due_at == START + 48 * HOUR
    clock.move_to(START + 48 * HOUR)
    counts = check_deadlines()
    assert counts["work_order_breach"] == 1
    order.refresh_from_db()
    assert order.state == WorkOrderState.OVERDUE
    notified = set(
        Notification.objects.filter(work_order=order, kind="sla_breached").values_list(
            "recipient__username", flat=True
        )
    )
    assert {"billing", "agent"} <= notified
    answered = services.answer_work_order(order, answer="late, but done", by=department_user)
    assert answered.state == WorkOrderState.ANSWERED


OFFICE = {str(day): [["09:00", "18:00"]] for day in range(1, 6)}


@pytest.fixture
def office(team):
    calendar = BusinessCalendar.objects.create(
        name="Office", time_zone="Asia/Shanghai", weekly_hours=OFFICE, holiday_country="CN"
    )
    team.calendar = calendar
    team.save()
    return calendar


def test_business_hours_skip_the_weekend(office, agent):
    friday_five = dt.datetime(2026, 11, 20, 17, 0, tzinfo=SHANGHAI)
    with time_machine.travel(friday_five, tick=False):
        complaint = general(agent)
    # 4 working hours: one on Friday, three on Monday.
    assert complaint.response_due_at == dt.datetime(2026, 11, 23, 12, 0, tzinfo=SHANGHAI)


def test_business_hours_skip_public_holidays_and_honour_make_up_days(office):
    hours = working_time(office)
    before_national_day = dt.datetime(2026, 9, 30, 17, 0, tzinfo=SHANGHAI)
    due = hours.add(before_national_day, 2 * HOUR)
    assert due.astimezone(SHANGHAI).date() > dt.date(2026, 10, 7)  # 1–7 October are off
    saturday_before_new_year = dt.datetime(2026, 1, 3, 17, 0, tzinfo=SHANGHAI)
    due = hours.add(saturday_before_new_year, 2 * HOUR)
    # Sunday 4 January 2026 is a make-up working day (调休): work resumes there.
    assert due == dt.datetime(2026, 1, 4, 11, 0, tzinfo=SHANGHAI)


def test_manual_holidays_and_working_days(office):
    office.extra_holidays = ["2026-11-23"]
    office.extra_workdays = ["2026-11-22"]
    hours = working_time(office)
    due = hours.add(dt.datetime(2026, 11, 21, 12, 0, tzinfo=SHANGHAI), 10 * HOUR)
    # Saturday off; Sunday worked (9 h); Monday a holiday; one hour on Tuesday.
    assert due == dt.datetime(2026, 11, 24, 10, 0, tzinfo=SHANGHAI)


def test_working_time_is_right_across_a_dst_change():
    always_open = BusinessCalendar(
        name="NY",
        time_zone="America/New_York",
        weekly_hours={str(day): [["00:00", "00:00"]] for day in range(1, 8)},
    )
    hours = working_time(always_open)
    saturday_noon = dt.datetime(2026, 3, 7, 12, 0, tzinfo=NEW_YORK)
    due = hours.add(saturday_noon, 24 * HOUR)
    assert due - saturday_noon == 24 * HOUR  # real time...
    assert (
        due.astimezone(NEW_YORK).hour == 13
    )  # ...one wall-clock hour later (clocks spring forward)
    office_ny = BusinessCalendar(
        name="NY office", time_zone="America/New_York", weekly_hours=OFFICE
    )
    friday = dt.datetime(2026, 10, 30, 17, 0, tzinfo=NEW_YORK)
    due = working_time(office_ny).add(friday, 2 * HOUR)
    assert due.astimezone(NEW_YORK) == dt.datetime(2026, 11, 2, 10, 0, tzinfo=NEW_YORK)


def test_a_policy_change_applies_to_new_clocks_and_recalculation_is_logged(
    clock, agent, supervisor
):
    old = general(agent)
    SlaPolicy.objects.filter(applies_to="complaint", priority="general").update(
        resolution_minutes=12 * 60
    )
    new = general(agent)
    assert new.resolution_due_at == START + 12 * HOUR
    old.refresh_from_db()
    assert old.resolution_due_at == START + 24 * HOUR
    assert recalculate_open_clocks(by=supervisor) == 1
    old.refresh_from_db()
    assert old.resolution_due_at == START + 12 * HOUR
    event = old.events.get(kind=EventKind.SLA_RECALCULATED)
    assert event.actor == supervisor


def test_narrower_policies_win(clock, agent):
    from complaints.models import Category

    billing = Category.objects.get(code="billing_dispute")
    SlaPolicy.objects.create(
        applies_to="complaint", priority="general", category=billing, resolution_minutes=600
    )
    complaint = general(agent, description="本月话费多扣了", category=billing)
    assert complaint.resolution_due_at == START + 10 * HOUR


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_checks_mark_each_breach_exactly_once(reference_data, agent, supervisor):
    with time_machine.travel(START, tick=False):
        complaints = [general(agent, description=f"网速慢 {n}") for n in range(40)]
    later = START + 30 * HOUR
    barrier = threading.Barrier(2)
    results = []

    def run():
        try:
            barrier.wait()
            results.append(check_deadlines(now=later))
        except Exception as error:  # surfaced by the assertion below
            results.append({"error": repr(error)})
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert all("error" not in r for r in results), results
    assert sum(r["resolution_breach"] for r in results) == 40, results
    assert sum(r["response_breach"] for r in results) == 40, (
        results,
        [(c.priority, c.response_due_at, c.sla_policy_id) for c in complaints[:2]],
    )
    ids = [c.pk for c in complaints]
    breaches = ComplaintEvent.objects.filter(complaint_id__in=ids, kind=EventKind.SLA_BREACHED)
    assert breaches.count() == 80
    assert breaches.values("complaint_id", "after__clock").distinct().count() == 80


def test_urgent_breaches_alert_by_email_and_sms_and_may_reassign(
    clock, agent, supervisor, settings, django_capture_on_commit_callbacks
):
    settings.SLA_URGENT_BREACH_ACTION = "reassign"
    supervisor.email, supervisor.mobile = "lead@example.com", "+8613900000000"
    supervisor.save()
    urgent = general(agent, description="插座冒烟起火")
    clock.move_to(START + 25 * HOUR)
    with django_capture_on_commit_callbacks(execute=True):
        check_deadlines()
    channels = set(OutboundMessage.objects.values_list("channel", flat=True))
    assert channels == {"email", "sms"}
    urgent.refresh_from_db()
    assert urgent.assignee == supervisor
    assert urgent.events.filter(kind=EventKind.ESCALATED).exists()


def test_cancelled_complaints_stop_their_clocks(clock, agent):
    complaint = general(agent)
    services.cancel(complaint, reason="invalid", note="test", by=agent)
    clock.move_to(START + 72 * HOUR)
    assert not any(check_deadlines().values())
    assert Complaint.objects.get(pk=complaint.pk).state == State.CANCELLED


@pytest.mark.parametrize(
    ("local", "expected"),
    [
        ((21, 29), (21, 29)),
        ((21, 30), (8, 0)),
        ((23, 59), (8, 0)),
        ((7, 59), (8, 0)),
        ((8, 0), (8, 0)),
        ((12, 0), (12, 0)),
    ],
)
def test_quiet_hours(local, expected):
    at = dt.datetime(2026, 11, 16, *local, tzinfo=SHANGHAI)
    released = quiet_hours_end(at).astimezone(SHANGHAI)
    assert (released.hour, released.minute) == expected
    assert released >= at


def test_the_outbox_sends_retries_and_never_twice(settings, tmp_path, clock):
    settings.SMS_FILE_PATH = tmp_path / "sms.jsonl"
    message = queue_message(channel="sms", recipient="+8613800000000", body="您好", urgent=True)
    assert queue_message(
        channel="sms", recipient="+8613800000000", body="x", urgent=True, dedupe_key="k"
    )
    assert (
        queue_message(
            channel="sms", recipient="+8613800000000", body="x", urgent=True, dedupe_key="k"
        )
        is None
    )
    assert deliver_due_messages()["sent"] == 2
    assert deliver_due_messages()["sent"] == 0
    lines = settings.SMS_FILE_PATH.read_text(encoding="utf-8").splitlines()
    assert len(lines) == 2 and "您好" in lines[0]
    message.refresh_from_db()
    assert message.state == "sent"
    settings.SMS_BACKEND = "tests.complaints.test_services_sla.BrokenGateway"
    failing = queue_message(channel="sms", recipient="+8613800000001", body="x", urgent=True)
    assert deliver_due_messages()["failed"] == 1
    failing.refresh_from_db()
    assert failing.state == "pending" and failing.attempts == 1
    assert failing.not_before > timezone.now()


def test_a_batch_of_messages_waits_for_quiet_hours_and_is_queued_once(
    django_capture_on_commit_callbacks, django_assert_num_queries
):
    late = dt.datetime(2026, 11, 16, 22, 0, tzinfo=SHANGHAI)
    batch = {
        "channel": "sms",
        "recipients": ["+8613800000001", "+8613800000002"],
        "bodies": ["您好", "Hello"],
        "dedupe_keys": ["batch:1", "batch:2"],
        "not_before": late,
    }
    with django_capture_on_commit_callbacks() as delivery, django_assert_num_queries(1):
        queue_messages(**batch)
    assert len(delivery) == 1  # one delivery request for the batch, after commit
    queue_messages(**{**batch, "bodies": ["again", "again"]})  # the same keys: nothing new
    messages = list(OutboundMessage.objects.order_by("recipient"))
    assert [m.body for m in messages] == ["您好", "Hello"]
    morning = dt.datetime(2026, 11, 17, 8, 0, tzinfo=SHANGHAI)
    assert {m.not_before for m in messages} == {morning}
    queue_messages(**{**batch, "dedupe_keys": ["batch:3", "batch:4"], "urgent": True})
    assert OutboundMessage.objects.filter(not_before=late).count() == 2


class BrokenGateway:
    def send(self, to, body):
        raise ConnectionError("gateway down")


def test_the_deadline_check_and_sweep_are_scheduled():
    from django_celery_beat.models import PeriodicTask

    tasks = set(PeriodicTask.objects.values_list("task", flat=True))
    assert {"complaints.tasks.check_deadlines_task", "complaints.tasks.send_outbox_task"} <= tasks


def test_work_orders_record_their_deadline(clock, agent, department_user):
    complaint = services.start_work(general(agent), by=agent)
    order = services.dispatch_work_order(
        complaint, department=Department.objects.get(code="billing"), instructions="x", by=agent
    )
    assert WorkOrder.objects.get(pk=order.pk).warn_at == START + dt.timedelta(hours=48 * 0.8)
