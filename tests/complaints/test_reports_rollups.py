"""The daily roll-ups equal a recomputation from the raw rows, in Python, row by row.

Checked on the story of tests/reports_world.py, after edits (the incremental refresh
covers today and yesterday, the nightly pass the older days that changed), after a
rebuild, when run twice at once, and through a real Celery worker.
"""

import datetime as dt
import threading
from collections import defaultdict
from io import StringIO

import pytest
import time_machine
from celery.contrib.testing.worker import start_worker
from django.core.management import call_command
from django.db import connection
from django.utils import timezone
from django_celery_beat.models import PeriodicTask

from complaints import services
from complaints.enums import State, WorkOrderState
from complaints.models import (
    Category,
    Complaint,
    ComplaintDailyRollup,
    RollupState,
    WorkOrder,
    WorkOrderDailyRollup,
)
from complaints.reports import registry, rollups
from complaints.tasks import refresh_rollups_task
from config.celery import app
from repair.enums import CallbackState
from repair.models import CallbackDailyRollup, CallbackRequest
from repair.services.callbacks import cancel_callback
from surveys.models import SurveyDailyRollup, SurveyResponse
from tests.factories import make_complaint
from tests.reports_world import NOW, SHANGHAI

DIMENSIONS = ("day", "team_id", "category_id", "channel", "priority")


def local_day(moment: dt.datetime) -> dt.date:
    return timezone.localtime(moment, SHANGHAI).date()


def stored(model, measures: tuple[str, ...], extra: tuple[str, ...] = ()) -> dict:
    return {
        tuple(row[key] for key in (*DIMENSIONS, *extra)): {m: row[m] for m in measures}
        for row in model.objects.values()
        if any(row[m] for m in measures)
    }


def clean(expected: dict) -> dict:
    return {key: dict(values) for key, values in expected.items()}


COMPLAINT_MEASURES = ("received", "repeats", "response_due", "response_met", "resolution_due",
                      "resolution_met")  # fmt: skip


def complaints_from_raw() -> dict:
    expected: dict = defaultdict(lambda: dict.fromkeys(COMPLAINT_MEASURES, 0))
    for c in Complaint.objects.all():
        row = expected[(local_day(c.received_at), c.team_id, c.category_id, c.channel, c.priority)]
        row["received"] += 1
        row["repeats"] += c.repeat_of_id is not None
        for clock in ("response", "resolution"):
            due, met = getattr(c, f"{clock}_due_at"), getattr(c, f"{clock}_met_at")
            breached = getattr(c, f"{clock}_breached_at")
            if due is None or c.state == State.CANCELLED or (met is None and breached is None):
                continue
            row[f"{clock}_due"] += 1
            row[f"{clock}_met"] += met is not None and met <= due
    return clean(expected)


def work_orders_from_raw() -> dict:
    expected: dict = defaultdict(lambda: {"dispatched": 0, "due": 0, "on_time": 0})
    for order in WorkOrder.objects.select_related("complaint"):
        if order.state == WorkOrderState.CANCELLED:
            continue
        c = order.complaint
        key = (local_day(order.created_at), c.team_id, c.category_id, c.channel, c.priority,
               order.department_id)  # fmt: skip
        expected[key]["dispatched"] += 1
        expected[key]["due"] += order.answered_at is not None or order.breached_at is not None
        expected[key]["on_time"] += (
            order.answered_at is not None and order.answered_at <= order.due_at
        )
    return clean(expected)


def surveys_from_raw() -> dict:
    categories = dict(Category.objects.values_list("code", "id"))
    expected: dict = defaultdict(lambda: {"responses": 0, "scored": 0, "satisfied": 0, "low": 0})
    for r in SurveyResponse.objects.select_related("complaint"):
        key = (local_day(r.created_at), r.team_id, categories.get(r.category_code),
               r.complaint_channel, r.complaint.priority if r.complaint_id else "")  # fmt: skip
        expected[key]["responses"] += 1
        expected[key]["scored"] += r.score is not None
        expected[key]["satisfied"] += r.score is not None and r.score >= 4
        expected[key]["low"] += r.is_low
    return clean(expected)


def callbacks_from_raw() -> dict:
    measures = ("bookings", "handled", "within_30", "within_60")
    expected: dict = defaultdict(lambda: dict.fromkeys(measures, 0))
    for b in CallbackRequest.objects.select_related("assignee", "complaint"):
        if b.state == CallbackState.CANCELLED:
            continue
        c = b.complaint
        local = timezone.localtime(b.requested_at, SHANGHAI)
        key = (local.date(), b.assignee.team_id if b.assignee else None,
               c.category_id if c else None, c.channel if c else "", c.priority if c else "",
               local.hour)  # fmt: skip
        wait = (b.first_attempt_at - b.clock_started_at) if b.first_attempt_at else None
        expected[key]["bookings"] += 1
        expected[key]["handled"] += wait is not None
        expected[key]["within_30"] += wait is not None and wait <= dt.timedelta(minutes=30)
        expected[key]["within_60"] += wait is not None and wait <= dt.timedelta(minutes=60)
    return clean(expected)


def assert_rollups_match_raw() -> None:
    assert stored(ComplaintDailyRollup, COMPLAINT_MEASURES) == complaints_from_raw()
    assert stored(WorkOrderDailyRollup, ("dispatched", "due", "on_time"), ("department_id",)) == (
        work_orders_from_raw()
    )
    assert stored(SurveyDailyRollup, ("responses", "scored", "satisfied", "low")) == (
        surveys_from_raw()
    )
    assert (
        stored(CallbackDailyRollup, ("bookings", "handled", "within_30", "within_60"), ("hour",))
        == callbacks_from_raw()
    )


@pytest.mark.django_db
def test_the_rollups_equal_the_raw_rows_after_edits_and_a_rebuild(
    world, supervisor, other_team, agent
):
    assert_rollups_match_raw()
    assert ComplaintDailyRollup.objects.count() == 11  # one row per day × dimensions present
    rollups.nightly_pass()  # the first pass: nothing changed since the rebuild
    assert_rollups_match_raw()

    with time_machine.travel(NOW + dt.timedelta(minutes=10), tick=False):
        services.assign(world["c6"], to_user=None, to_team=other_team, by=supervisor)  # today
        services.reopen(world["c1"], reason="still broken", by=agent)  # received 11-18
        services.answer_work_order(world["wo2"], answer="refunded", by=None)  # sent 11-18
        cancel_callback(world["cb4"], by=agent, reason="customer called again")  # today
        rollups.refresh_recent()
    # Today and yesterday are right again; 11-18's rows still show the old c1 and c2.
    raw, kept = complaints_from_raw(), stored(ComplaintDailyRollup, COMPLAINT_MEASURES)
    stale_days = {key[0] for key in raw.keys() | kept.keys() if raw.get(key) != kept.get(key)}
    assert stale_days == {dt.date(2026, 11, 18)}

    with time_machine.travel(NOW + dt.timedelta(hours=17), tick=False):  # 03:00 the next night
        rollups.nightly_pass()
    assert_rollups_match_raw()

    ComplaintDailyRollup.objects.filter(day=dt.date(2026, 11, 19)).delete()
    SurveyDailyRollup.objects.all().delete()
    call_command("rebuild_rollups", stdout=StringIO())
    assert_rollups_match_raw()


@pytest.mark.django_db
def test_recomputing_twice_changes_nothing(world):
    before = stored(ComplaintDailyRollup, COMPLAINT_MEASURES)
    rollups.refresh_recent()
    rollups.refresh_recent()
    assert stored(ComplaintDailyRollup, COMPLAINT_MEASURES) == before
    assert RollupState.objects.filter(refreshed_at=NOW).count() == len(registry.rollup_sources())


@pytest.mark.django_db
def test_a_rebuild_since_a_day_keeps_the_days_before(world):
    ComplaintDailyRollup.objects.filter(day=dt.date(2026, 11, 14)).update(received=99)
    ComplaintDailyRollup.objects.filter(day=dt.date(2026, 11, 19)).update(received=99)
    call_command("rebuild_rollups", "--since", "2026-11-19", stdout=StringIO())
    assert ComplaintDailyRollup.objects.get(day=dt.date(2026, 11, 14)).received == 99
    assert not ComplaintDailyRollup.objects.filter(day=dt.date(2026, 11, 19), received=99)


@pytest.mark.django_db
def test_a_bad_date_is_refused_by_the_command():
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="--since"):
        call_command("rebuild_rollups", "--since", "19/11/2026")


@pytest.mark.django_db
def test_days_follow_the_centre_s_time_zone(team):
    # 23:30 UTC on the 19th is 07:30 on the 20th in Shanghai.
    with time_machine.travel(dt.datetime(2026, 11, 19, 23, 30, tzinfo=dt.UTC), tick=False):
        make_complaint(team=team)
        rollups.refresh_recent()
    assert list(ComplaintDailyRollup.objects.values_list("day", flat=True)) == [
        dt.date(2026, 11, 20)
    ]


@pytest.mark.django_db(transaction=True)
def test_two_refreshes_at_once_write_each_row_once(reference_data, team):
    for index in range(5):
        make_complaint(team=team, description=f"concurrent {index}")
    errors = []

    def refresh():
        try:
            for _round in range(3):
                rollups.refresh_recent()
        except Exception as error:  # noqa: BLE001 - reported below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=refresh) for _thread in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors
    assert stored(ComplaintDailyRollup, COMPLAINT_MEASURES) == complaints_from_raw()
    assert sum(ComplaintDailyRollup.objects.values_list("received", flat=True)) == 5


@pytest.mark.django_db(transaction=True)
def test_a_worker_refreshes_the_rollups(reference_data, team):
    make_complaint(team=team)
    with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=10):
        written = refresh_rollups_task.delay().get(timeout=30)
    assert written["complaints"] == 1
    assert ComplaintDailyRollup.objects.get().received == 1


@pytest.mark.django_db
def test_beat_refreshes_every_five_minutes_and_passes_nightly():
    refresh = PeriodicTask.objects.get(task="complaints.tasks.refresh_rollups_task")
    assert refresh.enabled and refresh.interval.every == 300
    nightly = PeriodicTask.objects.get(task="complaints.tasks.nightly_rollups_task")
    assert nightly.enabled and (nightly.crontab.hour, nightly.crontab.minute) == ("2", "30")
    assert str(nightly.crontab.timezone) == "Asia/Shanghai"
