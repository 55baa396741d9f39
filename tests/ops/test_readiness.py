"""/readyz?deep=1 (a worker and the SLA check are alive) and the board's deadline-check line."""

import datetime as dt
import re
from zoneinfo import ZoneInfo

import pytest
from django.core.cache import cache
from django.utils import timezone

from complaints.tasks import LAST_DEADLINE_CHECK_KEY, WORKER_HEARTBEAT_KEY

pytestmark = pytest.mark.django_db

DEEP = "/readyz?deep=1"


def stamp(minutes_ago: float) -> str:
    return (timezone.now() - dt.timedelta(minutes=minutes_ago)).isoformat()


def test_plain_readyz_stays_cheap_and_ignores_background_work(client):
    response = client.get("/readyz")
    assert response.status_code == 200
    assert set(response.json()["checks"]) == {"database", "broker"}


def test_deep_fails_naming_both_when_nothing_ever_ran(client):
    response = client.get(DEEP)
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "unavailable"
    assert body["checks"] == {
        "database": "ok",
        "broker": "ok",
        "worker_heartbeat": "error: never",
        "deadline_check": "error: never",
    }


def test_deep_is_ready_when_both_ran_within_three_minutes(client):
    cache.set(WORKER_HEARTBEAT_KEY, stamp(2.5))
    cache.set(LAST_DEADLINE_CHECK_KEY, stamp(0.5))
    response = client.get(DEEP)
    assert response.status_code == 200, response.json()
    assert response.json()["checks"]["worker_heartbeat"] == "ok"
    assert response.json()["checks"]["deadline_check"] == "ok"


def test_deep_names_the_stale_part(client):
    cache.set(WORKER_HEARTBEAT_KEY, stamp(1))
    cache.set(LAST_DEADLINE_CHECK_KEY, stamp(4))
    response = client.get(DEEP)
    assert response.status_code == 503
    checks = response.json()["checks"]
    assert checks["worker_heartbeat"] == "ok"
    assert re.fullmatch(r"error: stale \(2[34]\d s ago\)", checks["deadline_check"])


def test_deep_says_when_the_cache_cannot_be_read(client, monkeypatch):
    def down(keys):
        raise ConnectionError("redis down")

    monkeypatch.setattr(cache, "get_many", down)
    checks = client.get(DEEP).json()["checks"]
    assert checks["worker_heartbeat"] == checks["deadline_check"] == "error: ConnectionError"


def test_a_real_worker_makes_deep_readiness_pass(client, tmp_path):
    """The two beat tasks, run by a real worker on the real broker, satisfy the deep check."""
    from complaints.tasks import check_deadlines_task, record_worker_heartbeat_task
    from tests.faults.processes import django_env, start_worker, wait_for

    worker = start_worker("deep", env=django_env(), log_dir=tmp_path)
    try:
        assert client.get(DEEP).status_code == 503
        record_worker_heartbeat_task.delay()
        check_deadlines_task.delay()
        wait_for(lambda: client.get(DEEP).status_code == 200, 60, "the deep check to pass")
    finally:
        worker.stop()


# --- The supervisor board ---------------------------------------------------------------


def board(client, supervisor) -> str:
    client.force_login(supervisor)
    response = client.get("/dashboard/")
    assert response.status_code == 200
    return response.content.decode()


def deadline_line(html: str) -> str:
    match = re.search(r'<p [^>]*data-testid="board-deadline-check"[^>]*>.*?</p>', html, re.S)
    assert match, "the board has no deadline-check line"
    return match.group()


def test_the_board_says_when_the_last_deadline_check_ran(client, supervisor):
    ran = timezone.now() - dt.timedelta(minutes=1)
    cache.set(LAST_DEADLINE_CHECK_KEY, ran.isoformat())
    line = deadline_line(board(client, supervisor))
    centre_time = ran.astimezone(ZoneInfo("Asia/Shanghai")).strftime("%H:%M")
    assert f"Last deadline check at {centre_time}." in line
    assert 'data-stale="false"' in line and "alert-warning" not in line


def test_the_board_warns_when_the_check_is_late(client, supervisor):
    cache.set(LAST_DEADLINE_CHECK_KEY, stamp(10))
    line = deadline_line(board(client, supervisor))
    assert 'data-stale="true"' in line and "alert-warning" in line
    assert "Deadline checks are late" in line


def test_the_board_warns_when_the_check_never_ran(client, supervisor):
    line = deadline_line(board(client, supervisor))
    assert "No deadline check has run yet." in line
    assert 'data-stale="true"' in line and "alert-warning" in line


def test_the_htmx_refresh_carries_the_line_too(client, supervisor):
    cache.set(LAST_DEADLINE_CHECK_KEY, stamp(1))
    client.force_login(supervisor)
    response = client.get("/dashboard/", HTTP_HX_REQUEST="true")
    assert 'data-testid="board-deadline-check"' in response.content.decode()
