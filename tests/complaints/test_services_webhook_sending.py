"""Sending webhooks to a real HTTP receiver on 127.0.0.1: signatures, retries, failures, SSRF."""

import datetime as dt
import json
import re
import socket
import time
from contextlib import contextmanager
from pathlib import Path

import pytest
import time_machine
import urllib3
from celery.contrib.testing.worker import start_worker
from django.utils import timezone

from complaints.enums import WebhookState
from complaints.errors import ApplicationError
from complaints.models import Notification, OutboundMessage, WebhookDelivery
from complaints.services.messaging import deliver_due_messages, queue_message
from complaints.services.webhooks import (
    create_subscription,
    deliver_due_webhooks,
    event_body,
    purge_old_deliveries,
    rotate_secret,
    sending,
    sign,
)
from config.celery import app
from tests.factories import make_complaint
from tests.webhook_receiver import Receiver, verify

pytestmark = pytest.mark.django_db

# The known-answer vector of docs/webhooks.md ("Verifying a delivery").
VECTOR_SECRET = "whsec_test-vector-do-not-use"
VECTOR_TIMESTAMP = 1767225600
VECTOR_BODY = (
    b'{"id":"0b6f1a8e-6c1f-4d7e-9b2a-3f5e8c9d1a2b","type":"webhook.ping",'
    b'"created_at":"2026-01-01T00:00:00Z","data":{"subscription":{"id":1,"name":"CRM"},'
    b'"requested_by":"admin"}}'
)
VECTOR_SIGNATURE = "c06d22651328dc9a8425bac55c1c35d8c3ff2101de4e3706c209d1f6eeba4b13"


def subscribe(url: str, *events: str, name: str = "CRM"):
    return create_subscription(
        name=name, url=url, events=list(events or ["complaint.created"]), by=None
    )


def free_port() -> int:
    """A port nobody listens on (bound, then released)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_the_signature_matches_the_documented_test_vector():
    assert sign(VECTOR_SECRET, VECTOR_TIMESTAMP, VECTOR_BODY) == VECTOR_SIGNATURE


def test_the_documented_python_check_accepts_the_vector_and_a_real_delivery(agent):
    docs = (Path(__file__).parents[2] / "docs" / "webhooks.md").read_text()
    snippet = re.search(r"```python\n(.*?)```", docs, re.DOTALL).group(1)
    namespace: dict = {}
    exec(snippet, namespace)  # noqa: S102 - our own documentation, run as a reader would
    documented_verify = namespace["verify"]
    headers = {
        "Webhook-Timestamp": str(VECTOR_TIMESTAMP),
        "Webhook-Signature": f"v1={VECTOR_SIGNATURE}",
    }
    with time_machine.travel(VECTOR_TIMESTAMP + 60):
        assert documented_verify(VECTOR_SECRET, headers, VECTOR_BODY)
        assert not documented_verify("whsec_other", headers, VECTOR_BODY)
    with time_machine.travel(VECTOR_TIMESTAMP + 301):
        assert not documented_verify(VECTOR_SECRET, headers, VECTOR_BODY)  # too old
    with Receiver() as receiver:
        _subscription, secret = subscribe(receiver.url)
        make_complaint(created_by=agent)
        deliver_due_webhooks()
    (request,) = receiver.requests
    assert documented_verify(secret, request["headers"], request["body"])


def test_a_real_receiver_verifies_the_signature_and_sees_the_retries(agent):
    with Receiver(statuses=[500, 500, 200]) as receiver:
        subscription, receiver.secret = subscribe(receiver.url)
        complaint = make_complaint(created_by=agent)
        delivery = WebhookDelivery.objects.get()

        assert deliver_due_webhooks() == {"sent": 0, "failed": 1, "more": False}
        delivery.refresh_from_db()
        assert (delivery.state, delivery.attempts, delivery.last_status) == ("pending", 1, 500)
        wait = delivery.next_attempt_at - timezone.now()
        assert dt.timedelta(seconds=59) < wait <= dt.timedelta(seconds=72)  # 1 min + jitter
        assert deliver_due_webhooks()["failed"] == 0  # not due yet: nothing sent

        with time_machine.travel(delivery.next_attempt_at + dt.timedelta(seconds=1)):
            deliver_due_webhooks()
            delivery.refresh_from_db()
            assert (delivery.attempts, delivery.last_status) == (2, 500)
            wait = delivery.next_attempt_at - timezone.now()
            assert dt.timedelta(seconds=119) < wait <= dt.timedelta(seconds=144)  # 2 min
        with time_machine.travel(delivery.next_attempt_at + dt.timedelta(seconds=1)):
            assert deliver_due_webhooks() == {"sent": 1, "failed": 0, "more": False}

    delivery.refresh_from_db()
    assert (delivery.state, delivery.attempts, delivery.last_status) == ("delivered", 3, 200)
    attempts = list(delivery.attempt_log.values_list("number", "status", "response_body"))
    assert attempts == [
        (1, 500, "answer 1: 500"),
        (2, 500, "answer 2: 500"),
        (3, 200, "answer 3: 200"),
    ]
    requests = receiver.requests
    assert len(requests) == 3 and all(request["verified"] for request in requests)
    assert {request["headers"]["Webhook-Id"] for request in requests} == {str(delivery.event_id)}
    assert {request["body"] for request in requests} == {event_body(delivery)}
    body = requests[0]["json"]
    assert body["id"] == str(delivery.event_id) and body["type"] == "complaint.created"
    assert body["data"]["complaint"]["reference"] == complaint.reference
    assert body["created_at"].endswith("Z")
    assert requests[0]["path"] == "/hooks"
    assert requests[0]["headers"]["Content-Type"] == "application/json"
    subscription.refresh_from_db()
    assert subscription.consecutive_failures == 0


def test_a_forged_tampered_or_stale_request_fails_the_documented_check(agent):
    with Receiver() as receiver:
        _subscription, secret = subscribe(receiver.url)
        receiver.secret = "whsec_someone-else"
        make_complaint(created_by=agent)
        deliver_due_webhooks()
    (request,) = receiver.requests
    headers, body = request["headers"], request["body"]
    assert request["verified"] is False  # signed with another secret
    assert verify(secret, headers, body)
    assert not verify(secret, headers, body.replace(b'"complaint.created"', b'"complaint.closed"'))
    stale = {**headers, "Webhook-Timestamp": str(int(headers["Webhook-Timestamp"]) - 301)}
    assert not verify(secret, stale, body)


def test_during_a_rotation_both_secrets_sign(agent, settings):
    settings.WEBHOOK_SECRET_OVERLAP_HOURS = 1
    with Receiver() as receiver:
        subscription, old = subscribe(receiver.url)
        subscription, new = rotate_secret(subscription, by=None)
        make_complaint(created_by=agent)
        deliver_due_webhooks()
        during = receiver.requests[0]
        assert len(during["headers"]["Webhook-Signature"].split()) == 2
        assert verify(old, during["headers"], during["body"])
        assert verify(new, during["headers"], during["body"])
        with time_machine.travel(timezone.now() + dt.timedelta(hours=2)):  # the window ended
            make_complaint(created_by=agent)
            deliver_due_webhooks()
            after = receiver.requests[1]
            assert len(after["headers"]["Webhook-Signature"].split()) == 1
            assert not verify(old, after["headers"], after["body"])
            assert verify(new, after["headers"], after["body"])


def test_after_n_failed_deliveries_in_a_row_the_subscription_is_disabled(
    agent, administrator, settings
):
    settings.WEBHOOK_MAX_ATTEMPTS = 1  # each failed attempt fails its delivery
    settings.WEBHOOK_DISABLE_AFTER_FAILURES = 3
    with Receiver(statuses=[500, 200, 500, 500, 500]) as receiver:
        subscription, receiver.secret = subscribe(receiver.url)
        for _n in range(5):
            make_complaint(created_by=agent)
        for expected in (1, 0, 1, 2):  # a success in between starts the count again
            deliver_due_webhooks(limit=1)
            subscription.refresh_from_db()
            assert subscription.consecutive_failures == expected
            assert subscription.is_active
        assert not Notification.objects.exists()
        deliver_due_webhooks(limit=1)
    subscription.refresh_from_db()
    assert not subscription.is_active and subscription.consecutive_failures == 3
    assert subscription.disabled_reason == "3 deliveries in a row failed."
    (notice,) = Notification.objects.all()
    assert notice.recipient == administrator and notice.kind == "webhook_disabled"
    assert "“CRM” was disabled" in notice.message
    states = list(WebhookDelivery.objects.order_by("id").values_list("state", flat=True))
    assert states == ["failed", "delivered", "failed", "failed", "failed"]
    make_complaint(created_by=agent)  # a disabled subscription gets no new deliveries
    assert WebhookDelivery.objects.count() == 5 and len(receiver.requests) == 5


def test_redirects_are_not_followed_and_count_as_failures(agent):
    with Receiver(statuses=[302]) as receiver:
        subscription, receiver.secret = subscribe(receiver.url)
        make_complaint(created_by=agent)
        assert deliver_due_webhooks()["failed"] == 1
    assert len(receiver.requests) == 1
    delivery = WebhookDelivery.objects.get()
    assert (delivery.state, delivery.last_status, delivery.last_error) == (
        "pending",
        302,
        "HTTP 302",
    )


def test_network_errors_and_timeouts_are_logged_per_attempt(agent, monkeypatch):
    subscribe(f"http://127.0.0.1:{free_port()}/hooks", name="nobody listens")
    make_complaint(created_by=agent)
    deliver_due_webhooks()
    attempt = WebhookDelivery.objects.get().attempt_log.get()
    assert attempt.status is None and not attempt.succeeded
    assert attempt.error.startswith("Could not connect: ") and "Connection refused" in attempt.error
    assert "object at" not in attempt.error

    monkeypatch.setattr(sending, "TIMEOUT", urllib3.Timeout(connect=1, read=0.3))
    with Receiver(delay=1) as slow:
        subscription, _secret = subscribe(slow.url, name="slow")
        make_complaint(created_by=agent)
        started = time.monotonic()
        deliver_due_webhooks()
        assert time.monotonic() - started < 1
    attempt = WebhookDelivery.objects.get(subscription=subscription).attempt_log.get()
    assert attempt.error == "Read timeout" and attempt.duration_ms < 1000


def test_one_dead_receiver_does_not_hold_up_the_others(agent):
    subscribe(f"http://127.0.0.1:{free_port()}/hooks", name="dead")
    with Receiver() as live:
        subscription, live.secret = subscribe(live.url, name="live")
        for _n in range(3):
            make_complaint(created_by=agent)
        result = deliver_due_webhooks()
    assert result == {"sent": 3, "failed": 1, "more": False}
    assert len(live.requests) == 3 and all(request["verified"] for request in live.requests)
    dead = WebhookDelivery.objects.exclude(subscription=subscription)
    assert sorted(dead.values_list("attempts", flat=True)) == [0, 0, 1]


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1/hooks",
        "http://localhost:8080/hooks",
        "http://10.1.2.3/hooks",
        "http://192.168.1.10/hooks",
        "http://172.16.0.1/hooks",
        "http://100.64.0.1/hooks",
        "http://169.254.169.254/latest/meta-data/",
        "http://[::1]/hooks",
        "http://[::ffff:127.0.0.1]/hooks",
        "http://[fe80::1]/hooks",
        "http://0.0.0.0/hooks",
    ],
)
def test_private_addresses_are_refused_unless_allowed(url, settings):
    settings.WEBHOOK_ALLOW_PRIVATE_URLS = False
    with pytest.raises(ApplicationError) as refused:
        subscribe(url)
    assert refused.value.details["url"][0].endswith("webhooks go to public addresses only.")


def test_a_public_address_is_accepted_without_the_setting(settings):
    settings.WEBHOOK_ALLOW_PRIVATE_URLS = False
    subscription, _secret = subscribe("https://93.184.216.34/hooks?source=complaints")
    assert subscription.url == "https://93.184.216.34/hooks?source=complaints"


def test_the_address_rule_is_checked_again_before_each_request(agent, settings):
    with Receiver() as receiver:
        subscribe(receiver.url)  # allowed when saved
        settings.WEBHOOK_ALLOW_PRIVATE_URLS = False
        make_complaint(created_by=agent)
        assert deliver_due_webhooks()["failed"] == 1
    assert receiver.requests == []
    attempt = WebhookDelivery.objects.get().attempt_log.get()
    assert "private, loopback or link-local" in attempt.error


@contextmanager
def broker_down():
    """Point the Celery app at a port where no Redis listens, as if Redis had stopped."""
    saved = app.conf.broker_url
    app.conf.broker_url = f"redis://127.0.0.1:{free_port()}/0"
    app._after_fork()  # Celery's own reset: drop pooled broker connections
    try:
        yield
    finally:
        app.conf.broker_url = saved
        app._after_fork()


def test_with_the_broker_down_the_change_commits_and_the_sweep_sends_later(
    agent, django_capture_on_commit_callbacks, caplog
):
    with Receiver() as receiver:
        subscription, receiver.secret = subscribe(receiver.url)
        with broker_down(), django_capture_on_commit_callbacks(execute=True):
            started = time.monotonic()
            complaint = make_complaint(created_by=agent)
            queue_message(channel="sms", recipient="+8613812345678", body="Hello", urgent=True)
        assert time.monotonic() - started < 5  # the 20 s result-backend retry is avoided
        assert "Could not queue complaints.tasks.send_webhooks_task" in caplog.text
        assert "Could not queue complaints.tasks.send_outbox_task" in caplog.text
        delivery = WebhookDelivery.objects.get()
        assert delivery.state == WebhookState.PENDING
        assert OutboundMessage.objects.get().state == "pending"
        # Redis is back: the once-a-minute sweeps find both.
        assert deliver_due_webhooks()["sent"] == 1
        assert deliver_due_messages()["sent"] == 1
    assert receiver.requests[0]["json"]["data"]["complaint"]["id"] == complaint.pk


@pytest.mark.django_db(transaction=True)
def test_a_real_worker_sends_a_delivery_queued_on_commit(reference_data, agent):
    with (
        Receiver() as receiver,
        start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=10),
    ):
        subscription, receiver.secret = subscribe(receiver.url)
        complaint = make_complaint(created_by=agent)  # commits: the task is queued
        (request,) = receiver.wait_for(1)
        deadline = time.monotonic() + 10
        while WebhookDelivery.objects.get().state != "delivered" and time.monotonic() < deadline:
            time.sleep(0.1)
    assert request["verified"]
    assert json.loads(request["body"])["data"]["complaint"]["reference"] == complaint.reference
    assert WebhookDelivery.objects.get().state == WebhookState.DELIVERED


def test_finished_deliveries_are_purged_after_the_retention_window(agent, settings):
    settings.WEBHOOK_RETENTION_DAYS = 30
    subscribe("http://127.0.0.1:9/hooks")
    with time_machine.travel(timezone.now() - dt.timedelta(days=31)):
        make_complaint(created_by=agent)
        make_complaint(created_by=agent)
    make_complaint(created_by=agent)
    old_delivered, old_pending, recent = WebhookDelivery.objects.order_by("id")
    WebhookDelivery.objects.filter(pk=old_delivered.pk).update(state=WebhookState.DELIVERED)
    assert purge_old_deliveries() == 1
    assert set(WebhookDelivery.objects.values_list("pk", flat=True)) == {
        old_pending.pk,  # never lost: still to be sent
        recent.pk,
    }


def test_the_sender_and_the_purge_are_scheduled_from_the_database():
    from django_celery_beat.models import PeriodicTask

    sweep = PeriodicTask.objects.get(task="complaints.tasks.send_webhooks_task")
    assert sweep.enabled and sweep.interval.every == 60
    purge = PeriodicTask.objects.get(task="complaints.tasks.purge_webhook_deliveries_task")
    assert purge.enabled and (purge.crontab.hour, purge.crontab.minute) == ("4", "30")
