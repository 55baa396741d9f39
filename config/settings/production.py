"""Production profile: refuses to start unsafe.

DEBUG must be off and SECRET_KEY must be set (and long); cookies are secure
and HSTS is on, so that ``manage.py check --deploy`` is clean.
"""

from django.core.exceptions import ImproperlyConfigured

from config import env

from .base import *  # noqa: F403

if env.bool_var("DEBUG", False):
    raise ImproperlyConfigured("DEBUG must be off in the production profile.")
DEBUG = False
SECRET_KEY = env.str_var("SECRET_KEY")
if len(SECRET_KEY) < 50 or len(set(SECRET_KEY)) < 5:
    raise ImproperlyConfigured("SECRET_KEY must be at least 50 characters of real randomness.")
DEMO_DATA_ALLOWED = False
# Several web nodes and workers must share one database and one broker: the
# embedded SQLite and file-system defaults are for a single laptop only.
for required in ("DATABASE_URL", "REDIS_URL"):
    env.str_var(required)

# JSON log lines unless LOG_FORMAT says otherwise (base.py checks the value).
LOG_FORMAT = env.str_var("LOG_FORMAT", "json").lower()
LOGGING["handlers"]["console"]["formatter"] = LOG_FORMAT  # noqa: F405

STORAGES["staticfiles"] = {  # noqa: F405
    "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage",
}

# Behind a TLS-terminating proxy that sets X-Forwarded-Proto.
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.bool_var("SECURE_SSL_REDIRECT", True)
# Probes and the Prometheus scraper call the node directly, over plain HTTP.
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$", r"^metrics$"]
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SESSION_COOKIE_HTTPONLY = True
SECURE_HSTS_SECONDS = env.int_var("SECURE_HSTS_SECONDS", 31536000, minimum=0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = env.bool_var("SECURE_HSTS_PRELOAD", True)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
