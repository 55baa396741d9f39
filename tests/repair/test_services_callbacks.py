"""Every call returned: due times, quiet hours, windows, joining, assignment, retries, report."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.utils import timezone

from complaints.errors import ApplicationError
from complaints.models import OutboundMessage
from repair.enums import CallbackState
from repair.models import CallbackRequest, RepairCase
from repair.services import callbacks
from repair.services.callbacks import book_callback, log_attempt, schedule

pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")
MIN = dt.timedelta(minutes=1)


def at(hour, minute=0, day=16, tz=SHANGHAI):
    return dt.datetime(2026, 11, day, hour, minute, tzinfo=tz)


@pytest.mark.parametrize(
    ("source", "minutes"),
    [("ivr", 60), ("missed_call", 60), ("agent", 60), ("web", 60), ("silent_call", 10),
     ("dropped_call", 10)],
)  # fmt: skip
def test_due_time_per_source(source, minutes):
    start, due = schedule(source=source, requested_at=at(10))
    assert start == at(10)
    assert due == at(10) + minutes * MIN


@pytest.mark.parametrize(
    ("booked", "clock_starts"),
    [
        (at(21, 29), at(21, 29)),
        (at(21, 30), at(8, 0, day=17)),
        (at(21, 45), at(8, 0, day=17)),
        (at(23, 59), at(8, 0, day=17)),
        (at(0, 30, day=17), at(8, 0, day=17)),  # after midnight: the same morning
        (at(7, 59, day=17), at(8, 0, day=17)),
        (at(8, 0, day=17), at(8, 0, day=17)),
    ],
)
def test_quiet_hour_edges(booked, clock_starts):
    start, due = schedule(source="ivr", requested_at=booked)
    assert start == clock_starts
    assert due == clock_starts + 60 * MIN


def test_a_booking_at_21_45_is_due_at_9_the_next_morning():
    assert schedule(source="ivr", requested_at=at(21, 45))[1] == at(9, 0, day=17)


def test_quiet_hours_across_a_dst_change(settings):
    settings.TIME_ZONE = "America/New_York"
    new_york = ZoneInfo("America/New_York")
    timezone.activate(new_york)
    try:
        saturday_night = dt.datetime(2026, 3, 7, 22, 0, tzinfo=new_york)  # clocks spring forward
        start, due = schedule(source="ivr", requested_at=saturday_night)
        assert start == dt.datetime(2026, 3, 8, 8, 0, tzinfo=new_york)
        elapsed = start.astimezone(dt.UTC) - saturday_night.astimezone(dt.UTC)
        assert elapsed == dt.timedelta(hours=9)  # one wall-clock hour is skipped
        autumn = dt.datetime(2026, 10, 31, 23, 0, tzinfo=new_york)  # clocks fall back
        start, _due = schedule(source="ivr", requested_at=autumn)
        assert start.astimezone(dt.UTC) - autumn.astimezone(dt.UTC) == dt.timedelta(hours=10)
    finally:
        timezone.deactivate()


def test_a_later_preferred_window_wins_and_its_end_caps_the_due_time():
    start, due = schedule(source="ivr", requested_at=at(10), preferred_from=at(14))
    assert (start, due) == (at(14), at(15))
    start, due = schedule(
        source="ivr", requested_at=at(10), preferred_from=at(14), preferred_to=at(14, 30)
    )
    assert due == at(14, 30)
    start, due = schedule(source="ivr", requested_at=at(10), preferred_from=at(9))
    assert start == at(10)  # an earlier window does not move the clock back
    start, _due = schedule(source="ivr", requested_at=at(10), preferred_from=at(22))
    assert start == at(8, day=17)  # a window inside quiet hours waits for the morning


def test_a_second_booking_from_the_same_number_joins_the_first():
    first, created = book_callback(phone="13812345678", source="ivr", reason="网络问题")
    again, created_again = book_callback(phone="+86 138-1234-5678", source="missed_call")
    assert created and not created_again
    assert again.pk == first.pk
    assert again.joined_count == 1
    assert CallbackRequest.objects.count() == 1
    log_attempt(first, agent=None, outcome="answered")
    third, created_third = book_callback(phone="13812345678", source="ivr")
    assert created_third and third.pk != first.pk  # the first one is closed now


def test_a_dropped_call_gets_an_immediate_sms_apology_in_the_customer_s_language():
    with time_machine.travel(at(23, 0), tick=False):
        booking, _created = book_callback(phone="13812345678", source="dropped_call")
    message = OutboundMessage.objects.get()
    assert message.recipient == "+8613812345678"
    assert "10" in message.body and "抱歉" in message.body  # customers default to Chinese
    assert message.not_before == at(23, 0)  # urgent: not held for quiet hours
    book_callback(phone="13900000000", source="silent_call")
    assert OutboundMessage.objects.count() == 1


def test_bad_bookings_are_refused_per_field():
    with pytest.raises(ApplicationError) as error:
        book_callback(phone="12", source="ivr")
    assert "phone" in error.value.details
    with pytest.raises(ApplicationError) as error:
        book_callback(phone="13812345678", source="ivr", preferred_from=at(15), preferred_to=at(14))
    assert "preferred_to" in error.value.details


def test_assignment_goes_to_available_agents_least_loaded_first(agent, other_agent, supervisor):
    callbacks.set_availability(agent, available=True)
    callbacks.set_availability(other_agent, available=True)
    with time_machine.travel(at(10), tick=False):
        for n in range(4):
            book_callback(phone=f"1381234567{n}", source="ivr")
        night, _ = book_callback(phone="13912345670", source="ivr", requested_at=at(22))
        assert callbacks.assign_due_callbacks() == 4
    loads = sorted(
        CallbackRequest.objects.filter(state="assigned").values_list(
            "assignee__username", flat=True
        )
    )
    assert loads == ["agent", "agent", "other-agent", "other-agent"]
    night.refresh_from_db()
    assert night.state == CallbackState.PENDING  # its clock starts in the morning


def test_retries_then_sms_and_a_call_loss_repair_case(agent, settings):
    with time_machine.travel(at(10), tick=False) as clock:
        booking, _ = book_callback(phone="13812345678", source="ivr")
        attempt_times = []
        for outcome in ("no_answer", "busy"):
            log_attempt(booking, agent=agent, outcome=outcome)
            booking.refresh_from_db()
            assert booking.state == CallbackState.ASSIGNED
            assert booking.next_attempt_at == timezone.now() + 10 * MIN
            attempt_times.append(timezone.now())
            clock.shift(10 * MIN)
        assert booking.first_attempt_at == at(10)
        log_attempt(booking, agent=agent, outcome="no_answer")
    booking.refresh_from_db()
    assert booking.state == CallbackState.UNREACHABLE
    sms = OutboundMessage.objects.get(dedupe_key=f"callback:{booking.pk}:we_tried")
    assert "3" in sms.body
    case = RepairCase.objects.get()
    assert case.damage_type == "call_loss" and case.customer == booking.customer


def test_an_answered_call_completes_the_booking(agent):
    booking, _ = book_callback(phone="13812345678", source="ivr")
    log_attempt(booking, agent=agent, outcome="answered", note="已解决")
    booking.refresh_from_db()
    assert booking.state == CallbackState.COMPLETED and booking.completed_at
    with pytest.raises(ApplicationError):
        log_attempt(booking, agent=agent, outcome="answered")


def test_lookup_tells_the_ivr_about_open_bookings():
    assert callbacks.lookup("13812345678") is None
    booking, _ = book_callback(phone="13812345678", source="ivr")
    assert callbacks.lookup("+86 13812345678") == booking
    assert callbacks.lookup("not a phone") is None


def test_the_report_on_a_known_data_set(agent):
    # Ten bookings at 10:00 and 19:00 on one day; handled after 10, 25, 45, 90 minutes, etc.
    handled_after = [10, 20, 25, 29, 30, 45, 59, 90, None, None]
    with time_machine.travel(at(9), tick=False) as clock:
        for index, minutes in enumerate(handled_after):
            hour = 10 if index < 6 else 19
            booking, _ = book_callback(
                phone=f"1391234500{index}", source="ivr", requested_at=at(hour)
            )
            if minutes is not None:
                clock.move_to(at(hour) + minutes * MIN)
                log_attempt(booking, agent=agent, outcome="answered")
    report = callbacks.report(since=at(0), until=at(0, day=17))
    assert report["bookings"] == 10
    assert report["handled"] == 8
    assert report["within_30"] == 5 and report["share_within_30"] == 0.5
    assert report["within_60"] == 7 and report["share_within_60"] == 0.7
    assert report["average_wait_minutes"] == pytest.approx(
        (10 + 20 + 25 + 29 + 30 + 45 + 59 + 90) / 8, 0.01
    )
    by_hour = {row["hour"]: row for row in report["hours"]}
    assert by_hour[10]["bookings"] == 6 and by_hour[19]["bookings"] == 4
    assert by_hour[10]["agents_needed"] == 1 and by_hour[3]["agents_needed"] == 0
