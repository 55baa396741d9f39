"""Administrators issue, see and revoke integration tokens on a page; the raw token is shown
once and only its hash is kept. The management commands do the same."""

import datetime as dt

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from complaints.models import ApiToken, hash_token_secret
from complaints.services import KNOWN_SCOPES, issue_api_token

pytestmark = pytest.mark.django_db

LIST = reverse("complaints:api_tokens")
NEW = reverse("complaints:api_token_new")


@pytest.fixture
def admin_client(client, administrator):
    client.force_login(administrator)
    return client


def test_only_administrators_manage_tokens(client, agent, supervisor, administrator):
    token, _raw = issue_api_token(name="IVR", user=agent, scopes=[])
    revoke = reverse("complaints:api_token_revoke", args=[token.pk])
    for person in (agent, supervisor):
        client.force_login(person)
        assert [client.get(LIST).status_code, client.get(NEW).status_code] == [403, 403]
        assert [client.get(revoke).status_code, client.post(revoke).status_code] == [403, 403]
        assert "api-tokens" not in client.get("/").content.decode()
    client.logout()
    assert client.get(LIST).status_code == 302
    client.force_login(administrator)
    assert f'href="{LIST}"' in client.get("/").content.decode()
    token.refresh_from_db()
    assert token.revoked_at is None


def test_the_list_shows_every_token_s_facts(admin_client, integration_user, administrator):
    issue_api_token(
        name="IVR site A",
        user=integration_user,
        scopes=["callbacks:write"],
        created_by=administrator,
        rate_limit="600/min",
        expires_at=timezone.now() + dt.timedelta(days=30),
    )
    revoked, _raw = issue_api_token(name="Old CRM", user=integration_user, scopes=[])
    revoked.revoked_at = timezone.now()
    revoked.save()
    content = admin_client.get(LIST).content.decode()
    for text in ("IVR site A", "callbacks:write", "600/min", "ivr", "never", "Old CRM", "revoked"):
        assert text in content
    for scope in KNOWN_SCOPES:  # the documented list of scopes
        assert f"<code>{scope}</code>" in content


def test_the_list_runs_a_fixed_number_of_queries(
    admin_client, integration_user, django_assert_max_num_queries
):
    for number in range(12):
        issue_api_token(name=f"token {number}", user=integration_user, scopes=["reports:read"])
    # session, user, groups (navigation), permissions, unread notifications, count, page
    with django_assert_max_num_queries(9):
        assert admin_client.get(LIST).status_code == 200


def test_a_token_is_issued_and_shown_exactly_once(admin_client, integration_user, administrator):
    response = admin_client.post(
        NEW,
        {
            "name": "BI nightly",
            "user": integration_user.pk,
            "scopes": ["reports:read", "callbacks:read"],
            "rate_limit": "60/min",
        },
    )
    assert response.status_code == 201
    assert response["Cache-Control"] == "no-store"
    raw = response.context["raw"]
    assert raw.startswith("cts_") and raw in response.content.decode()
    token = ApiToken.objects.get()
    assert token.key_hash == hash_token_secret(raw) and raw not in str(token.__dict__)
    assert (token.scopes, token.rate_limit, token.created_by) == (
        ["callbacks:read", "reports:read"],
        "60/min",
        administrator,
    )
    assert raw not in admin_client.get(LIST).content.decode()
    api = APIClient(HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert api.get("/api/v1/me/").json()["scopes"] == ["callbacks:read", "reports:read"]


@pytest.mark.parametrize(
    ("body", "field"),
    [({"scopes": []}, "scopes"), ({"scopes": ["everything:*"]}, "scopes"),
     ({"rate_limit": "lots"}, "rate_limit"), ({"name": ""}, "name"),
     ({"expires_at": "2020-01-01T10:00"}, "expires_at")],
)  # fmt: skip
def test_a_bad_form_says_so_beside_the_field(admin_client, integration_user, body, field):
    form = {"name": "IVR", "user": integration_user.pk, "scopes": ["callbacks:write"], **body}
    response = admin_client.post(NEW, form)
    assert response.status_code == 400
    assert field in response.context["form"].errors
    assert ApiToken.objects.count() == 0


def test_revoking_refuses_the_token_at_once(admin_client, integration_user):
    token, raw = issue_api_token(name="CRM", user=integration_user, scopes=["complaints:read"])
    api = APIClient(HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert api.get("/api/v1/me/").status_code == 200
    url = reverse("complaints:api_token_revoke", args=[token.pk])
    assert url in admin_client.get(LIST).content.decode()
    confirm = admin_client.get(url)  # asks first; nothing revoked yet
    assert confirm.status_code == 200 and 'data-testid="revoke-form"' in confirm.content.decode()
    assert api.get("/api/v1/me/").status_code == 200
    response = admin_client.post(url)
    assert response.status_code == 302
    assert api.get("/api/v1/me/").status_code == 401
    token.refresh_from_db()
    revoked_at = token.revoked_at
    assert revoked_at is not None
    admin_client.post(reverse("complaints:api_token_revoke", args=[token.pk]))
    token.refresh_from_db()
    assert token.revoked_at == revoked_at  # twice changes nothing


def test_the_commands_issue_and_revoke_as_the_page_does(integration_user, capsys):
    call_command(
        "create_api_token",
        "IVR",
        "--user",
        "ivr",
        "--scope",
        "callbacks:write",
        "--expires-in-days",
        "90",
        "--rate",
        "300/min",
    )
    raw = capsys.readouterr().out.splitlines()[-1]
    token = ApiToken.objects.get(key_hash=hash_token_secret(raw))
    assert token.rate_limit == "300/min"
    assert dt.timedelta(days=89) < token.expires_at - timezone.now() <= dt.timedelta(days=90)
    with pytest.raises(CommandError, match="rate"):
        call_command("create_api_token", "x", "--user", "ivr", "--rate", "fast")
    call_command("revoke_api_token", f"cts_{token.prefix}")
    token.refresh_from_db()
    assert token.revoked_at is not None
    with pytest.raises(CommandError):
        call_command("revoke_api_token", "nope")


def test_the_form_lists_the_scopes_in_the_page_s_language(admin_client):
    english = admin_client.get(NEW).content.decode()
    assert "complaints:read: Read complaints" in english
    admin_client.post(reverse("set_language"), {"language": "zh-hans", "next": NEW})
    chinese = admin_client.get(NEW).content.decode()
    assert "complaints:read: 读取投诉" in chinese and "Read complaints" not in chinese
    assert chinese.count('class="form-check"') == len(KNOWN_SCOPES)  # one line per scope
