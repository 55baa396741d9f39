"""The webhooks API in the OpenAPI schema: every endpoint described, warning-free, enums pinned."""

import pytest
import yaml
from django.core.management import call_command
from drf_spectacular.drainage import GENERATOR_STATS

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


@pytest.fixture(scope="module")
def schema(tmp_path_factory, django_db_blocker) -> dict:
    """``manage.py spectacular --validate --fail-on-warn``: any warning fails the command."""
    GENERATOR_STATS.reset()
    target = tmp_path_factory.mktemp("schema") / "schema.yml"
    with django_db_blocker.unblock():
        call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(target))
    return yaml.safe_load(target.read_text())


def test_every_webhook_endpoint_is_described_with_bodies_and_problems(schema):
    paths = schema["paths"]
    for path, methods in ENDPOINTS.items():
        assert path in paths, path
        assert {method for method in paths[path] if method != "parameters"} == methods, path
        for method in methods:
            operation = paths[path][method]
            assert operation.get("summary"), (path, method)
            assert any(code.startswith("2") for code in operation["responses"]), (path, method)
            if method in {"post", "patch"}:
                assert ("requestBody" in operation) == (path not in BODILESS), (path, method)
            assert "application/problem+json" in str(operation["responses"]), (path, method)


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
