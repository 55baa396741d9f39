"""The webhooks API in the OpenAPI schema: every endpoint described, warning-free, enums pinned."""

import pytest

from tests.openapi import assert_described

pytestmark = pytest.mark.django_db

ENDPOINTS = {
    "/api/v1/webhooks/subscriptions/": {"get", "post"},
    "/api/v1/webhooks/subscriptions/{id}/": {"get", "patch", "delete"},
    "/api/v1/webhooks/subscriptions/{id}/rotate-secret/": {"post"},
    "/api/v1/webhooks/subscriptions/{id}/ping/": {"post"},
    "/api/v1/webhooks/deliveries/": {"get"},
    "/api/v1/webhooks/deliveries/{id}/": {"get"},
    "/api/v1/webhooks/deliveries/{id}/redeliver/": {"post"},
}
BODILESS = {
    "/api/v1/webhooks/subscriptions/{id}/rotate-secret/",
    "/api/v1/webhooks/subscriptions/{id}/ping/",
    "/api/v1/webhooks/deliveries/{id}/redeliver/",
}
EVENT_TYPES = {
    "complaint.created",
    "complaint.updated",
    "complaint.resolved",
    "complaint.closed",
    "complaint.reopened",
    "sla.warning",
    "sla.breached",
    "workorder.dispatched",
    "workorder.answered",
    "callback.created",
    "callback.completed",
    "survey.answered",
    "repair.opened",
    "repair.closed",
    "key_event.imported",
}


def test_every_webhook_endpoint_is_described_with_bodies_and_problems(schema):
    assert_described(schema, ENDPOINTS, bodiless=BODILESS)


def test_the_secret_is_only_in_the_answers_that_show_it_once(schema):
    components = schema["components"]["schemas"]
    assert "secret" not in components["WebhookSubscription"]["properties"]
    assert "secret" in components["WebhookSubscriptionSecret"]["properties"]
    created = schema["paths"]["/api/v1/webhooks/subscriptions/"]["post"]["responses"]["201"]
    assert created["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/WebhookSubscriptionSecret"
    }


def test_event_types_and_states_are_enums_with_stable_names(schema):
    components = schema["components"]["schemas"]
    events = components["WebhookSubscriptionInputRequest"]["properties"]["events"]
    assert events["items"]["allOf"] == [{"$ref": "#/components/schemas/WebhookEventTypeEnum"}]
    assert set(components["WebhookEventTypeEnum"]["enum"]) == EVENT_TYPES  # surveys', repair's
    state = components["WebhookDelivery"]["properties"]["state"]
    assert state["allOf"] == [{"$ref": "#/components/schemas/WebhookDeliveryStateEnum"}]
    assert components["WebhookDeliveryStateEnum"]["enum"] == ["pending", "delivered", "failed"]
    parameters = {
        parameter["name"]
        for parameter in schema["paths"]["/api/v1/webhooks/deliveries/"]["get"]["parameters"]
    }
    assert {"subscription", "state", "event_type", "event_id", "cursor"} <= parameters
