"""The trends, series by series, on the hand-computed story of tests/reports_world.py."""

import datetime as dt

import pytest

from complaints.reports.scope import build_scope
from complaints.reports.trends import trend_report
from tests.reports_world import TODAY

pytestmark = pytest.mark.django_db

SINCE = dt.date(2026, 11, 12)  # a Thursday: the first week is Thu–Sun


def day(number: int) -> dt.date:
    return dt.date(2026, 11, number)


def series_of(report) -> dict:
    return {series["key"]: series for series in report["series"]}


def daily(series) -> dict:
    return {point["start"]: (point["numerator"], point["denominator"]) for point in series["daily"]}


def test_every_series_per_day(world, supervisor):
    report = trend_report(build_scope(supervisor, since=SINCE, until=TODAY))
    series = series_of(report)
    assert [point["start"] for point in series["intake"]["daily"]] == [
        SINCE + dt.timedelta(days=offset) for offset in range(9)
    ]
    intake = {point["start"]: point["value"] for point in series["intake"]["daily"]}
    assert intake == {
        day(12): 0, day(13): 0, day(14): 1, day(15): 0, day(16): 0,
        day(17): 1, day(18): 3, day(19): 4, day(20): 3,
    }  # fmt: skip
    # First response, (met, decided): c11; c0; c1 met, c2 breached, c3 met; c4, c9, c10 met
    # (c5 undecided); today c6, c7 undecided and c8 cancelled.
    first_response = daily(series["first_response"])
    assert first_response[day(14)] == (1, 1)
    assert first_response[day(17)] == (1, 1)
    assert first_response[day(18)] == (2, 3)
    assert first_response[day(19)] == (3, 3)
    assert first_response[day(20)] == (0, 0)
    assert series["first_response"]["daily"][8]["value"] is None  # nothing decided yet
    # Resolution: c11 met; c0 breached; c1 met, c2 breached, c3 met late; c4 breached,
    # c9 and c10 met.
    resolution = daily(series["resolution"])
    assert [resolution[day(n)] for n in (14, 17, 18, 19, 20)] == [
        (1, 1), (0, 1), (1, 3), (2, 3), (0, 0),
    ]  # fmt: skip
    assert series["resolution"]["total"]["value"] == pytest.approx(4 / 8, abs=1e-4)
    # Work orders by dispatch day: c0's overdue, c2's open (undecided), c4's answered in time.
    work_orders = daily(series["work_orders_on_time"])
    assert [work_orders[day(n)] for n in (17, 18, 19, 20)] == [(0, 1), (0, 0), (1, 1), (0, 0)]
    assert series["work_orders_on_time"]["total"]["value"] == 0.5
    # Callbacks: cb1 after 20 min, cb2 after 45, cb3 after 90; today's two not yet returned.
    assert daily(series["callbacks_30"])[day(19)] == (1, 3)
    assert daily(series["callbacks_60"])[day(19)] == (2, 3)
    assert series["callbacks_30"]["total"]["value"] == 0.2  # 1 of 5
    assert series["callbacks_60"]["total"]["value"] == 0.4
    # CSAT by answer day: c1 5 on 11-18; c10 4 and c9 2 today.
    csat = daily(series["csat"])
    assert csat[day(18)] == (1, 1) and csat[day(20)] == (1, 2)
    assert series["csat"]["total"]["value"] == pytest.approx(2 / 3, abs=1e-4)
    # Repeats: c4 repeats c1; 1 of 12 received.
    assert daily(series["repeat_rate"])[day(19)] == (1, 4)
    assert series["repeat_rate"]["total"]["value"] == pytest.approx(1 / 12, abs=1e-4)


def test_weeks_run_monday_to_sunday_clipped_to_the_period(world, supervisor):
    report = trend_report(build_scope(supervisor, since=SINCE, until=TODAY))
    intake = series_of(report)["intake"]["weekly"]
    assert [(point["start"], point["end"], point["value"]) for point in intake] == [
        (day(12), day(15), 1),
        (day(16), day(20), 11),
    ]
    first_response = series_of(report)["first_response"]["weekly"]
    assert [(point["numerator"], point["denominator"]) for point in first_response] == [
        (1, 1),
        (6, 7),
    ]


def test_the_pareto_of_categories_and_bookings_per_hour(world, supervisor):
    report = trend_report(build_scope(supervisor, since=SINCE, until=TODAY))
    breakdowns = {breakdown["key"]: breakdown for breakdown in report["breakdowns"]}
    pareto = breakdowns["categories"]
    assert [
        (item["label"], item["value"], item["cumulative_share"]) for item in pareto["items"]
    ] == [
        ("Billing or charges dispute", 6, 0.5),
        ("Network or signal problem", 5, pytest.approx(11 / 12, abs=1e-4)),
        ("Inquiry", 1, 1.0),
    ]
    hours = {item["key"]: item["value"] for item in breakdowns["bookings_by_hour"]["items"]}
    assert len(hours) == 24
    assert {hour: count for hour, count in hours.items() if count} == {8: 1, 9: 1, 10: 2, 19: 1}


def test_a_team_lead_s_trends_are_their_team_s(world, lead):
    report = trend_report(build_scope(lead, since=SINCE, until=TODAY))
    series = series_of(report)
    assert series["intake"]["total"]["value"] == 8  # c0, c1, c2, c4, c5, c6, c8, c9
    assert (series["first_response"]["total"]["numerator"],
            series["first_response"]["total"]["denominator"]) == (4, 5)  # fmt: skip
    assert series["callbacks_30"]["total"]["denominator"] == 3  # cb1, cb2, cb5 (agent's)
    assert series["csat"]["total"]["value"] == 0.5  # c1 (5), c9 (2)


def test_each_point_links_to_the_list_behind_it(world, supervisor, client):
    report = trend_report(build_scope(supervisor, since=SINCE, until=TODAY))
    client.force_login(supervisor)
    series = series_of(report)
    point = series["intake"]["daily"][7]  # 11-19: four received
    page = client.get(point["url"])
    assert {c.reference for c in page.context["page"].object_list} == {
        world[name].reference for name in ("c4", "c5", "c9", "c10")
    }
    missed = series["first_response"]["daily"][6]  # 11-18: c2 missed
    page = client.get(missed["url"])
    assert [c.reference for c in page.context["page"].object_list] == [world["c2"].reference]
    repeats = series["repeat_rate"]["total"]
    page = client.get(repeats["url"])
    assert [c.reference for c in page.context["page"].object_list] == [world["c4"].reference]
    on_time = series["work_orders_on_time"]["daily"][5]  # 11-17: c0's order
    page = client.get(on_time["url"])
    assert [order.pk for order in page.context["page"].object_list] == [world["wo0"].pk]
    bookings = series["callbacks_30"]["daily"][7]  # 11-19: three bookings
    page = client.get(bookings["url"])
    assert {booking.pk for booking in page.context["page"].object_list} == {
        world[name].pk for name in ("cb1", "cb2", "cb3")
    }
    category = next(b for b in report["breakdowns"] if b["key"] == "categories")["items"][2]
    page = client.get(category["url"])
    assert [c.reference for c in page.context["page"].object_list] == [world["c5"].reference]
    csat_today = series["csat"]["daily"][8]
    page = client.get(csat_today["url"])
    assert page.context["results"]["overall"]["responses"] == 2
