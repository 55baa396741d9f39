"""The read replica (config/db_router.py): router decisions, then a real streaming replica.

The first tests need no replica: the router's decisions with the suite's settings (no
``DATABASE_REPLICA_URL``: always the primary) and with a replica's health given.

The rest run against a real PostgreSQL streaming replica on 127.0.0.1:5433, made here: a
private primary on a free port (the shared 5432 cluster may hold big benchmark
databases, so it is never base-backed-up), this suite's test database copied into it,
``pg_basebackup -R`` into a scratch directory, started with ``pg_ctl``; both are stopped
and deleted afterwards. The Django side runs once, in a child process whose ``default``
is that primary and whose ``replica`` is 5433 (a process's database aliases are fixed
at start): ``python -m tests.ops.test_replica`` runs the steps below in order and prints
what each request read where; the tests here judge one step each.

Where the replica cannot be made (not root, no PostgreSQL binaries, 5433 already taken)
those tests skip saying why; with ``REQUIRE_REPLICA=1`` (CI) they fail instead.
"""

import contextlib
import contextvars
import json
import os
import socket
import subprocess
import sys
import time
import traceback
from collections.abc import Callable, Iterator

import pytest
from django.db import OperationalError
from django.http import HttpResponse, StreamingHttpResponse
from prometheus_client import REGISTRY

from config import db_router
from config.db_router import Health, ReplicaRouter, replica_reads, request_state
from tests.faults.processes import PG_BIN, ROOT, PrivatePostgres, django_env, free_port

REPLICA_PORT = 5433
REQUIRE = os.environ.get("REQUIRE_REPLICA") == "1"
RESULT_MARK = "REPLICA-STEPS "
BASE_SETTINGS = ROOT / "config" / "settings" / "base.py"
INNER_TIMEOUT = 180  # seconds; the steps take about 15 on an idle machine


def fallbacks(reason: str) -> float:
    return REGISTRY.get_sample_value("cts_replica_fallback_total", {"reason": reason}) or 0.0


# --- The router's decisions, no replica needed -------------------------------------------


def test_without_a_replica_every_read_goes_to_the_primary(settings):
    assert "replica" not in settings.DATABASES
    assert not getattr(settings, "DATABASE_ROUTERS", [])
    before = fallbacks("down") + fallbacks("lag")
    router = ReplicaRouter()
    with request_state(pinned=False), replica_reads() as alias:
        assert alias == "default"
        assert router.db_for_read(object) == "default"
    assert router.db_for_read(object) == "default"
    assert fallbacks("down") + fallbacks("lag") == before  # no replica is no fallback


@pytest.fixture
def replica_in_health(monkeypatch):
    """A configured replica whose health is what the test sets (``state.health``)."""

    class State:
        health = Health("ok", 0.0, 0.0)

    monkeypatch.setattr(db_router, "replica_configured", lambda: True)
    monkeypatch.setattr(db_router, "replica_health", lambda: State.health)
    return State


def test_reads_go_to_the_replica_only_inside_a_scope(replica_in_health):
    router = ReplicaRouter()
    with request_state(pinned=False):
        assert router.db_for_read(object) == "default"
        with replica_reads():
            assert router.db_for_read(object) == "replica"
            with replica_reads():
                assert router.db_for_read(object) == "replica"
            assert router.db_for_read(object) == "replica"
        assert router.db_for_read(object) == "default"


def test_a_write_pins_the_rest_of_the_request_to_the_primary(replica_in_health):
    router = ReplicaRouter()
    with request_state(pinned=False):
        with replica_reads():
            assert router.db_for_write(object) == "default"
            assert router.db_for_read(object) == "default"
        with replica_reads() as alias:  # a later scope of the same request too
            assert alias == "default"
    with request_state(pinned=False), replica_reads():
        assert router.db_for_read(object) == "replica"  # the next request starts afresh


def test_an_unsafe_request_reads_the_primary_throughout(replica_in_health):
    with request_state(pinned=True), replica_reads() as alias:
        assert alias == "default"
        assert ReplicaRouter().db_for_read(object) == "default"


@pytest.mark.parametrize("state", ["down", "lag"])
def test_an_unhealthy_replica_falls_back_to_the_primary_and_counts(replica_in_health, state):
    replica_in_health.health = Health(state, None, 0.0)
    before = fallbacks(state)
    with request_state(pinned=False), replica_reads() as alias:
        assert alias == "default"
        assert ReplicaRouter().db_for_read(object) == "default"
    assert fallbacks(state) == before + 1


def test_a_streamed_export_reads_the_replica_while_it_is_sent(replica_in_health):
    router = ReplicaRouter()
    seen = []

    def rows() -> Iterator[bytes]:
        for _ in range(2):
            seen.append(router.db_for_read(object))
            yield b"row\n"

    @replica_reads()
    def export(request) -> StreamingHttpResponse:
        return StreamingHttpResponse(rows())

    def serve() -> bytes:
        with request_state(pinned=False):
            response = export(None)
        router.db_for_write(object)  # a session saved after the request pins the thread
        body = b"".join(response.streaming_content)  # the server sends it afterwards
        assert router.db_for_read(object) == "default"  # nothing outside the chunks
        return body

    assert contextvars.copy_context().run(serve) == b"row\nrow\n"
    assert seen == ["replica", "replica"]


def test_a_view_the_replica_fails_under_runs_again_on_the_primary(replica_in_health):
    router = ReplicaRouter()
    calls = []

    @replica_reads()
    def board(request) -> HttpResponse:
        calls.append(router.db_for_read(object))
        if len(calls) == 1:
            replica_in_health.health = Health("down", None, 0.0)  # what the recheck finds
            raise OperationalError("server closed the connection unexpectedly")
        return HttpResponse("ok")

    before = fallbacks("down")
    with request_state(pinned=False):
        assert board(None).content == b"ok"
    assert calls == ["replica", "default"]
    assert fallbacks("down") == before + 1


def test_an_error_that_is_not_the_replicas_is_raised(replica_in_health):
    @replica_reads()
    def board(request) -> HttpResponse:
        raise OperationalError("canceling statement due to statement timeout")

    with request_state(pinned=False), pytest.raises(OperationalError):
        board(None)


def test_replica_settings(monkeypatch):
    import runpy

    from django.core.exceptions import ImproperlyConfigured

    monkeypatch.setenv("DATABASE_URL", "postgres://app@primary.example:5432/complaints")
    monkeypatch.delenv("DATABASE_REPLICA_URL", raising=False)
    unset = runpy.run_path(str(BASE_SETTINGS))
    assert set(unset["DATABASES"]) == {"default"} and "DATABASE_ROUTERS" not in unset

    monkeypatch.setenv("DATABASE_REPLICA_URL", "postgres://app@replica.example:5432/complaints")
    monkeypatch.setenv("DATABASE_REPLICA_MAX_LAG_SECONDS", "12")
    configured = runpy.run_path(str(BASE_SETTINGS))
    replica = configured["DATABASES"]["replica"]
    assert replica["HOST"] == "replica.example" and replica["NAME"] == "complaints"
    assert replica["CONN_HEALTH_CHECKS"] is True
    assert replica["OPTIONS"]["connect_timeout"] == 2
    assert replica["TEST"] == {"MIRROR": "default"}
    assert configured["DATABASE_ROUTERS"] == ["config.db_router.ReplicaRouter"]
    assert configured["DATABASE_REPLICA_MAX_LAG_SECONDS"] == 12

    monkeypatch.setenv("DATABASE_URL", "sqlite:///tmp/trial.sqlite3")
    with pytest.raises(ImproperlyConfigured, match="DATABASE_REPLICA_URL"):
        runpy.run_path(str(BASE_SETTINGS))


# --- A real streaming replica --------------------------------------------------------------


class ReplicationPrimary(PrivatePostgres):
    """A private cluster that a streaming replica can be base-backed-up from."""

    def start(self) -> None:
        conf = self.data / "postgresql.conf"
        if "max_wal_senders = 4" not in conf.read_text():
            with conf.open("a") as settings_file:
                settings_file.write("wal_level = replica\nmax_wal_senders = 4\n")
            with (self.data / "pg_hba.conf").open("a") as hba:
                hba.write("host replication all 127.0.0.1/32 trust\n")
        super().start()


class StreamingReplica:
    """``pg_basebackup -R`` of ``primary`` into its scratch directory, serving on ``port``."""

    def __init__(self, primary: ReplicationPrimary, port: int) -> None:
        self.primary = primary
        self.data = primary.root / "replica"
        primary._as_postgres(
            PG_BIN / "pg_basebackup",
            "-R",
            "-D",
            self.data,
            "-h",
            "127.0.0.1",
            "-p",
            primary.port,
            "-U",
            "postgres",
            "-X",
            "stream",
            "-c",
            "fast",
            "--no-sync",
        )
        options = (
            f"-p {port} -c listen_addresses=127.0.0.1 -c unix_socket_directories={primary.root} "
            "-c hot_standby=on -c fsync=off"
        )
        primary._as_postgres(
            PG_BIN / "pg_ctl",
            "-D",
            self.data,
            "-l",
            primary.root / "replica.log",
            "-o",
            options,
            "-w",
            "start",
        )

    def stop(self) -> None:
        with contextlib.suppress(subprocess.CalledProcessError, subprocess.TimeoutExpired):
            self.primary._as_postgres(
                PG_BIN / "pg_ctl", "-D", self.data, "-m", "immediate", "-w", "stop"
            )


def _answers(port: int) -> bool:
    with socket.socket() as probe:
        probe.settimeout(1)
        return probe.connect_ex(("127.0.0.1", port)) == 0


def _why_no_replica() -> str | None:
    reason = PrivatePostgres.available()
    if reason is None and not (PG_BIN / "pg_basebackup").exists():
        reason = f"no pg_basebackup in {PG_BIN}"
    if reason is None and _answers(REPLICA_PORT):
        reason = f"127.0.0.1:{REPLICA_PORT} is already taken; stop what listens there"
    return reason


@pytest.fixture(scope="module")
def steps(django_db_setup, django_db_blocker) -> dict:
    """Make the primary and its replica, run the Django steps against them, clean up."""
    reason = _why_no_replica()
    if reason is not None:
        message = f"no streaming replica on 127.0.0.1:{REPLICA_PORT}: {reason}"
        if REQUIRE:
            pytest.fail(f"REQUIRE_REPLICA=1 but {message}")
        pytest.skip(message)
    from django.db import connection

    primary = ReplicationPrimary(free_port())
    replica = None
    try:
        with django_db_blocker.unblock():
            primary.copy_database(connection.settings_dict, "complaints")
        replica = StreamingReplica(primary, REPLICA_PORT)
        env = django_env(
            DATABASE_URL=primary.url("complaints"),
            DATABASE_REPLICA_URL=f"postgres://postgres@127.0.0.1:{REPLICA_PORT}/complaints",
            REPLICA_TEST_DATA=str(replica.data),
        )
        child = subprocess.run(  # noqa: S603 - our own interpreter and module
            [sys.executable, "-m", "tests.ops.test_replica"],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=INNER_TIMEOUT,
        )
        marked = [line for line in child.stdout.splitlines() if line.startswith(RESULT_MARK)]
        assert child.returncode == 0 and marked, child.stdout[-3000:] + child.stderr[-3000:]
        return json.loads(marked[-1][len(RESULT_MARK) :])
    finally:
        if replica is not None:
            replica.stop()
        primary.remove()


# The steps read nothing from this suite's database, but copy it: it must exist.
on_the_replica = pytest.mark.django_db


def step(steps: dict, name: str) -> dict:
    result = steps[name]
    assert "error" not in result, result["error"]
    return result


@on_the_replica
def test_the_aliases_are_a_primary_and_its_replica(steps):
    result = step(steps, "aliases")
    assert result == {"default": False, "replica": True}  # pg_is_in_recovery()


@on_the_replica
@pytest.mark.parametrize("page", ["dashboard", "api_list", "api_board", "export"])
def test_dashboard_report_export_and_list_reads_go_to_the_replica(steps, page):
    result = step(steps, page)
    assert result["status"] == 200
    assert result["replica"] > 0
    assert result["primary_reads_of_complaints"] == 0, result["primary"]


@on_the_replica
def test_a_write_goes_to_the_primary(steps):
    result = step(steps, "write")
    assert result["status"] == 302
    assert result["replica"] == 0
    assert any(sql.startswith("INSERT") for sql in result["primary"])


@on_the_replica
def test_reads_after_a_write_in_the_same_scope_go_to_the_primary(steps):
    result = step(steps, "scope_write")
    assert result["aliases"] == ["replica", "default", "default"]  # read, write, read


@on_the_replica
def test_a_request_that_wrote_reads_the_primary(steps):
    # A token's first call records its use (an UPDATE), then lists: from the primary.
    result = step(steps, "token_first_call")
    assert result["status"] == 200
    assert any(sql.startswith("UPDATE") for sql in result["primary"])
    assert result["replica"] == 0 and result["primary_reads_of_complaints"] > 0
    assert result["fallbacks"] == 0  # pinned by its write, not a fallback
    later = step(steps, "token_later_call")  # no write this time: the replica again
    assert later["replica"] > 0 and later["primary_reads_of_complaints"] == 0


@on_the_replica
def test_a_list_from_the_paused_replica_lacks_a_complaint_only_the_primary_has(steps):
    result = step(steps, "stale_proof")
    assert result["listed_while_paused"] is False  # read on the replica, which had not replayed it
    assert result["listed_by_pinned_request"] is True  # the primary has it
    assert result["listed_after_resume"] is True


@on_the_replica
def test_a_lagging_replica_falls_back_to_the_primary(steps):
    result = step(steps, "lag")
    assert result["status"] == 200
    assert result["replica_queries_while_lagging"] == 0
    assert result["fallbacks"] == {"lag": 1, "down": 0}
    assert result["lag_gauge"] > 1
    assert result["warnings"] == 1
    # Caught up, then idle past the limit: its last commit is old but nothing is left to
    # replay, so it is current and used again.
    assert result["replica_after_catch_up"] > 0
    assert result["lag_gauge_after_catch_up"] == 0
    assert result["recovered_warnings"] == 1


@on_the_replica
def test_a_stopped_replica_falls_back_to_the_primary(steps):
    result = step(steps, "down")
    assert result["statuses"] == [200, 200, 200]
    # Stopped under a fresh "healthy" check: the view failed on it and ran again on the
    # primary; the next request knew it was down.
    assert result["fallbacks"] == {"down": 2, "lag": 0}
    assert result["replica_queries_after_stop"] == 0
    assert result["lag_gauge_is_nan"] is True
    assert result["warnings"] == 1


# --- The child process: Django on the private primary and its replica -----------------------


def _run_steps() -> dict:  # pragma: no cover - runs in the child process
    import logging
    import math

    import django

    django.setup()
    from django.db import connections
    from django.test import Client, override_settings
    from django.test.utils import setup_test_environment
    from django.urls import reverse
    from rest_framework.test import APIClient

    from complaints.models import ApiToken, Complaint, Team
    from complaints.services import issue_api_token
    from tests.factories import TeamFactory, UserFactory, make_complaint
    from tests.reference_data import seed_reference_data

    setup_test_environment()
    seed_reference_data()  # the copied database may come from after a flush
    warnings: list[str] = []

    class Collect(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            warnings.append(record.getMessage())

    logging.getLogger("config.db_router").addHandler(Collect(logging.WARNING))

    team = TeamFactory(name="Replica team")
    supervisor = UserFactory(username="replica-supervisor", team=team, role="Supervisor")
    first = make_complaint(created_by=supervisor, team=team)
    client = Client()
    client.force_login(supervisor)
    results: dict[str, dict] = {}

    def run(name: str, body: Callable[[], dict]) -> None:
        try:
            results[name] = body()
        except Exception:
            results[name] = {"error": traceback.format_exc()}

    @contextlib.contextmanager
    def queries() -> Iterator[dict[str, list[str]]]:
        """The SQL each alias ran (without connecting: the replica may be down)."""
        seen: dict[str, list[str]] = {"default": [], "replica": []}
        with contextlib.ExitStack() as stack:
            for alias, statements in seen.items():

                def record(execute, sql, params, many, context, statements=statements):
                    statements.append(sql)
                    return execute(sql, params, many, context)

                stack.enter_context(connections[alias].execute_wrapper(record))
            yield seen

    def request(get: Callable[[], object]) -> dict:
        with queries() as seen:
            response = get()
            if getattr(response, "streaming", False):
                b"".join(response.streaming_content)
        return {
            "status": response.status_code,
            # What the pages read there; the health check is not one of them.
            "replica": sum(sql != db_router.LAG_SQL for sql in seen["replica"]),
            "primary": seen["default"],
            "primary_reads_of_complaints": sum(
                sql.startswith("SELECT") and "complaints_complaint" in sql
                for sql in seen["default"]
            ),
        }

    def one(alias: str, sql: str, params: tuple = ()):
        with connections[alias].cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.fetchone()[0]

    def wait_until(condition: Callable[[], bool], what: str, timeout: float = 30) -> None:
        deadline = time.monotonic() + timeout
        while not condition():
            if time.monotonic() > deadline:
                raise AssertionError(f"timed out waiting for {what}")
            time.sleep(0.1)

    def caught_up() -> bool:
        target = one("default", "SELECT pg_current_wal_lsn()::text")
        return one("replica", "SELECT pg_last_wal_replay_lsn() >= %s::pg_lsn", (target,))

    def pause_replay() -> None:
        one("replica", "SELECT pg_wal_replay_pause()::text")
        wait_until(
            lambda: one("replica", "SELECT pg_get_wal_replay_pause_state()") == "paused",
            "replay to pause",
        )

    def resume_replay() -> None:
        one("replica", "SELECT pg_wal_replay_resume()::text")
        wait_until(caught_up, "the replica to catch up")

    def counts() -> dict[str, int]:
        return {reason: int(fallbacks(reason)) for reason in ("lag", "down")}

    def listed(api: object, complaint: Complaint) -> bool:
        response = api.get("/api/v1/complaints/", {"page_size": 100})
        assert response.status_code == 200, response.content
        return complaint.reference in {row["reference"] for row in response.json()["results"]}

    wait_until(caught_up, "the replica to replay the set-up")
    run(
        "aliases",
        lambda: {alias: one(alias, "SELECT pg_is_in_recovery()") for alias in connections},
    )
    run("dashboard", lambda: request(lambda: client.get(reverse("complaints:dashboard"))))
    api = APIClient()
    api.force_login(supervisor)
    run("api_list", lambda: request(lambda: api.get("/api/v1/complaints/")))
    run("api_board", lambda: request(lambda: api.get("/api/v1/reports/board/")))
    run(
        "export",
        lambda: request(lambda: client.get(reverse("complaints:export"), {"format": "csv"})),
    )
    run(
        "write",
        lambda: request(
            lambda: client.post(
                reverse("complaints:action", args=[first.pk, "note"]), {"text": "Called back"}
            )
        ),
    )

    def scope_write() -> dict:
        with queries() as seen, request_state(pinned=False), replica_reads():
            aliases = []
            for action in (
                lambda: Complaint.objects.filter(pk=first.pk).exists(),
                lambda: Team.objects.filter(pk=team.pk).update(name=team.name),
                lambda: Complaint.objects.filter(pk=first.pk).exists(),
            ):
                marks = {alias: len(statements) for alias, statements in seen.items()}
                action()
                aliases += [alias for alias in seen if len(seen[alias]) > marks[alias]]
        return {"aliases": aliases}

    run("scope_write", scope_write)

    def token_call(token_api: APIClient) -> dict:
        before = sum(counts().values())
        result = request(lambda: token_api.get("/api/v1/complaints/"))
        return {**result, "fallbacks": sum(counts().values()) - before}

    _token, raw = issue_api_token(name="replica", user=supervisor, scopes=["complaints:read"])
    token_api = APIClient()
    token_api.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    run("token_first_call", lambda: token_call(token_api))
    run("token_later_call", lambda: token_call(token_api))

    def stale_proof() -> dict:
        pause_replay()
        try:
            only_on_primary = make_complaint(created_by=supervisor, team=team)
            listed_while_paused = listed(api, only_on_primary)
            ApiToken.objects.filter(pk=_token.pk).update(last_used_at=None)
            listed_by_pinned = listed(token_api, only_on_primary)  # its write pins it
        finally:
            resume_replay()
        return {
            "listed_while_paused": listed_while_paused,
            "listed_by_pinned_request": listed_by_pinned,
            "listed_after_resume": listed(api, only_on_primary),
        }

    run("stale_proof", stale_proof)

    def lag() -> dict:
        before, warned = counts(), len(warnings)
        with override_settings(DATABASE_REPLICA_MAX_LAG_SECONDS=1):
            pause_replay()
            try:
                make_complaint(created_by=supervisor, team=team)  # WAL the replica won't apply
                time.sleep(1.5)
                db_router.forget_health()
                lagging = request(lambda: client.get(reverse("complaints:dashboard")))
                lag_gauge = REGISTRY.get_sample_value("cts_replica_lag_seconds")
                during = {key: value - before[key] for key, value in counts().items()}
                lag_warnings = len(warnings) - warned
            finally:
                resume_replay()
            time.sleep(1.5)  # idle: the last replayed commit is now older than the limit
            db_router.forget_health()
            recovered = request(lambda: client.get(reverse("complaints:dashboard")))
        return {
            "status": lagging["status"],
            "replica_queries_while_lagging": lagging["replica"],
            "fallbacks": during,
            "lag_gauge": lag_gauge,
            "warnings": lag_warnings,
            "replica_after_catch_up": recovered["replica"],
            "lag_gauge_after_catch_up": REGISTRY.get_sample_value("cts_replica_lag_seconds"),
            "recovered_warnings": len(warnings) - warned - lag_warnings,
        }

    run("lag", lag)

    def down() -> dict:
        # A long cache: the replica stops right after a healthy check, as in production it
        # may die between two checks.
        db_router.HEALTH_CACHE_SECONDS = 60.0
        db_router.forget_health()
        statuses = [client.get(reverse("complaints:dashboard")).status_code]
        before, warned = counts(), len(warnings)
        subprocess.run(  # noqa: S603,S607 - fixed binaries, our own scratch directory
            [
                "runuser", "-u", "postgres", "--", str(PG_BIN / "pg_ctl"), "-D",
                os.environ["REPLICA_TEST_DATA"], "-m", "immediate", "-w", "stop",
            ],
            check=True,
            capture_output=True,
            timeout=60,
        )  # fmt: skip
        statuses.append(client.get(reverse("complaints:dashboard")).status_code)
        after = request(lambda: client.get(reverse("complaints:dashboard")))
        statuses.append(after["status"])
        return {
            "statuses": statuses,
            "fallbacks": {key: value - before[key] for key, value in counts().items()},
            "replica_queries_after_stop": after["replica"],
            "lag_gauge_is_nan": math.isnan(REGISTRY.get_sample_value("cts_replica_lag_seconds")),
            "warnings": len(warnings) - warned,
        }

    run("down", down)
    return results


if __name__ == "__main__":  # pragma: no cover - the child process of ``steps``
    print(RESULT_MARK + json.dumps(_run_steps()), flush=True)
