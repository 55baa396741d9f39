"""Django set-up for benchmarks: databases of their own, migrated, on PostgreSQL.

- ``complaints_bench``: the shared data set (bench/dataset.py) for intake, queue and
  list, survey invitations (and the dashboard, once it exists);
- ``complaints_bench_nohistory``: the same centre without its history, the queue and
  list benchmark's baseline;
- ``complaints_bench_scratch``: benchmarks that load rows of their own and must not
  disturb the shared set (deadline check, key-event import).

The small scale uses ``complaints_bench_small`` and ``complaints_bench_small_nohistory``,
so that a quick run does not throw away a generated million.
"""

import contextlib
import os
import secrets
from collections.abc import Iterator

BENCH_DATABASE = "complaints_bench"
SCRATCH_DATABASE = "complaints_bench_scratch"


def bench_database(scale: str) -> str:
    return BENCH_DATABASE if scale == "full" else f"{BENCH_DATABASE}_{scale}"


def no_history_database(scale: str) -> str:
    return f"{bench_database(scale)}_nohistory"


def setup_django(*, migrate: bool = True, scale: str = "full", database: str = "") -> None:
    """Point Django at a benchmark database; ``migrate=False`` in helper processes.

    The databases and Redis are the benchmarks' own whatever ``DATABASE_URL`` and
    ``REDIS_URL`` say: generating a data set empties the database it runs in. The server
    is ``BENCH_POSTGRES`` (default ``postgres://postgres@127.0.0.1:5432``). A helper
    process (bench/key_event_worker.py) names its ``database``; it runs after the parent
    migrated, and its peak memory must be a worker's, not the migration loader's.
    """
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.development")
    server = os.environ.get("BENCH_POSTGRES", "postgres://postgres@127.0.0.1:5432")
    os.environ["DATABASE_URL"] = f"{server.rstrip('/')}/{database or bench_database(scale)}"
    os.environ["REDIS_URL"] = "redis://127.0.0.1:6379/13"
    os.environ.setdefault("DEBUG", "false")
    # One key for this process and the servers it starts: sessions it creates must verify.
    os.environ.setdefault("SECRET_KEY", secrets.token_urlsafe(50))
    _create_database(os.environ["DATABASE_URL"])
    import django

    django.setup()
    if not migrate:
        return
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def database_url(name: str | None = None) -> str:
    """The URL of the benchmark database ``name`` (default: the current one)."""
    import environ
    from django.db import connection

    config = connection.settings_dict
    name = name or config["NAME"]
    password = f":{config['PASSWORD']}" if config["PASSWORD"] else ""
    url = f"postgres://{config['USER']}{password}@{config['HOST']}:{config['PORT'] or 5432}/{name}"
    environ.Env.db_url_config(url)  # the same parser settings use: fail here, not in a server
    return url


@contextlib.contextmanager
def use_database(name: str) -> Iterator[str]:
    """Run Django against another benchmark database (created and migrated when needed).

    As Django's test runner does: the default connection is closed and pointed at the
    other database, and pointed back afterwards. Yields the database's URL.
    """
    from django.core.management import call_command
    from django.db import connection

    url = database_url(name)
    _create_database(url)
    previous = connection.settings_dict["NAME"]
    connection.close()
    connection.settings_dict["NAME"] = name
    try:
        call_command("migrate", verbosity=0)
        yield url
    finally:
        connection.close()
        connection.settings_dict["NAME"] = previous


def raw_connection():
    """A psycopg2 connection of its own to Django's current database (not Django's)."""
    import psycopg2
    from django.db import connection

    config = connection.settings_dict
    return psycopg2.connect(
        dbname=config["NAME"],
        user=config["USER"],
        password=config["PASSWORD"],
        host=config["HOST"],
        port=config["PORT"] or 5432,
    )


def _create_database(url: str) -> None:
    """Create the benchmark database when it is missing (PostgreSQL only)."""
    import environ
    import psycopg2
    from psycopg2 import sql

    config = environ.Env.db_url_config(url)
    if config["ENGINE"] != "django.db.backends.postgresql":
        return
    connection = psycopg2.connect(
        dbname="postgres",
        user=config["USER"],
        password=config["PASSWORD"],
        host=config["HOST"],
        port=config["PORT"] or 5432,
    )
    connection.autocommit = True
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [config["NAME"]])
        if cursor.fetchone() is None:
            cursor.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(config["NAME"])))
    connection.close()
