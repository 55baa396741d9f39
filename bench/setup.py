"""Django set-up for benchmarks: a database of their own, migrated, on PostgreSQL."""

import os

BENCH_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/complaints_bench"


def setup_django(*, migrate: bool = True) -> None:
    """Point Django at the benchmark database; ``migrate=False`` in helper processes.

    A helper process (bench/key_event_worker.py) runs after the parent migrated, and
    its peak memory must be a worker's, not the migration loader's.
    """
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.development")
    os.environ.setdefault("DATABASE_URL", BENCH_DATABASE_URL)
    os.environ.setdefault("REDIS_URL", "redis://127.0.0.1:6379/13")
    os.environ.setdefault("DEBUG", "false")
    _create_database(os.environ["DATABASE_URL"])
    import django

    django.setup()
    if not migrate:
        return
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


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
