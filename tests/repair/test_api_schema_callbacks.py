"""The callbacks API in the OpenAPI schema: every endpoint described, warning-free."""

import pytest

from tests.openapi import assert_described

pytestmark = pytest.mark.django_db

ENDPOINTS = {
    "/api/v1/callbacks/": {"get", "post"},
    "/api/v1/callbacks/{id}/": {"get"},
    "/api/v1/callbacks/{id}/attempts/": {"post"},
    "/api/v1/callbacks/{id}/claim/": {"post"},
    "/api/v1/callbacks/{id}/cancel/": {"post"},
    "/api/v1/callbacks/lookup/": {"get"},
    "/api/v1/callbacks/report/": {"get"},
    "/api/v1/callbacks/availability/": {"post"},
}
BODILESS = {"/api/v1/callbacks/{id}/claim/"}


def test_every_callback_endpoint_is_described_with_bodies_and_problems(schema):
    assert_described(schema, ENDPOINTS, bodiless=BODILESS)


def test_booking_answers_201_or_200_when_joined(schema):
    responses = schema["paths"]["/api/v1/callbacks/"]["post"]["responses"]
    assert {"200", "201", "400"} <= set(responses)
    assert "Location" in responses["201"]["headers"]


def test_filters_queries_and_enums_are_documented(schema):
    def names(path: str) -> set[str]:
        return {parameter["name"] for parameter in schema["paths"][path]["get"]["parameters"]}

    assert {"state", "source", "assignee", "phone", "due_before", "due_after", "cursor"} <= names(
        "/api/v1/callbacks/"
    )
    assert {"requested_after", "requested_before"} <= names("/api/v1/callbacks/")
    assert names("/api/v1/callbacks/lookup/") == {"phone"}
    assert names("/api/v1/callbacks/report/") == {"since", "until"}
    components = schema["components"]["schemas"]
    assert set(components["CallbackStateEnum"]["enum"]) == {
        "pending",
        "assigned",
        "in_progress",
        "completed",
        "unreachable",
        "cancelled",
    }
    assert "CallbackAttemptOutcomeEnum" in components
