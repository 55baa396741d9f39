"""Settings shared by every profile, read from the environment.

Profiles (``development``, ``test``, ``production``) import this module and
change only what differs. Every variable is listed in README.md, "Configuration".
"""

import datetime as dt
import ipaddress
from pathlib import Path

from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _
from kombu import Exchange, Queue

from config import env

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = Path(env.str_var("VAR_DIR", str(BASE_DIR / "var")))

SECRET_KEY = env.str_var("SECRET_KEY", "")
DEBUG = env.bool_var("DEBUG", False)
ALLOWED_HOSTS = env.list_var("ALLOWED_HOSTS", ["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env.list_var("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_celery_beat",
    "django_htmx",
    "axes",
    "csp",
    "complaints",
    "surveys",
    "repair",
]

MIDDLEWARE = [
    # First: the request id and log context, and the latency histogram (config/metrics.py).
    "config.middleware.RequestIdMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "config.middleware.ReadAfterWriteMiddleware",
    "complaints.middleware.AuditTrailMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # API only (/api/), after authentication: body limits, then idempotency keys.
    "config.middleware.ApiBodyLimitMiddleware",
    "config.middleware.IdempotencyMiddleware",
    # Last, as django-axes asks: it turns a locked-out login into the lockout page.
    "axes.middleware.AxesMiddleware",
]

AUTHENTICATION_BACKENDS = [
    # First: refuses a locked-out username before the password is even checked.
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
AUTH_USER_MODEL = "complaints.User"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "complaints:queue"
LOGOUT_REDIRECT_URL = "login"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "complaints.context_processors.navigation",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------
# No DATABASE_URL means the embedded default: SQLite under var/, so that a
# laptop with only Python can try the product. PostgreSQL is the real thing.
DATABASES = {
    "default": env.database_var("DATABASE_URL", f"sqlite:///{VAR_DIR / 'complaints.sqlite3'}"),
}
DATABASES["default"]["CONN_MAX_AGE"] = env.int_var("DB_CONN_MAX_AGE", 60, minimum=0)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DATABASES["default"]["ATOMIC_REQUESTS"] = False
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Web, worker and beat share one file: wait for locks instead of failing,
    # and take the write lock at BEGIN so that two writers never deadlock.
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 20,
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
    DATABASES["default"]["CONN_MAX_AGE"] = 0
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Read replica (config/db_router.py) ----------------------------------------
# A PostgreSQL streaming replica for dashboards, reports, exports and API lists. Unset:
# no "replica" alias and no router, every read on the primary. A replica lagging more
# than DATABASE_REPLICA_MAX_LAG_SECONDS, or not answering, is skipped (a metric counts it).
DATABASE_REPLICA_MAX_LAG_SECONDS = env.int_var("DATABASE_REPLICA_MAX_LAG_SECONDS", 30, minimum=1)
if env.str_var("DATABASE_REPLICA_URL", ""):
    _replica = env.database_var("DATABASE_REPLICA_URL", "")
    if {_replica["ENGINE"], DATABASES["default"]["ENGINE"]} != {"django.db.backends.postgresql"}:
        raise ImproperlyConfigured(
            "DATABASE_REPLICA_URL needs PostgreSQL for both it and DATABASE_URL (a streaming "
            "replica of the primary)."
        )
    DATABASES["replica"] = {
        **_replica,
        "CONN_MAX_AGE": DATABASES["default"]["CONN_MAX_AGE"],
        "CONN_HEALTH_CHECKS": True,
        "ATOMIC_REQUESTS": False,
        # The primary's options, then the replica URL's own; a dead replica is given up on
        # within 2 seconds (its reads then go to the primary) instead of holding the page.
        "OPTIONS": {
            **DATABASES["default"].get("OPTIONS", {}),
            **_replica.get("OPTIONS", {}),
            "connect_timeout": 2,
        },
        # Under test the alias is the test database itself, not a second one to create.
        "TEST": {"MIRROR": "default"},
    }
    DATABASE_ROUTERS = ["config.db_router.ReplicaRouter"]

# --- Redis: Celery broker and cache -----------------------------------------
REDIS_URL = env.redis_url_var("REDIS_URL")

if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": env.str_var("CACHE_KEY_PREFIX", "cts"),
            # A dead or unreachable Redis answers within a second instead of hanging a
            # request (the rate limit then fails open; the outbox and deliveries wait).
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 2},
        }
    }
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(VAR_DIR / "cache"),
        }
    }

# --- Celery ------------------------------------------------------------------
BROKER_DIR = VAR_DIR / "broker"
if REDIS_URL:
    CELERY_BROKER_URL = REDIS_URL
    CELERY_RESULT_BACKEND = REDIS_URL
    # A task a worker took but never acknowledged (the worker died) goes back to the queue
    # after this many seconds. It must exceed the longest task (the key-event import may
    # run an hour) or a slow task would be delivered twice while it still runs.
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "visibility_timeout": env.int_var("CELERY_VISIBILITY_TIMEOUT", 7200, minimum=1),
        # Queuing after a commit gives up quickly on an unreachable broker (the sweeps
        # send the work later) instead of holding the request.
        "socket_connect_timeout": 2,
    }
else:
    # Embedded default: kombu's file-system transport, one folder for the
    # queue (producers and consumers must share it) and one for processed.
    CELERY_BROKER_URL = "filesystem://"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(BROKER_DIR / "queue"),
        "data_folder_out": str(BROKER_DIR / "queue"),
        "processed_folder": str(BROKER_DIR / "processed"),
        "control_folder": str(BROKER_DIR / "control"),
        "store_processed": False,
    }
    CELERY_RESULT_BACKEND = f"file://{VAR_DIR / 'celery-results'}"
    # Kombu and Celery do not create these folders, and web, worker and beat
    # may start in any order: whoever loads settings first makes them.
    for folder in ("broker/queue", "broker/processed", "broker/control", "celery-results"):
        (VAR_DIR / folder).mkdir(parents=True, exist_ok=True)
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_RESULT_EXPIRES = 3600
CELERY_TIMEZONE = "UTC"
CELERY_ENABLE_UTC = True
# Tasks here are idempotent (they filter on state), so a task whose worker died
# is safer redelivered than lost.
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# Every task has a time limit; a task may set a tighter one of its own.
CELERY_TASK_TIME_LIMIT = env.int_var("CELERY_TASK_TIME_LIMIT", 600, minimum=1)
CELERY_TASK_SOFT_TIME_LIMIT = env.int_var("CELERY_TASK_SOFT_TIME_LIMIT", 540, minimum=1)
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
CELERY_TASK_ALWAYS_EAGER = False

# --- Celery queues and routing ---------------------------------------------------
# Four queues, so that bulk work never delays a deadline: a worker started with
# ``-Q sla`` is never busy with a 300,000-row import. Routing lives here, never at call
# sites; tests/config/test_celery.py fails when a task of ours has no route.
#   sla     time-critical and short: deadline checks and the callback clocks
#   notify  what leaves the building: the outbox, webhooks, survey invitations
#   bulk    long and heavy: imports, roll-ups, SLA recalculation, training, purges
#   default everything else: the heartbeat, the import resume sweep
CELERY_TASK_DEFAULT_QUEUE = "default"
CELERY_TASK_DEFAULT_EXCHANGE = "default"
CELERY_TASK_DEFAULT_ROUTING_KEY = "default"
# Each queue its own direct exchange, bound by its name (what -Q would create): the
# same on Redis and on the embedded file-system broker.
CELERY_TASK_QUEUES = tuple(
    Queue(name, Exchange(name, type="direct"), routing_key=name)
    for name in ("sla", "notify", "bulk", "default")
)
CELERY_TASK_CREATE_MISSING_QUEUES = False
CELERY_TASK_ROUTES = {
    "complaints.tasks.check_deadlines_task": {"queue": "sla"},
    # Callback bookings have a one-hour clock, as much a deadline as an SLA.
    "repair.tasks.assign_callbacks_task": {"queue": "sla"},
    "complaints.tasks.send_outbox_task": {"queue": "notify"},
    "complaints.tasks.send_webhooks_task": {"queue": "notify"},
    "surveys.tasks.send_survey_invitations_task": {"queue": "notify"},
    "repair.tasks.import_key_event_task": {"queue": "bulk"},
    "complaints.tasks.refresh_rollups_task": {"queue": "bulk"},
    "complaints.tasks.nightly_rollups_task": {"queue": "bulk"},
    "complaints.tasks.train_classifier_task": {"queue": "bulk"},
    "complaints.tasks.purge_idempotency_keys_task": {"queue": "bulk"},
    "complaints.tasks.purge_webhook_deliveries_task": {"queue": "bulk"},
    "complaints.tasks.apply_retention_task": {"queue": "bulk"},
    # One row lock and one event per open complaint, up to an hour: on ``sla`` it would
    # hold the worker that the deadline checks wait for.
    "complaints.tasks.recalculate_sla_task": {"queue": "bulk"},
    # On ``default``, apart from the SLA check: /readyz's two stamps (the heartbeat and
    # the last deadline check) then show two queues consumed, not one twice.
    "complaints.tasks.record_worker_heartbeat_task": {"queue": "default"},
    # Only queues imports; on ``bulk`` a minute's sweep would wait behind the import it
    # is meant to watch, and pile up there.
    "repair.tasks.resume_key_event_imports_task": {"queue": "default"},
}

# --- Internationalisation and time --------------------------------------------
# Everything is stored in UTC; pages and rules reason in the centre's zone.
CENTRE_TIME_ZONE = env.time_zone_var("CENTRE_TIME_ZONE", "Asia/Shanghai")
TIME_ZONE = CENTRE_TIME_ZONE
USE_TZ = True
USE_I18N = True
LANGUAGE_CODE = env.str_var("LANGUAGE_CODE", "en")
LANGUAGES = [
    ("en", _("English")),
    ("zh-hans", _("Simplified Chinese")),
]
LOCALE_PATHS = [BASE_DIR / "locale"]

# --- Static and media files ---------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = Path(env.str_var("STATIC_ROOT", str(BASE_DIR / "staticfiles")))
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(env.str_var("MEDIA_ROOT", str(VAR_DIR / "media")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

# --- Security: login throttling, browser policies ------------------------------------
# After AXES_FAILURE_LIMIT failed logins a username is locked for AXES_COOLOFF_MINUTES.
# By username, not by IP address: a centre's agents share one NAT address, and locking
# it would lock the whole floor out.
AXES_FAILURE_LIMIT = env.int_var("AXES_FAILURE_LIMIT", 5, minimum=1)
AXES_COOLOFF_TIME = dt.timedelta(minutes=env.int_var("AXES_COOLOFF_MINUTES", 15, minimum=1))
AXES_LOCKOUT_PARAMETERS = ["username"]
# axes.W006 wants the IP address among the lockout parameters; locking by username does not
# depend on user agents or cookies, and an IP lock would lock the floor (see above).
SILENCED_SYSTEM_CHECKS = ["axes.W006"]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_HTTP_RESPONSE_CODE = 429
# Everything the pages load comes from this origin (vendored assets, no CDN); no inline
# script or style, so an injected <script> or on*= attribute never runs.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        # Bootstrap draws checkboxes and select arrows with data: SVG images.
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_AGE = env.int_var("SESSION_COOKIE_AGE", 14 * 24 * 3600, minimum=60)

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# --- REST API ------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "complaints.api.authentication.ApiTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": [
        "rest_framework.permissions.IsAuthenticated",
        "complaints.api.permissions.TokenHasScope",
    ],
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_PAGINATION_CLASS": "config.api.DefaultPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "config.api.problem_exception_handler",
    "DEFAULT_THROTTLE_CLASSES": ["complaints.api.throttling.ApiRateThrottle"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Complaint ticketing API",
    "DESCRIPTION": (
        "REST interface for telephony/IVR, CRM, SMS gateways and BI tools. "
        "Authenticate with `Authorization: Bearer <token>` (an API token issued "
        "by an administrator) or a browser session."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    # Every enum's component name, pinned: without this drf-spectacular names an enum
    # after its field and renames it (ComplaintStateEnum, EventKindEnum...) as soon as
    # another field of the same name gets other choices, breaking generated clients.
    # tests/config/test_api_contract.py fails on an enum missing from this list.
    "ENUM_NAME_OVERRIDES": {
        "AllowedActionsEnum": "complaints.api.serializers.ALLOWED_ACTIONS",
        "AnsweredViaEnum": "surveys.enums.AnsweredVia",
        "AppliesToEnum": "complaints.models.sla.SlaTarget",
        "CallbackAttemptOutcomeEnum": "repair.enums.AttemptOutcome",
        "CallbackStateEnum": "repair.enums.CallbackState",
        "ComplaintChannelEnum": "complaints.enums.Channel",
        "ComplaintStateEnum": "complaints.enums.State",
        "ConfirmationMethodEnum": "complaints.enums.ConfirmationMethod",
        "ContactChannelEnum": "complaints.enums.ContactChannel",
        "ContactOutcomeEnum": "complaints.enums.ContactOutcome",
        "CustomerTierEnum": "complaints.enums.CustomerTier",
        "DamageTypeEnum": "repair.enums.DamageType",
        "EmotionEnum": "complaints.enums.Emotion",
        "EventKindEnum": "complaints.enums.EventKind",
        "ExpectationEnum": "complaints.enums.Expectation",
        "FieldEnum": "complaints.api.serializers.OVERRIDE_FIELDS",
        "FigureKindEnum": "complaints.api.reports.FIGURE_KINDS",
        "GroupByEnum": "surveys.selectors.GROUPS",
        "ImportStateEnum": "repair.enums.ImportState",
        "KeyEventKindEnum": "repair.enums.KeyEventKind",
        "LanguageEnum": "complaints.enums.Language",
        "LineEnum": "repair.enums.StrategyLine",
        "OpenCallbackStateEnum": "repair.api.serializers.OPEN_STATE_CHOICES",
        "PriorityEnum": "complaints.enums.Priority",
        "ReasonEnum": "complaints.enums.CancelReason",
        "RepairCaseStateEnum": "repair.enums.RepairState",
        "SourceEnum": "repair.enums.CallbackSource",
        "StatusEnum": "complaints.enums.SlaStatus",
        "SubjectEnum": "complaints.enums.Subject",
        "SurveyInvitationChannelEnum": "surveys.enums.InvitationChannel",
        "SurveyInvitationStateEnum": "surveys.enums.InvitationState",
        "TrendSeriesKindEnum": "complaints.api.reports.SERIES_KINDS",
        "WebhookDeliveryStateEnum": "complaints.enums.WebhookState",
        # Read when the schema is built, after surveys and repair registered theirs.
        "WebhookEventTypeEnum": "complaints.services.webhooks.event_type_choices",
        "WorkOrderStateEnum": "complaints.enums.WorkOrderState",
    },
    # After the enums are named: the parts of the contract every operation shares
    # (401/403/429, Idempotency-Key on POST, 412 with If-Match...), in one place.
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "config.schema.add_contract_responses",
    ],
}

# Rate limits (complaints.api.throttling): a token's own rate_limit wins over
# API_TOKEN_RATE; sessions and unauthenticated callers have theirs. Empty: no limit.
API_TOKEN_RATE = env.rate_var("API_TOKEN_RATE", "1200/min")
API_USER_RATE = env.rate_var("API_USER_RATE", "600/min")
API_ANON_RATE = env.rate_var("API_ANON_RATE", "300/min")
# Idempotency-Key: how long a stored response is replayed, and how long a retry
# waits for its still-running twin before 409.
IDEMPOTENCY_KEY_TTL_HOURS = env.int_var("IDEMPOTENCY_KEY_TTL_HOURS", 24, minimum=1)
IDEMPOTENCY_WAIT_SECONDS = env.int_var("IDEMPOTENCY_WAIT_SECONDS", 10, minimum=1)
# Largest API body (JSON); file uploads (attachments, key-event CSVs) may be larger.
API_MAX_BODY_BYTES = env.int_var("API_MAX_BODY_BYTES", 2_621_440, minimum=1024)
API_MAX_UPLOAD_BYTES = env.int_var("API_MAX_UPLOAD_BYTES", 64 * 1024 * 1024, minimum=1024)

# --- Logging -----------------------------------------------------------------
# LOG_FORMAT json: one JSON object per line (production's default), for a log shipper;
# plain: one readable line (development, tests). Either way every record carries the
# request id, user and complaint of the request or task that wrote it (config/logging.py),
# and phone numbers and email addresses are masked before anything is written.
LOG_LEVEL = env.str_var("LOG_LEVEL", "INFO").upper()
LOG_FORMAT = env.str_var("LOG_FORMAT", "plain").lower()
LOG_FORMATS = ("json", "plain")
if LOG_FORMAT not in LOG_FORMATS:
    raise ImproperlyConfigured(f"LOG_FORMAT={LOG_FORMAT!r} must be 'json' or 'plain'.")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {
        # Context first, masking second: the mask renders the message once, for good.
        "context": {"()": "config.logging.ContextFilter"},
        "mask_personal_data": {"()": "config.logging.MaskPersonalDataFilter"},
    },
    "formatters": {
        "plain": {
            "()": "config.logging.PlainFormatter",
            "format": "%(asctime)s %(levelname)s %(name)s %(message)s",
        },
        "json": {"()": "config.logging.JsonFormatter"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": LOG_FORMAT,
            "filters": ["context", "mask_personal_data"],
        },
    },
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {
        "django.db.backends": {"level": "INFO"},
        # django-axes tells of every login and reset at INFO; failures and lockouts are
        # WARNING, which is what an operator needs.
        "axes": {"level": "WARNING"},
    },
}

# --- Metrics ---------------------------------------------------------------------
# /metrics (config/metrics.py) answers a scraper that sends METRICS_TOKEN as a bearer
# token, or one calling from METRICS_ALLOWED_IPS (addresses or networks, as the web
# process sees REMOTE_ADDR); anyone else gets 403. Empty both to close it.
# PROMETHEUS_MULTIPROC_DIR (read by prometheus-client itself) sums several gunicorn workers.
METRICS_TOKEN = env.str_var("METRICS_TOKEN", "")
METRICS_ALLOWED_IPS = env.list_var("METRICS_ALLOWED_IPS", ["127.0.0.1", "::1"])
for _network in METRICS_ALLOWED_IPS:
    try:
        ipaddress.ip_network(_network, strict=False)
    except ValueError:
        raise ImproperlyConfigured(
            f"METRICS_ALLOWED_IPS has {_network!r}, which is no IP address or network."
        ) from None

# Demo data (make run) is refused where this is False: the production profile.
DEMO_DATA_ALLOWED = True

# --- Product rules (DOMAIN.md figures: per-centre defaults, not constants) ------
# A complaint from the same customer in the same category within this many days
# of an earlier one is a repeat.
COMPLAINT_REPEAT_WINDOW_DAYS = env.int_var("COMPLAINT_REPEAT_WINDOW_DAYS", 30, minimum=1)
# A resolved or closed complaint may be reopened within this many days.
COMPLAINT_REOPEN_WINDOW_DAYS = env.int_var("COMPLAINT_REOPEN_WINDOW_DAYS", 30, minimum=1)
# The documented closing rule when the customer cannot confirm: this many
# unanswered contact attempts, spread over at least this many days.
COMPLAINT_NO_ANSWER_CLOSE_ATTEMPTS = env.int_var("COMPLAINT_NO_ANSWER_CLOSE_ATTEMPTS", 3, minimum=1)
COMPLAINT_NO_ANSWER_CLOSE_DAYS = env.int_var("COMPLAINT_NO_ANSWER_CLOSE_DAYS", 3, minimum=0)
PHONE_DEFAULT_REGION = env.str_var("PHONE_DEFAULT_REGION", "CN")
ATTACHMENT_MAX_BYTES = env.int_var("ATTACHMENT_MAX_BYTES", 10 * 1024 * 1024, minimum=1)
# The learned classifier fills a missing category above this confidence, and
# raises (never lowers) a priority above the second.
CLASSIFIER_CATEGORY_MIN_CONFIDENCE = env.float_var("CLASSIFIER_CATEGORY_MIN_CONFIDENCE", 0.6)
CLASSIFIER_PRIORITY_RAISE_MIN_CONFIDENCE = env.float_var(
    "CLASSIFIER_PRIORITY_RAISE_MIN_CONFIDENCE", 0.8
)
# Training needs at least this many classified complaints.
CLASSIFIER_MIN_TRAINING_ROWS = env.int_var("CLASSIFIER_MIN_TRAINING_ROWS", 50, minimum=2)

# --- Messaging (the outbox) --------------------------------------------------------
# Non-urgent SMS and email wait outside these centre-time hours (DOMAIN.md: no
# contact after 21:30).
QUIET_HOURS_START = env.str_var("QUIET_HOURS_START", "21:30")
QUIET_HOURS_END = env.str_var("QUIET_HOURS_END", "08:00")
SMS_BACKEND = env.str_var("SMS_BACKEND", "complaints.services.messaging.FileSmsBackend")
SMS_FILE_PATH = VAR_DIR / "outbox" / "sms.jsonl"
SMS_GATEWAY_URL = env.str_var("SMS_GATEWAY_URL", "")
SMS_GATEWAY_TOKEN = env.str_var("SMS_GATEWAY_TOKEN", "")
EMAIL_BACKEND = env.str_var("EMAIL_BACKEND", "django.core.mail.backends.filebased.EmailBackend")
EMAIL_FILE_PATH = VAR_DIR / "outbox" / "email"
EMAIL_HOST = env.str_var("EMAIL_HOST", "localhost")
EMAIL_PORT = env.int_var("EMAIL_PORT", 25, minimum=1)
EMAIL_HOST_USER = env.str_var("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env.str_var("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env.bool_var("EMAIL_USE_TLS", False)
DEFAULT_FROM_EMAIL = env.str_var("DEFAULT_FROM_EMAIL", "complaints@localhost")

# --- Webhooks (docs/webhooks.md) ---------------------------------------------------
# Subscription URLs resolving to private, loopback or link-local addresses are
# refused (SSRF) unless this is on; the development and test profiles turn it on.
WEBHOOK_ALLOW_PRIVATE_URLS = env.bool_var("WEBHOOK_ALLOW_PRIVATE_URLS", False)
# Attempts per delivery; retries wait 1, 2, 4 ... minutes (plus jitter), capped below.
WEBHOOK_MAX_ATTEMPTS = env.int_var("WEBHOOK_MAX_ATTEMPTS", 10, minimum=1)
WEBHOOK_RETRY_MAX_MINUTES = env.int_var("WEBHOOK_RETRY_MAX_MINUTES", 360, minimum=1)
# A subscription whose deliveries failed this many times in a row is disabled.
WEBHOOK_DISABLE_AFTER_FAILURES = env.int_var("WEBHOOK_DISABLE_AFTER_FAILURES", 10, minimum=1)
# After a secret rotation the previous secret also signs for this many hours.
WEBHOOK_SECRET_OVERLAP_HOURS = env.int_var("WEBHOOK_SECRET_OVERLAP_HOURS", 24, minimum=0)
# Finished deliveries (and their attempts) are kept this many days.
WEBHOOK_RETENTION_DAYS = env.int_var("WEBHOOK_RETENTION_DAYS", 30, minimum=1)

# --- SLA --------------------------------------------------------------------------
# What a breached urgent complaint does besides notifying: "notify" only, or
# "reassign" it to a supervisor of its team.
SLA_URGENT_BREACH_ACTION = env.str_var("SLA_URGENT_BREACH_ACTION", "notify")
if SLA_URGENT_BREACH_ACTION not in ("notify", "reassign"):
    raise ImproperlyConfigured("SLA_URGENT_BREACH_ACTION must be 'notify' or 'reassign'.")

# --- Callbacks ("every call returned") -----------------------------------------------
# Minutes from the start of a booking's clock to its due time, per source.
CALLBACK_DUE_MINUTES = {
    "default": env.int_var("CALLBACK_DUE_MINUTES", 60, minimum=1),
    "dropped_call": env.int_var("CALLBACK_DROPPED_DUE_MINUTES", 10, minimum=1),
    "silent_call": env.int_var("CALLBACK_SILENT_DUE_MINUTES", 10, minimum=1),
}
# Sources that get an immediate SMS apology when booked.
CALLBACK_SMS_APOLOGY_SOURCES = frozenset(
    env.list_var("CALLBACK_SMS_APOLOGY_SOURCES", ["dropped_call"])
)
CALLBACK_RETRY_MINUTES = env.int_var("CALLBACK_RETRY_MINUTES", 10, minimum=1)
CALLBACK_MAX_ATTEMPTS = env.int_var("CALLBACK_MAX_ATTEMPTS", 3, minimum=1)
# Bookings assigned per run of the assignment task (it runs every minute).
CALLBACK_ASSIGN_BATCH = 500
# Callbacks one agent completes in an hour: turns bookings per hour into agents needed.
CALLBACK_AGENT_HOURLY_CAPACITY = env.int_var("CALLBACK_AGENT_HOURLY_CAPACITY", 8, minimum=1)

# --- Repair ----------------------------------------------------------------------------
REPAIR_DUE_HOURS = env.int_var("REPAIR_DUE_HOURS", 48, minimum=1)

# --- Surveys ---------------------------------------------------------------------------
SURVEY_DELAY_MINUTES = env.int_var("SURVEY_DELAY_MINUTES", 60, minimum=0)
SURVEY_SUPPRESSION_DAYS = env.int_var("SURVEY_SUPPRESSION_DAYS", 30, minimum=0)
SURVEY_LINK_DAYS = env.int_var("SURVEY_LINK_DAYS", 7, minimum=1)
# A low answer may also reopen the complaint (the repair case opens either way).
SURVEY_LOW_SCORE_REOPENS = env.bool_var("SURVEY_LOW_SCORE_REOPENS", False)
# Shared secret with the SMS gateway for signed inbound replies (HMAC-SHA256).
SMS_INBOUND_SECRET = env.str_var("SMS_INBOUND_SECRET", "")
# Where customers reach the public survey pages (links in SMS and email).
PUBLIC_BASE_URL = env.str_var("PUBLIC_BASE_URL", "http://127.0.0.1:8000")
# The level table's base level per damage type (each aggravating factor adds one, up to 4).
REPAIR_LEVEL_BASE = {
    "call_loss": 1,
    "survey_dissatisfied": 2,
    "complaint": 2,
    "process": 1,
    "key_event": 1,
}
# Responsibility rule: outsourced agents' dissatisfied customers go to this team.
REPAIR_QUALITY_TEAM = env.str_var("REPAIR_QUALITY_TEAM", "Quality repair")
# Team (by name) that repairs each other damage type; empty: the complaint's team.
REPAIR_TEAMS = {
    "call_loss": env.str_var("REPAIR_TEAM_CALL_LOSS", ""),
    "complaint": env.str_var("REPAIR_TEAM_COMPLAINT", ""),
    "process": env.str_var("REPAIR_TEAM_PROCESS", ""),
    "key_event": env.str_var("REPAIR_TEAM_KEY_EVENT", ""),
}

# --- Retention (manage.py apply_retention; weekly beat task) ---------------------------
# A customer not in touch for this many days (no complaint, timeline entry, callback,
# survey or repair activity, no open work) is anonymised; 0 = never.
RETENTION_CUSTOMER_DAYS = env.int_var("RETENTION_CUSTOMER_DAYS", 3 * 365, minimum=0)
# Attachments of complaints closed or cancelled this many days ago are deleted; 0 = never.
RETENTION_ATTACHMENT_DAYS = env.int_var("RETENTION_ATTACHMENT_DAYS", 365, minimum=0)
# Customers (or attachments) per transaction: a customer's complaints, timeline and survey
# rows are rewritten in the same transaction, so 200 keeps each one to seconds and its row
# locks short while the centre works.
RETENTION_BATCH_SIZE = env.int_var("RETENTION_BATCH_SIZE", 200, minimum=1)
