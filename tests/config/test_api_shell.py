"""The API shell: auth, scopes, schema, docs and the one error format."""

import pytest
from rest_framework.test import APIClient

from complaints.services import issue_api_token, revoke_api_token

pytestmark = pytest.mark.django_db


@pytest.fixture
def api():
    return APIClient()


def assert_problem(response, status, code):
    assert response.status_code == status
    assert response["Content-Type"].startswith("application/problem+json")
    body = response.json()
    assert body["status"] == status
    assert body["code"] == code
    assert body["title"] and body["detail"] and body["type"] == f"urn:problem:{code}"
    return body


def test_anonymous_callers_get_401_in_the_error_format(api):
    response = api.get("/api/v1/me/")
    assert_problem(response, 401, "not_authenticated")
    assert response["WWW-Authenticate"].startswith("Bearer")


def test_a_session_user_is_known_with_roles(api, agent):
    api.force_login(agent)
    body = api.get("/api/v1/me/").json()
    assert body["username"] == "agent"
    assert body["roles"] == ["Agent"]
    assert body["team"] == "Front line A"
    assert body["scopes"] is None


def test_a_bearer_token_authenticates_as_its_service_account(api, integration_user):
    token, raw = issue_api_token(name="IVR", user=integration_user, scopes=["callbacks:write"])
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    body = api.get("/api/v1/me/").json()
    assert body["username"] == "ivr"
    assert body["scopes"] == ["callbacks:write"]
    token.refresh_from_db()
    assert token.last_used_at is not None
    assert raw not in token.key_hash and token.prefix in raw


@pytest.mark.parametrize("header", ["Bearer cts_nope_nope", "Bearer a b", "Token "])
def test_bad_tokens_are_refused(api, header):
    api.credentials(HTTP_AUTHORIZATION=header)
    assert_problem(api.get("/api/v1/me/"), 401, "authentication_failed")


def test_a_revoked_token_is_refused(api, integration_user):
    token, raw = issue_api_token(name="CRM", user=integration_user, scopes=[])
    revoke_api_token(token)
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert_problem(api.get("/api/v1/me/"), 401, "authentication_failed")


def test_unknown_scopes_are_refused_at_issue(integration_user):
    from complaints.errors import ApplicationError

    with pytest.raises(ApplicationError) as error:
        issue_api_token(name="BI", user=integration_user, scopes=["everything:*"])
    assert error.value.code == "unknown_scope"


def test_unknown_endpoints_answer_404_in_the_error_format(api, agent):
    api.force_login(agent)
    response = api.get("/api/v1/nothing-here/")
    assert response.status_code == 404


def test_the_openapi_schema_and_docs_are_served(api, agent):
    api.force_login(agent)
    schema = api.get("/api/v1/schema/?format=json")
    assert schema.status_code == 200
    document = schema.json()
    assert document["openapi"].startswith("3.")
    assert "/api/v1/me/" in document["paths"]
    docs = api.get("/api/v1/docs/")
    assert docs.status_code == 200
    assert b"swagger-ui" in docs.content
    assert b"//cdn" not in docs.content  # served from the vendored sidecar, offline


def test_validation_errors_are_listed_per_field():
    from rest_framework import serializers

    from config.api import problem_exception_handler

    class Intake(serializers.Serializer):
        phone = serializers.CharField()
        description = serializers.CharField()

    serializer = Intake(data={"phone": ""})
    assert not serializer.is_valid()
    response = problem_exception_handler(serializers.ValidationError(serializer.errors), {})
    assert response.status_code == 400
    assert set(response.data["errors"]) == {"phone", "description"}
    assert all(isinstance(messages, list) for messages in response.data["errors"].values())


def test_application_errors_keep_their_status_and_code():
    from complaints.errors import TransitionError
    from config.api import problem_exception_handler

    response = problem_exception_handler(
        TransitionError("Cannot close a new complaint.", code="illegal_transition"), {}
    )
    assert response.status_code == 409
    assert response.data["code"] == "illegal_transition"
    assert response.data["detail"] == "Cannot close a new complaint."
