"""The OpenAPI schema: valid, free of drf-spectacular warnings, and describing every endpoint."""

import pytest
import yaml
from django.core.management import call_command
from drf_spectacular.drainage import GENERATOR_STATS

pytestmark = pytest.mark.django_db

ENDPOINTS = {
    "/api/v1/customers/": {"get", "post"},
    "/api/v1/customers/{id}/": {"get"},
    "/api/v1/complaints/": {"get", "post"},
    "/api/v1/complaints/{id}/": {"get", "patch"},
    **{
        f"/api/v1/complaints/{{id}}/{action}/": {"post"}
        for action in (
            "assign",
            "start",
            "dispatch",
            "wait",
            "resume",
            "resolve",
            "confirm",
            "reopen",
            "cancel",
            "notes",
            "contacts",
            "reclassify",
        )
    },
    "/api/v1/complaints/{id}/events/": {"get"},
    "/api/v1/complaints/{id}/attachments/": {"get", "post"},
    "/api/v1/work-orders/": {"get"},
    "/api/v1/work-orders/{id}/": {"get"},
    "/api/v1/work-orders/{id}/answer/": {"post"},
    "/api/v1/work-orders/{id}/cancel/": {"post"},
    "/api/v1/sla-policies/": {"get", "post"},
    "/api/v1/sla-policies/{id}/": {"get", "patch"},
    "/api/v1/notifications/": {"get"},
    "/api/v1/notifications/{id}/read/": {"post"},
    "/api/v1/notifications/read-all/": {"post"},
    "/api/v1/reports/board/": {"get"},
    "/api/v1/reports/trends/": {"get"},
}
BODILESS = {
    "/api/v1/complaints/{id}/start/",
    "/api/v1/complaints/{id}/resume/",
    "/api/v1/notifications/{id}/read/",
    "/api/v1/notifications/read-all/",
}


@pytest.fixture
def schema(tmp_path, capsys) -> dict:
    """``manage.py spectacular --validate --fail-on-warn``: any warning fails the command."""
    GENERATOR_STATS.reset()  # the counters are process-wide; start from none
    target = tmp_path / "schema.yml"
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(target))
    stderr = capsys.readouterr().err
    assert "Warning" not in stderr and "Error" not in stderr, stderr
    return yaml.safe_load(target.read_text())


def test_the_schema_is_valid_and_has_no_warnings(schema):
    assert schema["openapi"].startswith("3.")


def test_every_endpoint_is_described_with_bodies_and_answers(schema):
    paths = schema["paths"]
    for path, methods in ENDPOINTS.items():
        assert path in paths, path
        described = {method for method in paths[path] if method != "parameters"}
        assert described == methods, path
        for method in methods:
            operation = paths[path][method]
            successes = [code for code in operation["responses"] if code.startswith("2")]
            assert successes, (path, method)
            assert any("content" in operation["responses"][code] for code in successes), (
                path,
                method,
            )
            if method in {"post", "patch"}:
                assert ("requestBody" in operation) == (path not in BODILESS), (path, method)
            assert "application/problem+json" in str(operation["responses"]), (path, method)


def test_concurrency_headers_are_documented(schema):
    complaint = schema["paths"]["/api/v1/complaints/{id}/"]
    assert "ETag" in complaint["get"]["responses"]["200"]["headers"]
    assert any(parameter["name"] == "If-Match" for parameter in complaint["patch"]["parameters"])


def test_list_filters_and_cursor_are_documented(schema):
    parameters = {
        parameter["name"]
        for parameter in schema["paths"]["/api/v1/complaints/"]["get"]["parameters"]
    }
    assert {"state", "priority", "channel", "category", "team", "assignee", "q", "cursor"} <= (
        parameters
    )
    assert {"received_after", "received_before", "repeat"} <= parameters


def test_the_detail_is_the_list_row_plus_the_classification(schema):
    components = schema["components"]["schemas"]
    detail = components["ComplaintDetail"]
    assert detail["allOf"][0] == {"$ref": "#/components/schemas/Complaint"}
    assert set(detail["allOf"][1]["properties"]) == {"classification"}
    assert "classification" not in components["Complaint"]["properties"]
    retrieve = schema["paths"]["/api/v1/complaints/{id}/"]["get"]["responses"]["200"]
    assert retrieve["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/ComplaintDetail"
    }
    classification = components["Classification"]["properties"]
    assert set(classification) == {
        "source",
        "priority",
        "category",
        "rules",
        "suggestion",
        "overrides",
    }
    assert set(components["ClassificationRuleHit"]["properties"]) == {
        "id",
        "name",
        "priority",
        "category",
        "weight",
    }


def test_sla_clocks_are_documented(schema):
    components = schema["components"]["schemas"]
    sla = components["Complaint"]["properties"]["sla"]
    assert sla["allOf"] == [{"$ref": "#/components/schemas/SlaClocks"}]
    assert set(components["SlaClocks"]["properties"]) == {"response", "resolution", "status"}
    assert set(components["StatusEnum"]["enum"]) == {"met", "ok", "at_risk", "breached", "paused"}
    assert {"paused_at", "paused_seconds"} <= set(components["ResolutionClock"]["properties"])
    assert {"due_at", "warn_at", "warned_at", "breached_at"} <= set(
        components["WorkOrder"]["properties"]
    )
