"""The Webhooks pages: administrators manage subscriptions and follow deliveries."""

import re

import pytest
from django.urls import reverse

from complaints.models import WebhookDelivery, WebhookSubscription
from complaints.services.webhooks import create_subscription, deliver_due_webhooks
from tests.factories import make_complaint
from tests.webhook_receiver import Receiver

pytestmark = pytest.mark.django_db

# Session, user, permissions (twice), roles and unread count for the navigation, then
# the page's own: the subscriptions (one query, counts by subquery), or one and its deliveries.
LIST_PAGE_QUERIES = 7
DETAIL_PAGE_QUERIES = 8
DELIVERY_PAGE_QUERIES = 8  # the delivery with its subscription, and its attempts


def subscribe(name="CRM", url="http://127.0.0.1:9/hooks", events=("complaint.created",)):
    subscription, _secret = create_subscription(name=name, url=url, events=list(events), by=None)
    return subscription


def secret_on(page: str) -> str:
    return re.search(r'data-testid="webhook-secret">([^<]+)<', page).group(1)


def test_only_administrators_see_the_section(client, supervisor, administrator):
    client.force_login(supervisor)
    assert client.get(reverse("complaints:webhooks")).status_code == 403
    assert client.get(reverse("complaints:webhook_new")).status_code == 403
    assert reverse("complaints:webhooks") not in client.get("/").content.decode()
    client.force_login(administrator)
    page = client.get(reverse("complaints:webhooks"))
    assert page.status_code == 200 and "No subscriptions yet." in page.content.decode()


def test_creating_shows_errors_beside_the_fields_then_the_secret_once(
    client, administrator, settings
):
    client.force_login(administrator)
    url = reverse("complaints:webhook_new")
    settings.WEBHOOK_ALLOW_PRIVATE_URLS = False
    bad = client.post(url, {"name": "CRM", "url": "http://192.168.1.20/hooks"})
    assert bad.status_code == 400
    page = bad.content.decode()
    assert re.search(
        r'name="url"[^>]*class="form-control is-invalid"|is-invalid[^>]*name="url"', page
    )
    assert "public addresses only" in page and "This field is required." in page
    settings.WEBHOOK_ALLOW_PRIVATE_URLS = True
    good = client.post(
        url,
        {
            "name": "CRM",
            "url": "http://127.0.0.1:8080/hooks",
            "events": ["complaint.created", "survey.answered"],
            "include_contact_details": "on",
        },
    )
    assert good.status_code == 200
    subscription = WebhookSubscription.objects.get()
    assert secret_on(good.content.decode()) == subscription.secret
    assert subscription.events == ["complaint.created", "survey.answered"]
    assert subscription.include_contact_details and subscription.created_by == administrator
    detail = client.get(reverse("complaints:webhook", args=[subscription.pk])).content.decode()
    assert subscription.secret not in detail and subscription.secret_hint in detail


def test_editing_keeps_the_secret_and_changes_the_events(client, administrator):
    subscription = subscribe()
    client.force_login(administrator)
    url = reverse("complaints:webhook_edit", args=[subscription.pk])
    form = client.get(url).content.decode()
    assert 'value="complaint.created"' in form and "checked" in form
    response = client.post(
        url, {"name": "CRM 2", "url": subscription.url, "events": ["complaint.closed"]}
    )
    assert response.status_code == 302
    updated = WebhookSubscription.objects.get()
    assert (updated.name, updated.events) == ("CRM 2", ["complaint.closed"])
    assert updated.secret == subscription.secret


def test_ping_shows_the_delivery_and_its_attempts(
    client, administrator, django_assert_max_num_queries
):
    client.force_login(administrator)
    with Receiver() as receiver:
        subscription = subscribe(url=receiver.url)
        receiver.secret = subscription.secret
        response = client.post(reverse("complaints:webhook_action", args=[subscription.pk, "ping"]))
        delivery = WebhookDelivery.objects.get()
        assert response.url == reverse("complaints:webhook_delivery", args=[delivery.pk])
        deliver_due_webhooks()
    assert receiver.requests[0]["verified"]
    with django_assert_max_num_queries(DELIVERY_PAGE_QUERIES):
        page = client.get(response.url).content.decode()
    assert "webhook.ping" in page and "HTTP 200" in page and "answer 1: 200" in page
    assert "&quot;requested_by&quot;: &quot;admin&quot;" in page
    again = client.post(response.url)
    redelivered = WebhookDelivery.objects.exclude(pk=delivery.pk).get()
    assert again.url == reverse("complaints:webhook_delivery", args=[redelivered.pk])
    assert redelivered.event_id == delivery.event_id


def test_disable_enable_rotate_and_delete(client, administrator):
    subscription = subscribe()
    client.force_login(administrator)

    def act(action: str):
        return client.post(reverse("complaints:webhook_action", args=[subscription.pk, action]))

    act("disable")
    subscription.refresh_from_db()
    assert not subscription.is_active
    detail = client.get(reverse("complaints:webhook", args=[subscription.pk])).content.decode()
    assert "disabled" in detail and "Send test ping" not in detail
    refused = act("ping")
    assert refused.status_code == 302 and not WebhookDelivery.objects.exists()
    act("enable")
    subscription.refresh_from_db()
    assert subscription.is_active
    rotated = act("rotate")
    subscription.refresh_from_db()
    assert secret_on(rotated.content.decode()) == subscription.secret
    assert "signed with the previous secret too" in rotated.content.decode()
    assert act("explode").status_code == 404
    deleted = act("delete")
    assert deleted.url == reverse("complaints:webhooks")
    assert not WebhookSubscription.objects.exists()


@pytest.mark.parametrize("rows", [2, 20])
def test_the_pages_cost_the_same_for_2_or_20_rows(
    client, administrator, agent, rows, django_assert_max_num_queries
):
    subscriptions = [subscribe(name=f"Sub {n}") for n in range(rows)]
    for _n in range(rows):
        make_complaint(created_by=agent)
    client.force_login(administrator)
    with django_assert_max_num_queries(LIST_PAGE_QUERIES):
        page = client.get(reverse("complaints:webhooks")).content.decode()
    assert page.count('<td><a href="/webhooks/') == rows
    with django_assert_max_num_queries(DETAIL_PAGE_QUERIES):
        page = client.get(reverse("complaints:webhook", args=[subscriptions[0].pk]))
    assert page.content.decode().count("complaint.created</code></a>") == rows
