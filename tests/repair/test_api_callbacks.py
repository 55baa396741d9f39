"""The callbacks API: booking and joining, the IVR's look-up, attempts, claims, cancellations,
the list with its filters and masking, the report, who may call what, and query counts."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine
from rest_framework.test import APIClient

from complaints import services
from complaints.models import OutboundMessage
from repair.enums import CallbackState
from repair.models import CallbackAgent, CallbackRequest, RepairCase
from repair.services.callbacks import book_callback, cancel_callback, log_attempt
from tests.factories import make_complaint

pytestmark = pytest.mark.django_db

URL = "/api/v1/callbacks/"
SHANGHAI = ZoneInfo("Asia/Shanghai")
MIN = dt.timedelta(minutes=1)
PHONE_SPELLINGS = ["13812345678", "+86 138-1234-5678", "0086 13812345678"]


def at(hour: int, minute: int = 0, day: int = 16) -> dt.datetime:
    """Centre time on Monday 16 November 2026 (or another day of that month)."""
    return dt.datetime(2026, 11, day, hour, minute, tzinfo=SHANGHAI)


def client_for(user) -> APIClient:
    client = APIClient()
    client.force_login(user)
    return client


@pytest.fixture
def api(agent):
    return client_for(agent)


@pytest.fixture
def ten_o_clock():
    with time_machine.travel(at(10), tick=False) as clock:
        yield clock


def detail_url(booking: CallbackRequest, action: str = "") -> str:
    return f"{URL}{booking.pk}/" + (f"{action}/" if action else "")


def moment(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text)


def assert_problem(response, status: int, code: str) -> dict:
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith("application/problem+json")
    body = response.json()
    assert body["code"] == code
    return body


# --- Booking ---------------------------------------------------------------------------


def test_a_booking_answers_201_with_the_booking(api, agent, ten_o_clock):
    response = api.post(
        URL,
        {
            "phone": "+86 138-1234-5678",
            "source": "ivr",
            "reason": "宽带断网",
            "customer_name": "王伟",
        },
    )
    assert response.status_code == 201, response.content
    body = response.json()
    booking = CallbackRequest.objects.get()
    assert response["Location"] == detail_url(booking)
    assert body["id"] == booking.pk and body["joined"] is False
    assert body["phone"] == "138****5678"  # agents see it masked
    assert body["customer"]["name"] == "王伟"
    assert (body["source"], body["state"], body["reason"]) == ("ivr", "pending", "宽带断网")
    assert moment(body["requested_at"]) == at(10)
    assert moment(body["due_at"]) == at(11)
    assert body["attempts"] == [] and body["created_by"]["username"] == "agent"
    assert booking.phone == "+8613812345678" and booking.created_by == agent


def test_a_second_booking_from_the_number_joins_the_open_one(api, ten_o_clock):
    first = api.post(URL, {"phone": PHONE_SPELLINGS[0], "source": "missed_call"}).json()
    response = api.post(URL, {"phone": PHONE_SPELLINGS[2], "source": "ivr", "reason": "Again"})
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["joined"] is True
    assert body["id"] == first["id"] and body["joined_count"] == 1
    assert "Location" not in response
    assert CallbackRequest.objects.count() == 1


def test_a_dropped_call_is_due_in_ten_minutes_and_gets_an_sms_at_once(api, ten_o_clock):
    response = api.post(URL, {"phone": "13812345678", "source": "dropped_call"})
    assert response.status_code == 201
    assert moment(response.json()["due_at"]) == at(10, 10)
    message = OutboundMessage.objects.get()
    assert message.channel == "sms" and message.recipient == "+8613812345678"
    assert message.dedupe_key == f"callback:{response.json()['id']}:apology"
    assert message.not_before == at(10)  # urgent: not held for anything


def test_a_booking_in_quiet_hours_waits_for_the_morning(api):
    with time_machine.travel(at(21, 45), tick=False):
        response = api.post(URL, {"phone": "13812345678", "source": "ivr"})
    body = response.json()
    assert moment(body["clock_started_at"]) == at(8, day=17)
    assert moment(body["due_at"]) == at(9, day=17)


def test_requested_at_and_a_preferred_window_move_the_clock(api, ten_o_clock):
    body = api.post(
        URL,
        {
            "phone": "13812345678",
            "source": "web",
            "requested_at": "2026-11-16T09:58:00+08:00",
            "preferred_from": "2026-11-16T14:00:00+08:00",
            "preferred_to": "2026-11-16T14:30:00+08:00",
        },
    ).json()
    assert moment(body["requested_at"]) == at(9, 58)
    assert moment(body["clock_started_at"]) == at(14)
    assert moment(body["due_at"]) == at(14, 30)  # the window's end comes before the hour


def test_a_booking_may_name_a_complaint_by_reference(api, agent):
    complaint = make_complaint(created_by=agent)
    body = api.post(
        URL, {"phone": "13812345678", "source": "agent", "complaint": complaint.reference}
    ).json()
    assert body["complaint"] == {"id": complaint.pk, "reference": complaint.reference}


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"phone": "12"}, "phone"),
        ({"phone": "not a number"}, "phone"),
        ({"phone": ""}, "phone"),
        ({"source": "carrier_pigeon"}, "source"),
        ({"source": None}, "source"),
        ({"complaint": "C-2026-999999"}, "complaint"),
        ({"requested_at": "2026-11-16T10:06:00+08:00"}, "requested_at"),
        ({"requested_at": "yesterday"}, "requested_at"),
        ({"preferred_from": "soon"}, "preferred_from"),
        ({"reason": "x" * 501}, "reason"),
        # A business rule, refused by the service with the same field name.
        (
            {
                "preferred_from": "2026-11-16T15:00:00+08:00",
                "preferred_to": "2026-11-16T14:00:00+08:00",
            },
            "preferred_to",
        ),
    ],
)
def test_bad_bookings_are_refused_per_field(api, ten_o_clock, changes, field):
    body = {"phone": "13812345678", "source": "ivr", **changes}
    problem = assert_problem(api.post(URL, body), 400, "invalid")
    assert field in problem["errors"], problem
    assert CallbackRequest.objects.count() == 0
    assert OutboundMessage.objects.count() == 0


def test_a_complaint_the_caller_cannot_see_is_unknown(other_agent, agent):
    complaint = make_complaint(created_by=agent)  # team A's; other_agent is in team B
    response = client_for(other_agent).post(
        URL, {"phone": "13812345678", "source": "agent", "complaint": complaint.reference}
    )
    assert "complaint" in assert_problem(response, 400, "invalid")["errors"]


def test_missing_fields_are_named(api):
    problem = assert_problem(api.post(URL, {}), 400, "invalid")
    assert set(problem["errors"]) == {"phone", "source"}


# --- Look-up for the IVR -----------------------------------------------------------------


def test_lookup_without_a_booking(api):
    response = api.get(f"{URL}lookup/", {"phone": "13812345678"})
    assert response.status_code == 200
    assert response.json() == {"has_open_booking": False, "callback": None}


@pytest.mark.parametrize("spelling", PHONE_SPELLINGS)
def test_lookup_finds_the_open_booking_in_any_spelling(api, ten_o_clock, spelling):
    booking, _ = book_callback(phone="13812345678", source="ivr")
    book_callback(phone="138 1234 5678", source="missed_call")  # joins it
    body = api.get(f"{URL}lookup/", {"phone": spelling}).json()
    assert body["has_open_booking"] is True
    callback = body["callback"]
    assert (callback["id"], callback["state"], callback["joined_count"]) == (
        booking.pk,
        "pending",
        1,
    )
    assert moment(callback["due_at"]) == at(11)


def test_lookup_ignores_closed_bookings_and_numbers_that_are_not_valid(api, agent):
    booking, _ = book_callback(phone="13812345678", source="ivr")
    log_attempt(booking, agent=agent, outcome="answered")
    assert api.get(f"{URL}lookup/", {"phone": "13812345678"}).json()["has_open_booking"] is False
    assert api.get(f"{URL}lookup/", {"phone": "anonymous"}).json()["callback"] is None


def test_lookup_needs_a_phone(api):
    problem = assert_problem(api.get(f"{URL}lookup/"), 400, "invalid")
    assert "phone" in problem["errors"]


# --- Attempts, claims, cancellations -----------------------------------------------------


def test_no_answer_keeps_the_booking_assigned_with_a_retry_time(api, agent, ten_o_clock):
    booking, _ = book_callback(phone="13812345678", source="ivr")
    response = api.post(detail_url(booking, "attempts"), {"outcome": "no_answer", "note": "响铃"})
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["attempt"]["outcome"] == "no_answer" and body["attempt"]["note"] == "响铃"
    assert body["attempt"]["agent"]["username"] == "agent"
    callback = body["callback"]
    assert callback["state"] == CallbackState.ASSIGNED and callback["attempt_count"] == 1
    assert callback["assignee"]["username"] == "agent"
    assert moment(callback["next_attempt_at"]) == at(10, 10)
    assert moment(callback["first_attempt_at"]) == at(10)


def test_answered_completes_and_a_closed_booking_refuses_attempts(api, ten_o_clock):
    booking, _ = book_callback(phone="13812345678", source="ivr")
    body = api.post(detail_url(booking, "attempts"), {"outcome": "answered"}).json()
    assert body["callback"]["state"] == CallbackState.COMPLETED
    assert body["callback"]["next_attempt_at"] is None
    again = api.post(detail_url(booking, "attempts"), {"outcome": "answered"})
    assert_problem(again, 409, "illegal_transition")
    assert booking.attempts.count() == 1


def test_the_last_unanswered_try_makes_the_booking_unreachable(api, ten_o_clock):
    booking, _ = book_callback(phone="13812345678", source="ivr")
    for outcome in ("no_answer", "busy", "voicemail"):
        body = api.post(detail_url(booking, "attempts"), {"outcome": outcome}).json()
        ten_o_clock.shift(10 * MIN)
    assert body["callback"]["state"] == CallbackState.UNREACHABLE
    assert OutboundMessage.objects.filter(dedupe_key=f"callback:{booking.pk}:we_tried").exists()
    assert RepairCase.objects.get().damage_type == "call_loss"


def test_an_unknown_outcome_is_refused(api):
    booking, _ = book_callback(phone="13812345678", source="ivr")
    problem = assert_problem(
        api.post(detail_url(booking, "attempts"), {"outcome": "hung_up"}), 400, "invalid"
    )
    assert "outcome" in problem["errors"]


def test_unknown_bookings_are_404(api):
    assert_problem(api.get(f"{URL}999999/"), 404, "not_found")
    assert_problem(api.post(f"{URL}999999/attempts/", {"outcome": "busy"}), 404, "not_found")


def test_an_agent_claims_a_booking_and_another_cannot_take_it(api, agent, other_agent):
    booking, _ = book_callback(phone="13812345678", source="ivr")
    response = api.post(detail_url(booking, "claim"))
    assert response.status_code == 200, response.content
    assert response.json()["state"] == CallbackState.IN_PROGRESS
    assert response.json()["assignee"]["username"] == "agent"
    taken = client_for(other_agent).post(detail_url(booking, "claim"))
    assert_problem(taken, 409, "illegal_transition")


def test_a_booking_assigned_to_another_agent_is_taken(api, other_agent):
    booking, _ = book_callback(phone="13812345678", source="ivr")
    log_attempt(booking, agent=other_agent, outcome="no_answer")  # assigned to them now
    assert_problem(api.post(detail_url(booking, "claim")), 409, "taken")


def test_cancel_needs_a_reason_and_closes_the_booking(api):
    booking, _ = book_callback(phone="13812345678", source="ivr", reason="Slow line")
    problem = assert_problem(api.post(detail_url(booking, "cancel"), {}), 400, "invalid")
    assert "reason" in problem["errors"]
    response = api.post(detail_url(booking, "cancel"), {"reason": "Customer called in"})
    assert response.status_code == 200
    body = response.json()
    assert body["state"] == CallbackState.CANCELLED and body["completed_at"]
    assert body["reason"] == "Slow line; Customer called in"
    again = api.post(detail_url(booking, "cancel"), {"reason": "Twice"})
    assert_problem(again, 409, "illegal_transition")


def test_the_detail_lists_the_attempts_oldest_first(api, agent, other_agent, ten_o_clock):
    booking, _ = book_callback(phone="13812345678", source="ivr")
    log_attempt(booking, agent=agent, outcome="busy")
    ten_o_clock.shift(10 * MIN)
    log_attempt(booking, agent=other_agent, outcome="answered", note="Fixed")
    body = api.get(detail_url(booking)).json()
    assert [(a["outcome"], a["agent"]["username"]) for a in body["attempts"]] == [
        ("busy", "agent"),
        ("answered", "other-agent"),
    ]
    assert body["state"] == CallbackState.COMPLETED


def test_agents_switch_their_availability(api, agent):
    response = api.post(f"{URL}availability/", {"available": True})
    assert response.status_code == 200 and response.json()["available"] is True
    assert CallbackAgent.objects.get(user=agent).is_available
    assert api.post(f"{URL}availability/", {"available": False}).json()["available"] is False
    assert not CallbackAgent.objects.get(user=agent).is_available
    problem = assert_problem(api.post(f"{URL}availability/", {}), 400, "invalid")
    assert "available" in problem["errors"]


# --- The list ------------------------------------------------------------------------------


@pytest.fixture
def bookings(agent, other_agent):
    """Four bookings of 16 November: their ids by name."""
    with time_machine.travel(at(10), tick=False) as clock:
        ivr, _ = book_callback(phone="13800000001", source="ivr")
        clock.move_to(at(10, 30))
        dropped, _ = book_callback(phone="13800000002", source="dropped_call")
        clock.move_to(at(11))
        web, _ = book_callback(phone="13800000003", source="web")
        log_attempt(web, agent=agent, outcome="answered")
        clock.move_to(at(12))
        mine, _ = book_callback(phone="13800000004", source="missed_call")
        log_attempt(mine, agent=other_agent, outcome="no_answer")
    return {"ivr": ivr.pk, "dropped": dropped.pk, "web": web.pk, "mine": mine.pk}


def listed(client, **params) -> list[int]:
    response = client.get(URL, params)
    assert response.status_code == 200, response.content
    return [row["id"] for row in response.json()["results"]]


def test_the_list_is_ordered_by_due_time(api, bookings):
    # Due: dropped 10:40, ivr 11:00, web 12:00, mine 13:00.
    assert listed(api) == [bookings[name] for name in ("dropped", "ivr", "web", "mine")]


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"state": "pending"}, ["dropped", "ivr"]),
        ({"state": ["pending", "assigned"]}, ["dropped", "ivr", "mine"]),
        ({"state": "completed"}, ["web"]),
        ({"source": "dropped_call"}, ["dropped"]),
        ({"source": ["web", "ivr"]}, ["ivr", "web"]),
        ({"phone": "+86 138-0000-0003"}, ["web"]),
        ({"phone": "0086 13800000001"}, ["ivr"]),
        ({"due_before": "2026-11-16T11:00:00+08:00"}, ["dropped"]),
        ({"due_after": "2026-11-16T12:00:00+08:00"}, ["web", "mine"]),
        ({"requested_after": "2026-11-16T10:30:00+08:00"}, ["dropped", "web", "mine"]),
        ({"requested_before": "2026-11-16T11:00:00+08:00"}, ["dropped", "ivr"]),
    ],
)
def test_the_list_filters(api, bookings, params, expected):
    assert listed(api, **params) == [bookings[name] for name in expected]


def test_the_list_filters_by_assignee(api, bookings, agent, other_agent):
    assert listed(api, assignee=other_agent.pk) == [bookings["mine"]]
    assert listed(api, assignee=agent.pk) == [bookings["web"]]


@pytest.mark.parametrize(
    "params",
    [{"phone": "12"}, {"state": "lost"}, {"source": "fax"}, {"due_before": "tomorrow"}],
)
def test_bad_filters_are_refused_by_name(api, params):
    problem = assert_problem(api.get(URL, params), 400, "invalid")
    assert set(problem["errors"]) == set(params)


def test_phones_are_masked_unless_the_role_sees_contact_details(api, supervisor, bookings):
    assert api.get(URL).json()["results"][0]["phone"] == "138****0002"
    assert api.get(f"{URL}{bookings['ivr']}/").json()["phone"] == "138****0001"
    full = client_for(supervisor)
    assert full.get(URL).json()["results"][0]["phone"] == "+8613800000002"
    assert full.get(f"{URL}{bookings['ivr']}/").json()["phone"] == "+8613800000001"


def test_the_list_pages_by_cursor(api, bookings):
    first = api.get(URL, {"page_size": 3}).json()
    second = api.get(first["next"]).json()
    ids = [row["id"] for row in first["results"] + second["results"]]
    assert ids == [bookings[name] for name in ("dropped", "ivr", "web", "mine")]
    assert second["next"] is None


# --- The report ----------------------------------------------------------------------------


def test_the_report_on_a_known_data_set(api, agent):
    """Six bookings on 16 November (one cancelled) and one the day before.

    Waits from the clock's start: 20, 45 and 95 minutes, and 10 minutes for the
    night booking whose clock started at 08:00 on the 17th; one never returned.
    """
    with time_machine.travel(at(9, day=15), tick=False) as clock:
        book_callback(phone="13900000009", source="ivr")  # the day before: not counted
        clock.move_to(at(10))
        first, _ = book_callback(phone="13900000001", source="ivr")
        clock.move_to(at(10, 5))
        second, _ = book_callback(phone="13900000002", source="ivr")
        clock.move_to(at(10, 10))
        book_callback(phone="139 0000 0001", source="missed_call")  # joins the first
        clock.move_to(at(10, 20))
        log_attempt(first, agent=agent, outcome="answered")
        clock.move_to(at(10, 50))
        log_attempt(second, agent=agent, outcome="no_answer")
        clock.move_to(at(11))
        third, _ = book_callback(phone="13900000003", source="ivr")
        clock.move_to(at(12, 35))
        log_attempt(third, agent=agent, outcome="answered")
        clock.move_to(at(14))
        book_callback(phone="13900000004", source="ivr")  # never returned
        clock.move_to(at(15))
        cancelled, _ = book_callback(phone="13900000005", source="ivr")
        cancel_callback(cancelled, by=agent, reason="Duplicate")
        clock.move_to(at(22))
        night, _ = book_callback(phone="13900000006", source="ivr")
        clock.move_to(at(8, 10, day=17))
        log_attempt(night, agent=agent, outcome="answered")
        clock.move_to(at(9, day=17))
        response = api.get(
            f"{URL}report/",
            {"since": "2026-11-16T00:00:00+08:00", "until": "2026-11-17T00:00:00+08:00"},
        )
    assert response.status_code == 200, response.content
    report = response.json()
    assert moment(report["since"]) == at(0) and moment(report["until"]) == at(0, day=17)
    assert report["bookings"] == 5  # the cancelled one is not counted
    assert report["handled"] == 4
    assert (report["within_30"], report["within_60"]) == (2, 3)
    assert (report["share_within_30"], report["share_within_60"]) == (0.4, 0.6)
    assert report["average_wait_minutes"] == 42.5  # (20 + 45 + 95 + 10) / 4
    assert (report["completed"], report["unreachable"], report["joined"]) == (3, 0, 1)
    assert report["capacity_per_agent_hour"] == 8
    hours = {row["hour"]: row for row in report["hours"]}
    assert len(report["hours"]) == 24
    assert hours[10] == {"hour": 10, "bookings": 2, "per_day": 2.0, "agents_needed": 1}
    assert hours[22]["bookings"] == 1 and hours[3]["agents_needed"] == 0


def test_the_report_defaults_to_the_last_seven_days(api, ten_o_clock):
    book_callback(phone="13900000001", source="ivr")
    ten_o_clock.shift(MIN)
    report = api.get(f"{URL}report/").json()
    assert moment(report["until"]) == at(10, 1)
    assert moment(report["since"]) == at(10, 1, day=9)
    assert report["bookings"] == 1 and report["handled"] == 0
    assert report["share_within_30"] == 0.0 and report["average_wait_minutes"] is None


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"since": "2026-11-16T00:00:00+08:00", "until": "2026-11-15T00:00:00+08:00"}, "until"),
        ({"since": "2024-01-01T00:00:00+08:00", "until": "2026-11-15T00:00:00+08:00"}, "since"),
        ({"since": "last week"}, "since"),
    ],
)
def test_a_bad_report_period_is_refused(api, params, field):
    problem = assert_problem(api.get(f"{URL}report/", params), 400, "invalid")
    assert field in problem["errors"]


# --- Who may call what --------------------------------------------------------------------

READ, WRITE, REPORTS = "callbacks:read", "callbacks:write", "reports:read"

# endpoint → (method, path with {callback}, body)
ENDPOINTS = {
    "list": ("get", URL, None),
    "book": ("post", URL, {"phone": "13900001111", "source": "ivr"}),
    "detail": ("get", URL + "{callback}/", None),
    "lookup": ("get", URL + "lookup/?phone=13812345678", None),
    "attempts": ("post", URL + "{callback}/attempts/", {"outcome": "no_answer"}),
    "claim": ("post", URL + "{callback}/claim/", None),
    "cancel": ("post", URL + "{callback}/cancel/", {"reason": "Called in"}),
    "availability": ("post", URL + "availability/", {"available": True}),
    "report": ("get", URL + "report/", None),
}
OK = {"get": 200, "post": 201}
# Actions on an existing booking answer 200, creations 201.
OK_OVERRIDES = {"claim": 200, "cancel": 200, "availability": 200}
READS = [endpoint for endpoint, (method, _, _) in ENDPOINTS.items() if method == "get"]


def ok(endpoint: str) -> int:
    return OK_OVERRIDES.get(endpoint, OK[ENDPOINTS[endpoint][0]])


def everything(status: int) -> dict[str, int]:
    return dict.fromkeys(ENDPOINTS, status)


def allowed(*endpoints: str, otherwise: int) -> dict[str, int]:
    return {
        endpoint: ok(endpoint) if endpoint in endpoints else otherwise for endpoint in ENDPOINTS
    }


EXPECTED: dict[str, dict[str, int]] = {
    "anonymous": everything(401),
    "agent": allowed(*ENDPOINTS, otherwise=0),
    "supervisor": allowed(*ENDPOINTS, otherwise=0),
    "administrator": allowed(*ENDPOINTS, otherwise=0),
    # Department users answer work orders; callbacks are not theirs.
    "department_user": everything(403),
    "token_without_scope": everything(403),
    "token_read": allowed(*READS, otherwise=403),
    "token_read_write": allowed(*ENDPOINTS, otherwise=0),
    # A BI tool reads the report and nothing else.
    "token_reports": allowed("report", otherwise=403),
    # Scopes do not lift a role's limits.
    "department_token": everything(403),
}

TOKENS = {
    "token_without_scope": ("integration_user", ["complaints:read", "complaints:write"]),
    "token_read": ("integration_user", [READ]),
    "token_read_write": ("integration_user", [READ, WRITE]),
    "token_reports": ("integration_user", [REPORTS]),
    "department_token": ("department_user", [READ, WRITE, REPORTS]),
}


def caller(role: str, request) -> APIClient:
    client = APIClient()
    if role in TOKENS:
        username, scopes = TOKENS[role]
        user = request.getfixturevalue(username)
        _token, raw = services.issue_api_token(name=role, user=user, scopes=scopes)
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    elif role != "anonymous":
        client.force_login(request.getfixturevalue(role))
    return client


@pytest.fixture
def scene(db):
    booking, _ = book_callback(phone="13812345678", source="ivr")
    return {"callback": booking.pk}


@pytest.mark.parametrize(
    ("role", "endpoint"), [(role, endpoint) for role in EXPECTED for endpoint in ENDPOINTS]
)
def test_permission_matrix(role, endpoint, scene, request):
    method, path, body = ENDPOINTS[endpoint]
    client = caller(role, request)
    response = getattr(client, method)(path.format(**scene), body)
    expected = EXPECTED[role][endpoint]
    assert response.status_code == expected, response.content
    if expected >= 400:
        assert response["Content-Type"].startswith("application/problem+json")
        if expected == 401:
            assert response["WWW-Authenticate"].startswith("Bearer")


# --- Query counts --------------------------------------------------------------------------

# The caller (session, user, its two permission reads) and the page.
CALLBACK_LIST_QUERIES = 5
# The caller, the booking and its attempts.
CALLBACK_DETAIL_QUERIES = 6


@pytest.mark.parametrize("rows", [3, 30])
def test_the_callback_list_costs_the_same_for_3_or_30_rows(
    api, agent, other_agent, rows, django_assert_max_num_queries
):
    complaint = make_complaint(created_by=agent)
    for number in range(rows):
        booking, _ = book_callback(
            phone=f"1390000{number:04d}",
            source="ivr",
            complaint=complaint if number % 2 else None,
            by=agent,
        )
        if number % 3 == 0:
            log_attempt(booking, agent=other_agent, outcome="no_answer")
    with django_assert_max_num_queries(CALLBACK_LIST_QUERIES):
        response = api.get(URL, {"state": ["pending", "assigned"], "page_size": 50})
    assert len(response.json()["results"]) == rows


@pytest.mark.parametrize("attempts", [1, 3])
def test_the_detail_costs_the_same_for_1_or_3_attempts(
    api, agent, other_agent, attempts, django_assert_max_num_queries
):
    booking, _ = book_callback(phone="13812345678", source="ivr")
    for number in range(attempts):
        log_attempt(booking, agent=(agent, other_agent)[number % 2], outcome="busy")
    with django_assert_max_num_queries(CALLBACK_DETAIL_QUERIES):
        response = api.get(detail_url(booking))
    assert len(response.json()["attempts"]) == attempts
