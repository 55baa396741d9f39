"""Rate limits per token (its own rate or API_TOKEN_RATE), per user for sessions and per
address for unauthenticated callers: 429 problem+json with Retry-After."""

import datetime as dt
import json
import time

import pytest
import time_machine
from django.core.exceptions import ImproperlyConfigured
from rest_framework.test import APIClient

from complaints.rates import parse_rate
from config import env
from surveys.api.authentication import sign
from tests.api import assert_problem, client_for, token_client

pytestmark = pytest.mark.django_db

ME = "/api/v1/me/"


def calls(client, count: int, path: str = ME) -> list[int]:
    return [client.get(path).status_code for _ in range(count)]


def test_a_token_over_its_rate_gets_429_with_retry_after(integration_user, settings):
    settings.API_TOKEN_RATE = "3/min"
    api = token_client(integration_user, ["complaints:read"])
    assert calls(api, 3) == [200, 200, 200]
    response = api.get(ME)
    problem = assert_problem(response, 429, "throttled")
    assert 1 <= int(response["Retry-After"]) <= 60
    assert response["Retry-After"] in problem["detail"]
    # another token of the same service account counts on its own
    assert calls(token_client(integration_user, ["complaints:read"]), 1) == [200]


def test_a_token_s_own_rate_wins_over_the_default(integration_user, settings):
    settings.API_TOKEN_RATE = "100/min"
    api = token_client(integration_user, [], rate_limit="2/hour")
    assert calls(api, 3) == [200, 200, 429]


def test_the_count_starts_again_in_the_next_window(integration_user, settings):
    settings.API_TOKEN_RATE = "2/min"
    api = token_client(integration_user, [])
    start = dt.datetime.fromtimestamp((time.time() // 60 + 1) * 60, tz=dt.UTC)  # a window's start
    with time_machine.travel(start + dt.timedelta(seconds=10), tick=False):
        assert calls(api, 3) == [200, 200, 429]
        assert api.get(ME)["Retry-After"] == "50"
    with time_machine.travel(start + dt.timedelta(seconds=61), tick=False):
        assert calls(api, 1) == [200]


def test_sessions_are_limited_per_user(agent, other_agent, settings):
    settings.API_USER_RATE = "2/min"
    assert calls(client_for(agent), 3) == [200, 200, 429]
    assert calls(client_for(other_agent), 1) == [200]


def test_unauthenticated_callers_are_limited_per_address(settings, db):
    settings.API_ANON_RATE = "2/min"
    settings.SMS_INBOUND_SECRET = "gateway-secret"
    body = json.dumps({"from": "13900009999", "text": "5"}).encode()

    def deliver():
        stamp = str(int(time.time()))
        return APIClient().post(
            "/api/v1/surveys/sms-replies/",
            body,
            content_type="application/json",
            HTTP_X_TIMESTAMP=stamp,
            HTTP_X_SIGNATURE=sign("gateway-secret", stamp, body),
        )

    assert [deliver().status_code for _ in range(3)] == [201, 201, 429]


def test_an_empty_rate_means_no_limit(integration_user, settings):
    settings.API_TOKEN_RATE = ""
    assert set(calls(token_client(integration_user, []), 30)) == {200}


@pytest.mark.parametrize(
    ("rate", "parsed"),
    [("600/min", (600, 60)), ("5/s", (5, 1)), (" 10 / hour ", (10, 3600)), ("1/day", (1, 86400)),
     ("", None)],
)  # fmt: skip
def test_rates_are_written_as_drf_writes_them(rate, parsed):
    assert parse_rate(rate) == parsed


@pytest.mark.parametrize("rate", ["600", "0/min", "ten/min", "5/fortnight"])
def test_a_bad_rate_stops_start_up_or_is_refused_at_issue(rate, monkeypatch, integration_user):
    monkeypatch.setenv("API_TOKEN_RATE", rate)
    with pytest.raises(ImproperlyConfigured, match="API_TOKEN_RATE"):
        env.rate_var("API_TOKEN_RATE", "1200/min")
    from complaints.errors import ApplicationError
    from complaints.services import issue_api_token

    with pytest.raises(ApplicationError) as error:
        issue_api_token(name="x", user=integration_user, scopes=[], rate_limit=rate)
    assert "rate_limit" in error.value.details
