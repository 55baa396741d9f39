"""One error format everywhere under /api/: problem+json for DRF's errors and Django's own
(unknown URLs, methods, media types, oversized or unreadable bodies, crashes); the pages
keep their HTML error pages."""

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from rest_framework.test import APIClient

from tests.api import assert_problem, client_for, token_client

pytestmark = pytest.mark.django_db

ME = "/api/v1/me/"
COMPLAINTS = "/api/v1/complaints/"


@pytest.fixture
def api(agent):
    return client_for(agent)


@pytest.mark.parametrize("method", ["get", "post", "patch"])
def test_an_unknown_url_under_api_is_a_problem(api, method):
    body = assert_problem(getattr(api, method)("/api/v1/no-such-thing/"), 404, "not_found")
    assert "/api/v1/schema/" in body["detail"]
    assert_problem(api.get("/api/v2/complaints/"), 404, "not_found")


def test_pages_keep_their_html_404(client, agent):
    client.force_login(agent)
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")


def test_a_method_the_endpoint_lacks_is_405_with_allow(api):
    response = api.delete(COMPLAINTS)
    assert_problem(response, 405, "method_not_allowed")
    assert "GET" in response["Allow"] and "POST" in response["Allow"]


def test_an_accept_json_cannot_satisfy_is_406(api):
    assert_problem(api.get(ME, HTTP_ACCEPT="text/html"), 406, "not_acceptable")


def test_a_body_of_another_media_type_is_415(api):
    response = api.post(COMPLAINTS, "phone=1", content_type="text/plain")
    assert_problem(response, 415, "unsupported_media_type")


def test_unreadable_json_is_400(api):
    response = api.post(COMPLAINTS, '{"phone": ', content_type="application/json")
    assert_problem(response, 400, "parse_error")


def test_a_json_body_over_the_limit_is_413_before_anything_reads_it(api, settings):
    settings.API_MAX_BODY_BYTES = 2048
    response = api.post(
        COMPLAINTS, json.dumps({"description": "x" * 4096}), content_type="application/json"
    )
    assert_problem(response, 413, "too_large")


def test_an_upload_over_the_limit_is_413(api, settings):
    settings.API_MAX_UPLOAD_BYTES = 2048
    upload = SimpleUploadedFile("big.pdf", b"%PDF-" + b"0" * 4096)
    response = api.post(f"{COMPLAINTS}1/attachments/", {"file": upload}, format="multipart")
    assert_problem(response, 413, "too_large")


def test_a_body_django_itself_refuses_is_413_too(api, settings):
    """Django's own limits (read while the idempotency middleware fingerprints the body)."""
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1024
    response = api.post(
        COMPLAINTS,
        json.dumps({"description": "x" * 2048}),
        content_type="application/json",
        HTTP_IDEMPOTENCY_KEY="k-1",
    )
    assert_problem(response, 413, "too_large")
    settings.DATA_UPLOAD_MAX_NUMBER_FIELDS = 5
    fields = {f"f{number}": "x" for number in range(10)}
    response = api.post(COMPLAINTS, fields, format="multipart", HTTP_IDEMPOTENCY_KEY="k-2")
    assert_problem(response, 413, "too_large")


def test_a_request_django_refuses_before_any_view_is_400(agent):
    client = APIClient(HTTP_HOST="evil.example")
    client.force_login(agent)
    assert_problem(client.get(ME), 400, "bad_request")


def test_missing_or_bad_credentials_are_401(integration_user):
    assert_problem(APIClient().get(ME), 401, "not_authenticated")
    bad = APIClient(HTTP_AUTHORIZATION="Bearer cts_00000000_nope")
    assert_problem(bad.get(ME), 401, "authentication_failed")


def test_a_token_without_the_scope_is_403(integration_user):
    api = token_client(integration_user, ["callbacks:read"])
    assert_problem(api.get(COMPLAINTS), 403, "permission_denied")


def test_a_session_post_without_its_csrf_token_is_403(agent):
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(agent)
    body = assert_problem(client.post(COMPLAINTS, {}), 403, "permission_denied")
    assert "CSRF" in body["detail"]


def test_a_crash_is_a_500_problem_under_api_and_the_html_page_elsewhere(
    agent, monkeypatch, settings
):
    from complaints import views
    from complaints.api.views import MeView

    def crash(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(MeView, "get", crash)
    client = Client(raise_request_exception=False)
    client.force_login(agent)
    body = assert_problem(client.get(ME), 500, "server_error")
    assert "boom" not in json.dumps(body)  # nothing of the crash leaks to the caller
    monkeypatch.setattr(views.selectors, "complaint_queue", crash)
    page = client.get("/")
    assert page.status_code == 500 and page["Content-Type"].startswith("text/html")


@pytest.mark.parametrize(
    ("path", "parameter"),
    [("/api/v1/complaints/?received_before=0249-09-01T04:12:32-21:15", "received_before"),
     ("/api/v1/surveys/responses/?until=9179-11-13T00:34:53-23:40", "until"),
     ("/api/v1/callbacks/?due_after=1899-12-31T00:00:00Z", "due_after")],
)  # fmt: skip
def test_a_moment_outside_1970_to_2099_is_a_bad_parameter(supervisor, path, parameter):
    """Found by schemathesis: PostgreSQL refused the offset, and the list answered 500."""
    body = assert_problem(client_for(supervisor).get(path), 400, "invalid")
    assert set(body["errors"]) == {parameter}


def test_any_offset_python_reads_is_fine_within_the_range(supervisor):
    response = client_for(supervisor).get(
        "/api/v1/complaints/", {"received_after": "2026-01-01T00:00:00-21:15"}
    )
    assert response.status_code == 200


def test_a_body_datetime_outside_the_range_is_refused(supervisor):
    """Found by schemathesis: year 713 came back with Shanghai's +08:05:43, no RFC 3339."""
    response = client_for(supervisor).post(
        "/api/v1/repair/key-events/",
        {"name": "Old", "kind": "other", "started_at": "0713-02-20T11:05:50Z",
         "sms_en": "x", "sms_zh_hans": "x"},
    )  # fmt: skip
    body = assert_problem(response, 400, "invalid")
    assert "1970" in body["errors"]["started_at"][0]


@pytest.mark.parametrize("query", ["cursor=bm90LW91cnM", "page=0"])
def test_a_cursor_or_page_that_is_not_ours_is_a_bad_parameter(api, query):
    """Found by schemathesis: DRF answered 404, as if the list did not exist."""
    path = "/api/v1/complaints/" if query.startswith("cursor") else "/api/v1/sla-policies/"
    body = assert_problem(api.get(f"{path}?{query}"), 400, "invalid")
    assert set(body["errors"]) == {query.split("=")[0]}
