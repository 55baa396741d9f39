"""Settings: the key ones exist and apply; bad environments stop start-up by name."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings

from config.celery import app

ROOT = Path(__file__).resolve().parents[2]
GOOD_SECRET = "x9!" + "k2#Lq7@Zp4$Wm8^" * 4


def run_django(code: str, **env: str) -> subprocess.CompletedProcess:
    """Start a fresh interpreter with ``env`` and run ``code`` after django.setup()."""
    environment = {key: value for key, value in os.environ.items() if key not in _OVERRIDDEN}
    environment.update(env)
    script = f"import django; django.setup(); {code}"
    return subprocess.run(
        [sys.executable, "-c", script],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
    )


_OVERRIDDEN = {
    "DEBUG",
    "SECRET_KEY",
    "DJANGO_SETTINGS_MODULE",
    "CENTRE_TIME_ZONE",
    "DJANGO_ALLOW_ASYNC_UNSAFE",
    "WEBHOOK_ALLOW_PRIVATE_URLS",
}


def test_celery_reads_the_settings_it_is_given():
    # HackSoft's example misspelt CELERT_TASK_TIME_LIMIT and silently lost it.
    assert app.conf.task_time_limit == settings.CELERY_TASK_TIME_LIMIT
    assert app.conf.task_soft_time_limit == settings.CELERY_TASK_SOFT_TIME_LIMIT
    assert app.conf.task_acks_late is True
    assert app.conf.task_reject_on_worker_lost is True
    assert app.conf.task_serializer == "json"
    assert app.conf.accept_content == ["json"]
    assert app.conf.beat_scheduler == "django_celery_beat.schedulers:DatabaseScheduler"
    assert app.conf.broker_url == settings.REDIS_URL


def test_time_is_stored_in_utc_and_reasoned_in_the_centre_zone():
    assert settings.USE_TZ is True
    assert settings.TIME_ZONE == settings.CENTRE_TIME_ZONE == "Asia/Shanghai"
    assert [code for code, _name in settings.LANGUAGES] == ["en", "zh-hans"]


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("DEBUG", "perhaps"),
        ("CENTRE_TIME_ZONE", "Mars/Olympus_Mons"),
        ("DATABASE_URL", "nosuchdb://somewhere/x"),
        ("REDIS_URL", "http://127.0.0.1:6379/0"),
        ("DB_CONN_MAX_AGE", "sixty"),
    ],
)
def test_a_malformed_variable_stops_start_up_naming_it(variable, value):
    result = run_django(
        "", DJANGO_SETTINGS_MODULE="config.settings.development", **{variable: value}
    )
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    error_line = next(
        line for line in result.stderr.splitlines() if "ImproperlyConfigured:" in line
    )
    assert variable in error_line


@pytest.mark.parametrize(("profile", "allowed"), [("production", "False"), ("development", "True")])
def test_webhooks_to_private_addresses_are_off_in_production_and_on_in_development(
    profile, allowed
):
    result = run_django(
        "from django.conf import settings; print(settings.WEBHOOK_ALLOW_PRIVATE_URLS)",
        DJANGO_SETTINGS_MODULE=f"config.settings.{profile}",
        SECRET_KEY=GOOD_SECRET,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == allowed


def test_production_refuses_debug():
    result = run_django(
        "",
        DJANGO_SETTINGS_MODULE="config.settings.production",
        DEBUG="true",
        SECRET_KEY=GOOD_SECRET,
    )
    assert result.returncode != 0
    assert "DEBUG must be off" in result.stderr


def test_production_refuses_a_missing_secret_key():
    result = run_django("", DJANGO_SETTINGS_MODULE="config.settings.production")
    assert result.returncode != 0
    assert "SECRET_KEY is not set" in result.stderr


def test_check_deploy_is_clean_under_the_production_profile():
    environment = {key: value for key, value in os.environ.items() if key not in _OVERRIDDEN}
    environment.update(
        DJANGO_SETTINGS_MODULE="config.settings.production",
        SECRET_KEY=GOOD_SECRET,
        ALLOWED_HOSTS="complaints.example.com",
        DATABASE_URL=os.environ.get(
            "DATABASE_URL", "postgres://postgres@127.0.0.1:5432/complaints"
        ),
        REDIS_URL=settings.REDIS_URL,
    )
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout
