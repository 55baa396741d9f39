"""/api/v1/reports/: the board and the trends as JSON, who may read them, what they cost."""

import pytest
from rest_framework.test import APIClient

from complaints.services import issue_api_token
from tests.factories import UserFactory, make_complaint

pytestmark = pytest.mark.django_db

BOARD, TRENDS = "/api/v1/reports/board/", "/api/v1/reports/trends/"

# who → expected status for both endpoints
EXPECTED = {
    "anonymous": 401,
    "agent": 403,
    "lead": 200,
    "department_user": 403,
    "supervisor": 200,
    "administrator": 200,
    "supervisor_token_with_reports": 200,
    "supervisor_token_without_reports": 403,
    "agent_token_with_reports": 403,  # a scope does not lift the role's limits
}


def client_for(request, who: str) -> APIClient:
    client = APIClient()
    if who == "anonymous":
        return client
    if who.endswith("_token_with_reports") or who.endswith("_token_without_reports"):
        role = "Supervisor" if who.startswith("supervisor") else "Agent"
        user = UserFactory(username=f"bi-{who}", role=role)
        scopes = ["reports:read"] if "with_reports" in who else ["complaints:read"]
        _token, raw = issue_api_token(name="BI", user=user, scopes=scopes)
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
        return client
    client.force_authenticate(request.getfixturevalue(who))
    return client


@pytest.mark.parametrize("path", [BOARD, TRENDS])
@pytest.mark.parametrize("who", EXPECTED)
def test_who_may_read_the_reports(request, lead, who, path):
    response = client_for(request, who).get(path)
    assert response.status_code == EXPECTED[who], response.content
    if response.status_code != 200:
        assert response["Content-Type"] == "application/problem+json"


def test_the_board_as_json(world, supervisor):
    client = APIClient()
    client.force_authenticate(supervisor)
    body = client.get(BOARD).json()
    panels = {panel["key"]: panel for panel in body["panels"]}
    assert list(panels) == ["complaints", "agents", "work_orders", "callbacks", "csat", "repair"]
    figures = {figure["key"]: figure for figure in panels["complaints"]["figures"]}
    assert figures["open"] == {
        "key": "open", "label": "Open", "value": 6, "kind": "count", "url": "/?view=all",
    }  # fmt: skip
    assert figures["breached_now"]["value"] == 3
    csat = {figure["key"]: figure for figure in panels["csat"]["figures"]}
    assert csat["csat_today"]["value"] == 0.5 and csat["csat_today"]["kind"] == "share"
    departments = {row["label"]: row for row in panels["work_orders"]["tables"][0]["rows"]}
    assert [figure["value"] for figure in departments["Billing"]["figures"]] == [2, 1]
    assert body["team"] is None


def test_the_trends_as_json(world, supervisor):
    client = APIClient()
    client.force_authenticate(supervisor)
    body = client.get(TRENDS, {"since": "2026-11-12", "until": "2026-11-20"}).json()
    assert (body["since"], body["until"]) == ("2026-11-12", "2026-11-20")
    series = {item["key"]: item for item in body["series"]}
    assert series["intake"]["total"]["value"] == 12
    assert series["csat"]["daily"][-1] == {
        "start": "2026-11-20", "end": "2026-11-20", "value": 0.5, "numerator": 1,
        "denominator": 2, "url": "/surveys/?since=2026-11-20&until=2026-11-20",
    }  # fmt: skip
    assert [week["start"] for week in series["resolution"]["weekly"]] == [
        "2026-11-12",
        "2026-11-16",
    ]
    pareto = body["breakdowns"][0]
    assert pareto["key"] == "categories" and pareto["items"][0]["value"] == 6


def test_a_lead_s_token_reads_their_team_only(world, lead, other_team, team):
    _token, raw = issue_api_token(name="Lead BI", user=lead, scopes=["reports:read"])
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    body = client.get(BOARD).json()
    assert body["team"] == team.pk
    open_ = next(f for f in body["panels"][0]["figures"] if f["key"] == "open")
    assert open_["value"] == 5
    assert client.get(BOARD, {"team": other_team.pk}).status_code == 403


def test_bad_queries_are_400_per_field(supervisor):
    client = APIClient()
    client.force_authenticate(supervisor)
    response = client.get(TRENDS, {"since": "2026-11-20", "until": "2026-11-01"})
    assert response.status_code == 400 and "until" in response.json()["errors"]
    response = client.get(TRENDS, {"since": "2020-01-01", "until": "2026-11-01"})
    assert response.status_code == 400 and "since" in response.json()["errors"]
    response = client.get(BOARD, {"channel": "pigeon", "category": "nope"})
    assert set(response.json()["errors"]) == {"channel", "category"}


def test_the_reports_cost_the_same_queries_however_many_complaints(
    supervisor, team, django_assert_max_num_queries
):
    client = APIClient()
    client.force_authenticate(supervisor)
    make_complaint(team=team)
    with django_assert_max_num_queries(20) as board:
        client.get(BOARD)
    with django_assert_max_num_queries(12) as trends:
        client.get(TRENDS)
    for index in range(25):
        make_complaint(team=team, description=f"more {index}")
    with django_assert_max_num_queries(len(board.captured_queries)):
        client.get(BOARD)
    with django_assert_max_num_queries(len(trends.captured_queries)):
        client.get(TRENDS)
