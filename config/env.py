"""Strict reading of settings from the environment.

django-environ parses URLs well but is lenient elsewhere: ``DEBUG=yse`` quietly
becomes False. A centre's operator deserves to hear which variable is wrong, so
every read here raises ``ImproperlyConfigured`` naming the variable.
"""

import os
import zoneinfo
from typing import Any

import environ
from django.core.exceptions import ImproperlyConfigured

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}

_env = environ.Env()


class _Missing:
    pass


MISSING: Any = _Missing()

SUPPORTED_DATABASE_ENGINES = frozenset(
    {"django.db.backends.postgresql", "django.db.backends.sqlite3"}
)


def _raw(name: str, default: Any) -> str | None:
    value = os.environ.get(name)
    if value is None:
        if default is MISSING:
            raise ImproperlyConfigured(f"{name} is not set; this profile requires it.")
        return None
    return value.strip()


def str_var(name: str, default: Any = MISSING) -> str:
    value = _raw(name, default)
    return default if value is None else value


def bool_var(name: str, default: Any = MISSING) -> bool:
    value = _raw(name, default)
    if value is None:
        return default
    lowered = value.lower()
    if lowered in _TRUE:
        return True
    if lowered in _FALSE:
        return False
    raise ImproperlyConfigured(
        f"{name}={value!r} is not a boolean; use one of true/false, yes/no, on/off, 1/0."
    )


def int_var(name: str, default: Any = MISSING, *, minimum: int | None = None) -> int:
    value = _raw(name, default)
    if value is None:
        return default
    try:
        number = int(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name}={value!r} is not an integer.") from None
    if minimum is not None and number < minimum:
        raise ImproperlyConfigured(f"{name}={number} must be at least {minimum}.")
    return number


def float_var(name: str, default: Any = MISSING) -> float:
    value = _raw(name, default)
    if value is None:
        return default
    try:
        return float(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name}={value!r} is not a number.") from None


def list_var(name: str, default: Any = MISSING) -> list[str]:
    value = _raw(name, default)
    if value is None:
        return list(default)
    return [item.strip() for item in value.split(",") if item.strip()]


def rate_var(name: str, default: str) -> str:
    """A request rate such as ``600/min``; empty means no limit."""
    from complaints.rates import parse_rate

    value = _raw(name, default)
    value = default if value is None else value
    try:
        parse_rate(value)
    except ValueError:
        raise ImproperlyConfigured(
            f"{name}={value!r} is not a rate; write e.g. 600/min (per s, min, hour or day), "
            "or leave it empty for no limit."
        ) from None
    return value


def time_zone_var(name: str, default: str) -> str:
    value = _raw(name, default) or default
    try:
        zoneinfo.ZoneInfo(value)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise ImproperlyConfigured(
            f"{name}={value!r} is not an IANA time zone (e.g. Asia/Shanghai)."
        ) from None
    return value


def database_var(name: str, default: str) -> dict:
    value = _raw(name, default) or default
    try:
        config = _env.db_url_config(value)
    except Exception as exc:  # environ raises several types for bad URLs
        raise ImproperlyConfigured(f"{name} is not a valid database URL: {exc}") from None
    if config.get("ENGINE") not in SUPPORTED_DATABASE_ENGINES:
        scheme = value.split("://", 1)[0]
        raise ImproperlyConfigured(
            f"{name} has the unsupported scheme {scheme!r}; use postgres:// (or sqlite:// "
            "for a single-machine trial)."
        )
    return config


def redis_url_var(name: str) -> str | None:
    value = _raw(name, None)
    if not value:
        return None
    if not value.startswith(("redis://", "rediss://", "unix://")):
        raise ImproperlyConfigured(
            f"{name}={value!r} must be a redis:// or rediss:// URL (or unset for the "
            "embedded file-system broker)."
        )
    return value
