"""Development profile: what ``make run`` uses; embedded defaults, DEBUG on."""

from config import env

from .base import *  # noqa: F403

DEBUG = env.bool_var("DEBUG", True)
SECRET_KEY = (
    env.str_var("SECRET_KEY", "") or "development-only-key-not-for-production-use-0123456789"
)
# Pick up edited static files without a new collectstatic.
WHITENOISE_USE_FINDERS = DEBUG
WHITENOISE_AUTOREFRESH = DEBUG
# The local test receiver and an intranet's endpoints live on private addresses.
WEBHOOK_ALLOW_PRIVATE_URLS = env.bool_var("WEBHOOK_ALLOW_PRIVATE_URLS", True)
