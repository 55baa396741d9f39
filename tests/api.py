"""Helpers for API tests: clients for people and tokens, and the problem+json check."""

from rest_framework.test import APIClient

from complaints.services import issue_api_token


def client_for(user) -> APIClient:
    client = APIClient()
    client.force_login(user)
    return client


def token_client(user, scopes, **options) -> APIClient:
    """A client calling with a fresh API token of ``user`` holding ``scopes``."""
    _token, raw = issue_api_token(name="test", user=user, scopes=list(scopes), **options)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    return client


def assert_problem(response, status: int, code: str) -> dict:
    """``response`` is problem+json with ``status`` and ``code``; returns the body."""
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith("application/problem+json")
    body = response.json()
    assert body["status"] == status and body["code"] == code, body
    assert body["type"] == f"urn:problem:{code}" and body["title"] and body["detail"]
    return body
