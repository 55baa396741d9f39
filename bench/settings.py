"""Settings of the benchmarks' web server: the production profile plus a baseline endpoint.

The server runs what production runs (DEBUG off, persistent database connections, the
production middleware); only what a benchmark on 127.0.0.1 cannot have differs: no TLS
redirect (the load comes over plain HTTP) and plain static storage (nothing is collected,
and no benchmark fetches static files). The runner passes a random ``SECRET_KEY``.
"""

import os

os.environ.setdefault("SECURE_SSL_REDIRECT", "false")

from config.settings.production import *  # noqa: E402, F403

ROOT_URLCONF = "bench.urls"
STORAGES = {
    **STORAGES,  # noqa: F405
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
