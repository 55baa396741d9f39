"""The OpenAPI schema as a contract: no drf-spectacular warnings, every enum's name pinned,
and every status the plumbing can answer with declared, as problem+json, on every operation."""

import pytest
from django.conf import settings

pytestmark = pytest.mark.django_db

PROBLEM = {"$ref": "#/components/schemas/Problem"}
METHODS = {"get", "post", "patch", "put", "delete"}
# drf-spectacular's own helpers for fields that allow "" or null, not choice sets of ours.
SPECTACULAR_ENUMS = {"BlankEnum", "NullEnum"}
VERSIONED_DETAILS = [
    "/api/v1/complaints/{id}/",
    "/api/v1/work-orders/{id}/",
    "/api/v1/sla-policies/{id}/",
    "/api/v1/callbacks/{id}/",
    "/api/v1/repair/cases/{id}/",
    "/api/v1/repair/key-events/{id}/",
]


def operations(schema: dict):
    for path, methods in schema["paths"].items():
        for method, operation in methods.items():
            if method in METHODS:
                yield path, method, operation


def test_the_schema_is_valid_and_warning_free(schema):
    assert schema["openapi"].startswith("3.")


def test_every_enum_name_is_pinned(schema):
    enums = {
        name for name, component in schema["components"]["schemas"].items() if "enum" in component
    }
    pinned = set(settings.SPECTACULAR_SETTINGS["ENUM_NAME_OVERRIDES"])
    assert enums - SPECTACULAR_ENUMS == pinned  # nothing unpinned, no stale pin


def test_every_error_is_a_problem(schema):
    for path, method, operation in operations(schema):
        for status, response in operation["responses"].items():
            if int(status) >= 400:
                assert response["content"] == {"application/problem+json": {"schema": PROBLEM}}, (
                    path,
                    method,
                    status,
                )
                assert response["description"], (path, method, status)


def test_what_every_operation_may_answer_is_declared(schema):
    for path, method, operation in operations(schema):
        responses = operation["responses"]
        declared = {int(status) for status in responses}
        where = (path, method)
        assert {401, 403, 406, 429} <= declared, where
        assert "Retry-After" in responses["429"]["headers"], where
        if "{id}" in path:
            assert 404 in declared, where
        if "requestBody" in operation:
            assert {400, 413, 415} <= declared, where
        names = {parameter["name"] for parameter in operation.get("parameters", [])}
        if "If-Match" in names:
            assert {400, 412} <= declared, where
        if method == "post":
            assert "Idempotency-Key" in names, where
            assert {400, 409, 422} <= declared, where
            assert "Retry-After" in responses["409"]["headers"], where
            for status, response in responses.items():
                if status.startswith("2"):
                    assert "Idempotent-Replayed" in response["headers"], (*where, status)


def test_every_change_to_a_versioned_record_takes_if_match(schema):
    paths = schema["paths"]
    for detail in VERSIONED_DETAILS:
        read = paths[detail]["get"]["responses"]["200"]
        assert "ETag" in read["headers"], detail
        if "patch" in paths[detail]:
            assert "If-Match" in {p["name"] for p in paths[detail]["patch"]["parameters"]}
    versioned_actions = [
        path
        for path in paths
        if any(path.startswith(detail) and path != detail for detail in VERSIONED_DETAILS)
        and "post" in paths[path]
    ]
    unversioned = {
        # timeline entries do not change the complaint they are added to
        "/api/v1/complaints/{id}/notes/",
        "/api/v1/complaints/{id}/contacts/",
        "/api/v1/complaints/{id}/attachments/",
    }
    for path in versioned_actions:
        names = {p["name"] for p in paths[path]["post"]["parameters"]}
        assert ("If-Match" in names) != (path in unversioned), path
