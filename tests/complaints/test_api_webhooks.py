"""The webhooks API: administrators only, the webhooks:manage scope, secrets shown once."""

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from complaints import services
from complaints.models import WebhookDelivery, WebhookSubscription
from complaints.services import issue_api_token
from complaints.services.webhooks import create_subscription, deliver_due_webhooks
from tests.factories import UserFactory, make_complaint
from tests.webhook_receiver import Receiver

pytestmark = pytest.mark.django_db

SUBSCRIPTIONS = "/api/v1/webhooks/subscriptions/"
DELIVERIES = "/api/v1/webhooks/deliveries/"
# Session, user, two permission look-ups, then one query for the page (cursor, joined)...
DELIVERY_LIST_QUERIES = 5
# ...or two (page numbers count the rows first), or the delivery and its attempts.
SUBSCRIPTION_LIST_QUERIES = 6
DELIVERY_DETAIL_QUERIES = 6


def client_for(user) -> APIClient:
    client = APIClient()
    client.force_login(user)
    return client


def token_client(user, *scopes: str) -> APIClient:
    _token, raw = issue_api_token(name="CRM", user=user, scopes=list(scopes))
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    return client


def assert_problem(response, status: int, code: str) -> dict:
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith("application/problem+json")
    body = response.json()
    assert body["code"] == code
    return body


def subscribe(name="CRM", url="http://127.0.0.1:9/hooks", events=("complaint.created",)):
    subscription, _secret = create_subscription(name=name, url=url, events=list(events), by=None)
    return subscription


def test_an_administrator_subscribes_and_sees_the_secret_once(administrator):
    client = client_for(administrator)
    response = client.post(
        SUBSCRIPTIONS,
        {
            "name": "CRM",
            "url": "http://127.0.0.1:8080/hooks",
            "events": ["complaint.created", "sla.breached"],
        },
    )
    assert response.status_code == 201, response.content
    body = response.json()
    subscription = WebhookSubscription.objects.get()
    assert response["Location"] == reverse(
        "api-v1:webhooksubscription-detail", args=[subscription.pk]
    )
    assert body["secret"] == subscription.secret and body["secret"].startswith("whsec_")
    assert body["secret_hint"] == subscription.secret[:10] + "…"
    assert body["events"] == ["complaint.created", "sla.breached"]
    assert body["include_contact_details"] is False and body["is_active"] is True
    assert subscription.created_by == administrator
    shown_again = client.get(f"{SUBSCRIPTIONS}{subscription.pk}/").json()
    assert "secret" not in shown_again and shown_again["secret_hint"] == body["secret_hint"]
    listed = client.get(SUBSCRIPTIONS).json()["results"]
    assert [row["id"] for row in listed] == [subscription.pk] and "secret" not in listed[0]


def test_bad_subscriptions_are_refused_per_field(administrator, settings):
    client = client_for(administrator)
    body = assert_problem(
        client.post(SUBSCRIPTIONS, {"name": "", "url": "x", "events": ["complaint.deleted"]}),
        400,
        "invalid",
    )
    assert set(body["errors"]) == {"name", "events"}
    settings.WEBHOOK_ALLOW_PRIVATE_URLS = False
    body = assert_problem(
        client.post(
            SUBSCRIPTIONS,
            {"name": "CRM", "url": "http://10.0.0.5/hooks", "events": ["complaint.created"]},
        ),
        400,
        "invalid",
    )
    assert "public addresses only" in body["errors"]["url"][0]
    assert not WebhookSubscription.objects.exists()


def test_patch_disables_re_enables_and_edits(administrator):
    subscription = subscribe()
    subscription.consecutive_failures = 4
    subscription.save(update_fields=["consecutive_failures"])
    client = client_for(administrator)
    url = f"{SUBSCRIPTIONS}{subscription.pk}/"
    body = client.patch(url, {"is_active": False}).json()
    assert body["is_active"] is False and body["disabled_reason"].startswith("Disabled by")
    body = client.patch(url, {"is_active": True, "events": ["complaint.closed"]}).json()
    assert body["is_active"] is True and body["consecutive_failures"] == 0
    assert body["events"] == ["complaint.closed"] and body["disabled_at"] is None
    assert_problem(client.patch(url, {"url": "gopher://127.0.0.1/"}), 400, "invalid")


def test_rotating_answers_the_new_secret_once(administrator):
    subscription = subscribe()
    old = subscription.secret
    response = client_for(administrator).post(f"{SUBSCRIPTIONS}{subscription.pk}/rotate-secret/")
    assert response.status_code == 200
    body = response.json()
    subscription.refresh_from_db()
    assert body["secret"] == subscription.secret != old
    assert subscription.previous_secret == old and body["previous_secret_expires_at"]


def test_ping_and_redeliver_reach_a_real_receiver(administrator):
    client = client_for(administrator)
    with Receiver() as receiver:
        subscription = subscribe(url=receiver.url)
        receiver.secret = subscription.secret
        response = client.post(f"{SUBSCRIPTIONS}{subscription.pk}/ping/")
        assert response.status_code == 201, response.content
        ping = response.json()
        assert ping["event_type"] == "webhook.ping" and ping["state"] == "pending"
        deliver_due_webhooks()
        again = client.post(f"{DELIVERIES}{ping['id']}/redeliver/")
        assert again.status_code == 201
        assert again.json()["event_id"] == ping["event_id"]
        assert again.json()["redelivery_of"] == ping["id"]
        deliver_due_webhooks()
    first, second = receiver.requests
    assert first["verified"] and second["verified"] and first["body"] == second["body"]
    assert first["json"]["data"]["requested_by"] == "admin"
    detail = client.get(f"{DELIVERIES}{ping['id']}/").json()
    assert detail["state"] == "delivered"
    assert detail["payload"] == {
        "subscription": {"id": subscription.pk, "name": "CRM"},
        "requested_by": "admin",
    }
    (attempt,) = detail["attempt_log"]
    assert attempt["number"] == 1 and attempt["status"] == 200 and attempt["succeeded"]
    assert attempt["response_body"] == "answer 1: 200" and attempt["duration_ms"] >= 0


def test_a_disabled_subscription_is_neither_pinged_nor_redelivered(administrator):
    subscription = subscribe()
    delivery = WebhookDelivery.objects.create(
        subscription=subscription, event_type="webhook.ping", next_attempt_at="2026-01-01T00:00Z"
    )
    client = client_for(administrator)
    client.patch(f"{SUBSCRIPTIONS}{subscription.pk}/", {"is_active": False})
    assert_problem(
        client.post(f"{SUBSCRIPTIONS}{subscription.pk}/ping/"), 409, "subscription_disabled"
    )
    assert_problem(
        client.post(f"{DELIVERIES}{delivery.pk}/redeliver/"), 409, "subscription_disabled"
    )


def test_delete_removes_the_subscription_and_its_deliveries(administrator, agent):
    subscription = subscribe()
    make_complaint(created_by=agent)
    response = client_for(administrator).delete(f"{SUBSCRIPTIONS}{subscription.pk}/")
    assert response.status_code == 204
    assert not WebhookSubscription.objects.exists() and not WebhookDelivery.objects.exists()


@pytest.mark.parametrize("rows", [3, 30])
def test_the_delivery_list_costs_the_same_for_3_or_30_rows(
    administrator, agent, rows, django_assert_max_num_queries
):
    crm = subscribe("CRM", events=["complaint.created"])
    bi = subscribe("BI", events=["complaint.created"])
    for _n in range(rows):
        make_complaint(created_by=agent)
    client = client_for(administrator)
    with django_assert_max_num_queries(DELIVERY_LIST_QUERIES):
        response = client.get(DELIVERIES, {"subscription": crm.pk})
    results = response.json()["results"]
    assert len(results) == rows and {row["subscription"] for row in results} == {crm.pk}
    assert [row["id"] for row in results] == sorted((row["id"] for row in results), reverse=True)
    assert "payload" not in results[0]
    with django_assert_max_num_queries(SUBSCRIPTION_LIST_QUERIES):
        names = [row["name"] for row in client.get(SUBSCRIPTIONS).json()["results"]]
    assert names == ["BI", "CRM"] and bi.pk


def test_a_delivery_s_detail_costs_the_same_however_many_attempts(
    administrator, agent, settings, django_assert_max_num_queries
):
    settings.WEBHOOK_MAX_ATTEMPTS = 3
    with Receiver(statuses=[500]) as receiver:
        subscription = subscribe(url=receiver.url)
        make_complaint(created_by=agent)
        delivery = WebhookDelivery.objects.get()
        for _n in range(3):
            WebhookDelivery.objects.filter(pk=delivery.pk).update(
                next_attempt_at="2000-01-01T00:00Z"
            )
            deliver_due_webhooks()
    client = client_for(administrator)
    with django_assert_max_num_queries(DELIVERY_DETAIL_QUERIES):
        body = client.get(f"{DELIVERIES}{delivery.pk}/").json()
    assert body["state"] == "failed" and body["subscription"] == subscription.pk
    assert [attempt["status"] for attempt in body["attempt_log"]] == [500, 500, 500]


def test_deliveries_filter_by_state_event_and_event_id(administrator, agent):
    subscription = subscribe(events=["complaint.created", "complaint.updated"])
    complaint = make_complaint(created_by=agent)
    services.update_complaint(complaint, changes={"emotion": "angry"}, by=agent)
    created = WebhookDelivery.objects.get(event_type="complaint.created")
    created.state = "failed"
    created.save(update_fields=["state"])
    client = client_for(administrator)

    def ids(**params):
        response = client.get(DELIVERIES, params)
        assert response.status_code == 200, response.content
        return [row["id"] for row in response.json()["results"]]

    assert ids(state="failed") == [created.pk]
    assert len(ids(event_type="complaint.updated")) == 1
    assert ids(event_id=str(created.event_id)) == [created.pk]
    assert ids(subscription=subscription.pk + 1) == []
    assert_problem(client.get(DELIVERIES, {"state": "lost"}), 400, "invalid")


def test_only_administrators_manage_webhooks(agent, supervisor, department_user):
    subscription = subscribe()
    for user in (agent, supervisor, department_user):
        client = client_for(user)
        assert_problem(client.get(SUBSCRIPTIONS), 403, "permission_denied")
        assert_problem(client.get(DELIVERIES), 403, "permission_denied")
        assert_problem(
            client.post(f"{SUBSCRIPTIONS}{subscription.pk}/ping/"), 403, "permission_denied"
        )
    assert_problem(APIClient().get(SUBSCRIPTIONS), 401, "not_authenticated")


def test_a_token_needs_the_webhooks_scope_and_an_administrator_behind_it(administrator):
    subscribe()
    assert token_client(administrator, "webhooks:manage").get(SUBSCRIPTIONS).status_code == 200
    created = token_client(administrator, "webhooks:manage").post(
        SUBSCRIPTIONS,
        {"name": "BI", "url": "http://127.0.0.1:9/bi", "events": ["sla.warning"]},
    )
    assert created.status_code == 201 and created.json()["secret"]
    everything_else = [
        "complaints:read",
        "complaints:write",
        "callbacks:read",
        "callbacks:write",
        "reports:read",
    ]
    assert_problem(
        token_client(administrator, *everything_else).get(SUBSCRIPTIONS), 403, "permission_denied"
    )
    agent_account = UserFactory(username="crm-bot", role="Agent")
    assert_problem(
        token_client(agent_account, "webhooks:manage").get(DELIVERIES), 403, "permission_denied"
    )
