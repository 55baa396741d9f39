"""PostgreSQL restarted under traffic: requests that meet the dead database get a clear 503
(problem+json for the API, a page for people), the next ones succeed once it is back, and a
worker reconnects by itself."""

import re
import threading
import time
import uuid

import psycopg2
import pytest
import requests
from django.db import connection

from complaints.services.tokens import issue_api_token
from complaints.tasks import check_deadlines_task
from config.celery import app
from tests.factories import TEST_PASSWORD, UserFactory
from tests.faults.processes import (
    PrivatePostgres,
    django_env,
    free_port,
    start_gunicorn,
    start_worker,
    wait_for,
)

TRAFFIC_SECONDS = 60  # the traffic thread's bound; the test stops it much sooner


def intake(base: str, token: str, number: int) -> requests.Response:
    return requests.post(
        f"{base}/api/v1/complaints/",
        json={"phone": f"1370013{number:04d}", "channel": "phone", "description": "断网"},
        headers={"Authorization": f"Bearer {token}", "Idempotency-Key": str(uuid.uuid4())},
        timeout=30,
    )


def logged_in(base: str) -> requests.Session:
    session = requests.Session()
    page = session.get(f"{base}/accounts/login/", timeout=30)
    csrf = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)
    answer = session.post(
        f"{base}/accounts/login/",
        data={"username": "agent", "password": TEST_PASSWORD, "csrfmiddlewaretoken": csrf},
        headers={"Referer": page.url},
        timeout=30,
    )
    assert answer.status_code == 200 and answer.url.rstrip("/") == base, answer.url
    return session


@pytest.mark.django_db(transaction=True)
def test_a_database_restart_gives_503s_then_service_and_workers_reconnect(
    reference_data, team, processes, tmp_path
):
    why_not = PrivatePostgres.available()
    if why_not:
        pytest.skip(f"a private PostgreSQL cluster cannot be made here: {why_not}")
    app.control.purge()
    UserFactory(username="agent", team=team, role="Agent")
    ivr = UserFactory(username="ivr", team=team, role="Agent")
    token = issue_api_token(name="IVR", user=ivr, scopes=["complaints:write"])[1]
    database = PrivatePostgres(free_port())
    try:
        database.copy_database(connection.settings_dict, "centre")
        env = django_env(DATABASE_URL=database.url("centre"), VAR_DIR=str(tmp_path / "var"))
        web_port = free_port()
        processes.append(start_gunicorn(web_port, env=env, log_dir=tmp_path))
        processes.append(start_worker("reconnecting", env=env, log_dir=tmp_path))
        base = f"http://127.0.0.1:{web_port}"
        agent = logged_in(base)
        assert check_deadlines_task.delay().get(timeout=60) is not None  # the worker's connection

        answers: list[tuple[int, str]] = []
        stop = threading.Event()

        def traffic() -> None:
            deadline = time.monotonic() + TRAFFIC_SECONDS
            number = 0
            while not stop.is_set() and time.monotonic() < deadline and number < 2000:
                number += 1
                try:
                    response = intake(base, token, number)
                except requests.RequestException as error:
                    answers.append((0, str(error)))
                else:
                    answers.append((response.status_code, response.headers["Content-Type"]))

        runner = threading.Thread(target=traffic)
        runner.start()
        try:
            wait_for(lambda: len(answers) >= 5, 30, "traffic to flow")
            database.stop("fast")
            down = intake(base, token, 9001)
            assert down.status_code == 503, down.text
            assert down.headers["Content-Type"] == "application/problem+json"
            assert down.json()["code"] == "database_unavailable"
            assert down.headers["Retry-After"] == "5"
            page = agent.get(f"{base}/", timeout=30)
            assert page.status_code == 503 and 'data-testid="database-unavailable"' in page.text
            before_restart = len(answers)
            database.start()
            # The very next requests succeed: each web process checks its connection first.
            assert intake(base, token, 9002).status_code == 201
            assert agent.get(f"{base}/", timeout=30).status_code == 200
            wait_for(lambda: len(answers) >= before_restart + 10, 30, "traffic after the restart")
        finally:
            stop.set()
            runner.join(timeout=60)

        statuses = {status for status, _type in answers}
        assert statuses <= {201, 503}, answers  # never a 500, never a dropped connection
        assert all(kind == "application/problem+json" for status, kind in answers if status == 503)
        assert {status for status, _type in answers[-5:]} == {201}
        # The worker's connection died with the server; its next task reconnects.
        assert check_deadlines_task.delay().get(timeout=60) is not None
        with psycopg2.connect(database.url("centre")) as check, check.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM complaints_complaint")
            created = cursor.fetchone()[0]
        assert created == sum(1 for status, _type in answers if status == 201) + 1
    finally:
        database.remove()
