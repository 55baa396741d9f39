"""Login throttling, CSRF on every form, and the browser security policies."""

import datetime as dt
import re

import pytest
import time_machine
from django.urls import reverse

from tests.config.test_settings import GOOD_SECRET, run_django
from tests.factories import TEST_PASSWORD, make_complaint

pytestmark = pytest.mark.django_db


def log_in(client, username: str, password: str):
    return client.post(reverse("login"), {"username": username, "password": password})


def test_a_username_is_locked_after_five_failures_and_unlocked_after_the_cool_off(
    client, agent, other_agent
):
    for _attempt in range(4):
        assert log_in(client, "agent", "wrong").status_code == 200
    locked = log_in(client, "agent", "wrong")
    assert locked.status_code == 429
    assert 'data-testid="locked-out"' in locked.content.decode()
    # Locked: even the right password is refused, but other agents on the floor may log in.
    assert log_in(client, "agent", TEST_PASSWORD).status_code == 429
    assert log_in(client, "other-agent", TEST_PASSWORD).status_code == 302
    with time_machine.travel(dt.datetime.now(dt.UTC) + dt.timedelta(minutes=16)):
        assert log_in(client.__class__(), "agent", TEST_PASSWORD).status_code == 302


def test_a_successful_login_forgets_earlier_failures(client, agent):
    for _attempt in range(4):
        log_in(client, "agent", "wrong")
    assert log_in(client, "agent", TEST_PASSWORD).status_code == 302
    client.logout()
    for _attempt in range(4):
        assert log_in(client, "agent", "wrong").status_code == 200


def test_the_admin_login_is_throttled_too(client, administrator):
    url = reverse("admin:login")
    for _attempt in range(5):
        response = client.post(url, {"username": "admin", "password": "wrong"})
    assert response.status_code == 429


FORM = re.compile(r"<form\b[^>]*>.*?</form>", re.S | re.I)


def pages_with_forms(complaint) -> list[str]:
    return [
        reverse("complaints:queue"),
        reverse("complaints:new"),
        reverse("complaints:detail", args=[complaint.pk]),
        reverse("complaints:rules"),
        reverse("complaints:rule_new"),
        reverse("complaints:sla_policies"),
        reverse("complaints:sla_policy_new"),
        reverse("complaints:notifications"),
        reverse("repair:callbacks"),
        reverse("repair:cases"),
        reverse("repair:open_case"),
        reverse("repair:strategy_new"),
        reverse("repair:key_events"),
        reverse("surveys:index"),
    ]


def test_every_post_form_carries_a_csrf_token(client, supervisor, agent):
    complaint = make_complaint(team=supervisor.team, assignee=agent)
    client.force_login(supervisor)
    checked = 0
    for url in pages_with_forms(complaint):
        response = client.get(url)
        assert response.status_code == 200, url
        for form in FORM.findall(response.content.decode()):
            if re.search(r'method="post"', form, re.I):
                assert 'name="csrfmiddlewaretoken"' in form, (url, form[:200])
                checked += 1
    assert checked >= 20


@pytest.mark.parametrize(
    ("url", "data"),
    [
        ("complaints:new", {"phone": "13800138000", "description": "x"}),
        ("set_language", {"language": "zh-hans"}),
        ("logout", {}),
        ("repair:open_case", {"phone": "13800138000", "damage_type": "process", "reason": "x"}),
    ],
)
def test_a_post_without_the_csrf_token_is_refused(client, supervisor, url, data):
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    strict.force_login(supervisor)
    assert strict.post(reverse(url), data).status_code == 403


def test_pages_send_the_security_headers(client, agent):
    logged_in = log_in(client, "agent", TEST_PASSWORD)
    assert "HttpOnly" in logged_in.cookies["sessionid"].output()
    response = client.get(reverse("complaints:queue"))
    policy = response["Content-Security-Policy"]
    assert "default-src 'self'" in policy and "script-src 'self'" in policy
    assert "'unsafe-inline'" not in policy and "frame-ancestors 'none'" in policy
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"


def test_no_template_writes_inline_script_or_style():
    from pathlib import Path

    root = Path(__file__).resolve().parents[2] / "templates"
    offenders = []
    for template in root.rglob("*.html"):
        text = template.read_text()
        inline_script = re.search(
            r"<script(?![^>]*\b(src|type=\"application/json\")=?)[^>]*>", text
        )
        if inline_script or re.search(r"\son[a-z]+=", text) or re.search(r'\sstyle="', text):
            offenders.append(template.name)
    assert offenders == []


def test_production_cookies_and_hsts():
    result = run_django(
        "from django.conf import settings as s; "
        "print(s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, s.SECURE_HSTS_SECONDS, "
        "s.SECURE_SSL_REDIRECT, s.X_FRAME_OPTIONS)",
        DJANGO_SETTINGS_MODULE="config.settings.production",
        SECRET_KEY=GOOD_SECRET,
        DATABASE_URL="postgres://postgres@127.0.0.1:5432/complaints",
        REDIS_URL="redis://127.0.0.1:6379/15",
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["True", "True", "31536000", "True", "DENY"]
