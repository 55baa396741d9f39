"""Test profile: the suite runs on real PostgreSQL and Redis.

Defaults point at the local servers; ``DATABASE_URL`` and ``REDIS_URL`` override
them. Redis database 15 keeps test keys away from a developer's data.
"""

import os

os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/complaints")
os.environ.setdefault("REDIS_URL", "redis://127.0.0.1:6379/15")

from .base import *  # noqa: E402, F403

SECRET_KEY = "test-only-key-0123456789-abcdefghijklmnopqrstuvwxyz"  # noqa: S105
DEBUG = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
CACHES["default"]["KEY_PREFIX"] = "cts-test"  # noqa: F405
# Tests never run collectstatic: serve static files from the app folders.
STATIC_ROOT = None
WHITENOISE_USE_FINDERS = True
# The suite's webhook receiver listens on 127.0.0.1.
WEBHOOK_ALLOW_PRIVATE_URLS = True
