"""Scale-out on one machine: two web nodes, two workers on different queues and one beat,
under a short load, answer every request with 2xx and write no event twice.

The nodes are two gunicorn servers sharing PostgreSQL and Redis. Four clients make complaints
through the API (token, Idempotency-Key) on both nodes in turn and read the list, for
``LOAD_SECONDS``, while the beat sends the SLA check every second and the workers mark the
breaches of complaints that fell due before the load started.
"""

import datetime as dt
import threading
import time
import uuid
from collections import Counter

import pytest
import requests
from django.db.models import Count
from django.utils import timezone

from complaints.enums import EventKind
from complaints.models import Complaint, ComplaintEvent, Notification
from complaints.services.tokens import issue_api_token
from config.celery import app
from tests.factories import UserFactory, make_complaint
from tests.faults.processes import django_env, free_port, wait_for
from tests.ops.cluster import (
    launch_beat,
    launch_gunicorn,
    launch_worker,
    only_schedule,
    wait_ready,
)

pytestmark = pytest.mark.faults

DUE_BEFORE = 30  # complaints past due when the load starts: the beat's checks breach them
CLIENTS = 4
LOAD_SECONDS = 15


def _answers(port: int) -> bool:
    try:
        return requests.get(f"http://127.0.0.1:{port}/healthz", timeout=2).ok
    except requests.RequestException:
        return False


def _client(bases: list[str], token: str, stop: threading.Event, statuses: Counter) -> None:
    """Intake on each node in turn, with a list read every third request."""
    session = requests.Session()
    session.headers["Authorization"] = f"Bearer {token}"
    number = 0
    while not stop.is_set():
        base = bases[number % len(bases)]
        if number % 3 == 2:
            response = session.get(f"{base}/api/v1/complaints/?state=new", timeout=30)
            statuses[("list", response.status_code)] += 1
        else:
            response = session.post(
                f"{base}/api/v1/complaints/",
                json={
                    "phone": f"139{uuid.uuid4().int % 10**8:08d}",
                    "channel": "phone",
                    "description": "宽带晚上经常断线，希望尽快上门检修",
                },
                headers={"Idempotency-Key": str(uuid.uuid4())},
                timeout=30,
            )
            statuses[("intake", response.status_code)] += 1
        number += 1


@pytest.mark.django_db(transaction=True)
def test_two_web_nodes_two_workers_and_a_beat_under_load(
    reference_data,
    team,
    processes,
    tmp_path,
):
    app.control.purge()
    only_schedule("SLA deadline check", seconds=1)
    agent = UserFactory(username="agent", team=team, role="Agent")
    UserFactory(username="boss", team=team, role="Supervisor")
    ivr = UserFactory(username="ivr", team=team, role="Agent")
    token = issue_api_token(
        name="IVR",
        user=ivr,
        scopes=["complaints:read", "complaints:write"],
        rate_limit="1000000/min",  # the test measures the product, not the rate limit
    )[1]
    for number in range(DUE_BEFORE):
        make_complaint(team=team, assignee=agent, description=f"掉线 {number}")
    past = timezone.now() - dt.timedelta(minutes=5)
    Complaint.objects.update(resolution_warn_at=past, resolution_due_at=past)

    env = django_env()
    ports = [free_port(), free_port()]
    servers = [launch_gunicorn(port, env=env, log_dir=tmp_path) for port in ports]
    workers = [
        launch_worker("sla-default", env=env, log_dir=tmp_path, queues="sla,default"),
        launch_worker("notify-bulk", env=env, log_dir=tmp_path, queues="notify,bulk"),
    ]
    processes.extend([*servers, *workers])
    for worker in workers:
        wait_ready(worker)
    for port, server in zip(ports, servers, strict=True):
        wait_for(lambda p=port, s=server: _answers(p) or not s.alive(), 90, f"web on {port}")
        assert server.alive(), server.log()
    processes.append(launch_beat("beat", env=env, log_dir=tmp_path))

    statuses: Counter = Counter()
    stop = threading.Event()
    bases = [f"http://127.0.0.1:{port}" for port in ports]
    clients = [
        threading.Thread(
            target=_client, args=(bases[n % 2 :] + bases[: n % 2], token, stop, statuses)
        )
        for n in range(CLIENTS)
    ]
    for client in clients:
        client.start()
    time.sleep(LOAD_SECONDS)
    stop.set()
    for client in clients:
        client.join(timeout=40)

    failures = {key: times for key, times in statuses.items() if not 200 <= key[1] < 300}
    assert failures == {}, (failures, servers[0].log(), servers[1].log())
    made = statuses[("intake", 201)]
    assert made >= 20 and statuses[("list", 200)] >= 10, statuses
    wait_for(
        lambda: (
            not Complaint.objects.filter(resolution_breached_at__isnull=True)
            .filter(resolution_due_at__lte=timezone.now())
            .exists()
        ),
        30,
        "the beat's checks to breach the complaints that were due",
    )
    for process in reversed(processes):
        process.stop()

    assert Complaint.objects.count() == DUE_BEFORE + made
    created = ComplaintEvent.objects.filter(kind=EventKind.CREATED)
    assert created.count() == DUE_BEFORE + made
    assert created.values("complaint").distinct().count() == DUE_BEFORE + made
    for kind in (EventKind.SLA_WARNED, EventKind.SLA_BREACHED):
        per_clock = (
            ComplaintEvent.objects.filter(kind=kind)
            .values("complaint", "after__clock")
            .annotate(times=Count("id"))
        )
        assert len(per_clock) >= DUE_BEFORE, kind
        assert {row["times"] for row in per_clock} == {1}, kind
    duplicates = (
        Notification.objects.values("recipient", "complaint", "kind", "message")
        .annotate(times=Count("id"))
        .filter(times__gt=1)
    )
    assert list(duplicates) == []
