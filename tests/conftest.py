"""Suite-wide set-up: real PostgreSQL and Redis, and the people fixtures."""

import pytest
from django.conf import settings

from tests.factories import TeamFactory, UserFactory

START_POSTGRES = "pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start"
START_REDIS = (
    'redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" '
    "--appendonly no --dir /var/lib/redis --logfile /var/log/redis/ci.log"
)


def pytest_sessionstart(session: pytest.Session) -> None:
    """Stop at once, with a helpful line, when a server the suite needs is down."""
    problems = [problem for problem in (_postgres_problem(), _redis_problem()) if problem]
    if problems:
        pytest.exit("\n".join(problems), returncode=3)


def _postgres_problem() -> str | None:
    import psycopg2

    database = settings.DATABASES["default"]
    if database["ENGINE"] != "django.db.backends.postgresql":
        return f"The suite needs PostgreSQL, but DATABASE_URL points at {database['ENGINE']}."
    try:
        psycopg2.connect(
            dbname="postgres",
            user=database["USER"],
            password=database["PASSWORD"],
            host=database["HOST"],
            port=database["PORT"] or 5432,
            connect_timeout=3,
        ).close()
    except psycopg2.OperationalError as exc:
        first_line = str(exc).strip().splitlines()[0]
        return (
            f"PostgreSQL is not answering at {database['HOST']}:{database['PORT'] or 5432} "
            f"({first_line}).\n  Start it with: {START_POSTGRES}\n"
            "  or point DATABASE_URL at a running server."
        )
    return None


def _redis_problem() -> str | None:
    import redis

    try:
        redis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=3).ping()
    except redis.RedisError as exc:
        return (
            f"Redis is not answering at {settings.REDIS_URL} ({exc}).\n"
            f"  Start it with: {START_REDIS}\n  or point REDIS_URL at a running server."
        )
    return None


@pytest.fixture
def processes():
    """Real processes a test starts (tests/faults/processes.py) go in this list; every one
    is stopped when the test ends, even on failure."""
    started: list = []
    yield started
    for process in reversed(started):
        process.stop()


@pytest.fixture
def media(settings, tmp_path):
    """Uploaded files in the test's own folder."""
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.MEDIA_ROOT.mkdir()
    return settings.MEDIA_ROOT


@pytest.fixture
def reference_data(transactional_db):
    """For transactional tests: the rows data migrations seed, put back after the last flush."""
    from tests.reference_data import seed_reference_data

    seed_reference_data()


@pytest.fixture(autouse=True)
def _default_language():
    """Each test starts in the default language: a page requested in Chinese activates it
    for the whole thread (LocaleMiddleware never deactivates), and it would leak."""
    from django.utils import translation

    translation.deactivate()
    yield
    translation.deactivate()


@pytest.fixture(autouse=True)
def _clean_cache():
    """Each test starts with an empty cache (Redis database 15)."""
    from django.core.cache import cache

    cache.clear()
    yield


@pytest.fixture(scope="session")
def schema(tmp_path_factory, django_db_setup, django_db_blocker) -> dict:
    """The OpenAPI schema, generated once per run by ``manage.py spectacular --validate
    --fail-on-warn``: any drf-spectacular warning or validation error fails every test
    that reads it."""
    import yaml
    from django.core.management import call_command
    from drf_spectacular.drainage import GENERATOR_STATS

    GENERATOR_STATS.reset()  # the counters are process-wide; start from none
    target = tmp_path_factory.mktemp("schema") / "schema.yml"
    with django_db_blocker.unblock():
        call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(target))
    assert not GENERATOR_STATS._warn_cache and not GENERATOR_STATS._error_cache
    return yaml.safe_load(target.read_text())


@pytest.fixture
def team(db):
    return TeamFactory(name="Front line A")


@pytest.fixture
def other_team(db):
    return TeamFactory(name="Front line B")


@pytest.fixture
def agent(team):
    return UserFactory(username="agent", team=team, role="Agent")


@pytest.fixture
def other_agent(other_team):
    return UserFactory(username="other-agent", team=other_team, role="Agent")


@pytest.fixture
def supervisor(team):
    return UserFactory(username="supervisor", team=team, role="Supervisor")


@pytest.fixture
def administrator(db):
    return UserFactory(username="admin", role="Administrator", is_staff=True)


@pytest.fixture
def department_user(db):
    from tests.factories import DepartmentFactory

    return UserFactory(username="billing", department=DepartmentFactory(), role="Department")


@pytest.fixture
def integration_user(db):
    """The service account an integration's API token acts as."""
    return UserFactory(username="ivr", role="Agent")


@pytest.fixture
def lead(team):
    """A team lead of team A: an agent who also sees team A's board."""
    return UserFactory(username="lead", team=team, role="Team lead")


@pytest.fixture
def world(agent, other_agent, team, other_team, django_capture_on_commit_callbacks):
    """The report tests' story (tests/reports_world.py), with the clock left at its NOW."""
    import time_machine

    from tests.reports_world import NOW, build_world

    made = build_world(
        agent=agent,
        other_agent=other_agent,
        team=team,
        other_team=other_team,
        capture=django_capture_on_commit_callbacks,
    )
    with time_machine.travel(NOW, tick=False):
        yield made
