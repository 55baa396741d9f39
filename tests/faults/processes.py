"""Real processes for the fault tests: Celery workers and beats, servers, and their ends.

Each process runs in its own session (process group), so that a kill reaches a worker's
pool children too, and every process a test starts is stopped when it ends, even on failure.
"""

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

from django.conf import settings
from django.db import connection

ROOT = Path(__file__).resolve().parents[2]


def django_env(**overrides: str) -> dict[str, str]:
    """The environment of a process that works on this test's database and broker."""
    database = connection.settings_dict
    env = {key: value for key, value in os.environ.items() if key != "DJANGO_ALLOW_ASYNC_UNSAFE"}
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings.test",
        DATABASE_URL=(
            f"postgres://{database['USER']}@{database['HOST']}:{database['PORT'] or 5432}"
            f"/{database['NAME']}"
        ),
        REDIS_URL=settings.REDIS_URL,
        MEDIA_ROOT=str(settings.MEDIA_ROOT),
        PYTHONUNBUFFERED="1",
    )
    env.update(overrides)
    return env


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Process:
    """A child process with its output in a log file that failures can quote."""

    def __init__(self, name: str, args: list[str], env: dict[str, str], log_dir: Path) -> None:
        self.name = name
        log_dir.mkdir(parents=True, exist_ok=True)
        self.log_path = log_dir / f"{name}.log"
        self._log = self.log_path.open("wb")
        self.popen = subprocess.Popen(  # noqa: S603 - our own interpreter and arguments
            args,
            cwd=ROOT,
            env=env,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")[-4000:]

    def alive(self) -> bool:
        return self.popen.poll() is None

    def kill(self) -> None:
        """SIGKILL to the whole group: no clean-up, no acknowledgement, like a crash."""
        if self.alive():
            os.killpg(self.popen.pid, signal.SIGKILL)
            self.popen.wait(timeout=10)

    def stop(self, timeout: float = 15) -> None:
        if self.alive():
            os.killpg(self.popen.pid, signal.SIGTERM)
            try:
                self.popen.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.kill()
        self._log.close()


def celery(name: str, *arguments: str, env: dict[str, str], log_dir: Path) -> Process:
    return Process(name, [sys.executable, "-m", "celery", "-A", "config", *arguments], env, log_dir)


def start_worker(name: str, *, env: dict[str, str], log_dir: Path, queues: str = "") -> Process:
    """A worker named ``name@fault``, ready to take tasks when this returns."""
    arguments = ["worker", "-n", f"{name}@fault", "-P", "prefork", "-c", "1", "-l", "INFO"]
    arguments += ["--without-gossip", "--without-mingle"]
    if queues:
        arguments += ["-Q", queues]
    worker = celery(name, *arguments, env=env, log_dir=log_dir)
    wait_for(lambda: "ready." in worker.log() or not worker.alive(), 60, f"{name} to start")
    assert worker.alive(), worker.log()
    return worker


def wait_for(condition: Callable[[], bool], timeout: float, what: str, every: float = 0.2) -> None:
    """Poll ``condition`` until it holds; fail saying what was awaited."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(every)
    raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")


def start_redis(port: int, *, log_dir: Path) -> Process:
    """A private Redis for a test that stops it: the shared one is other tests' broker."""
    redis = Process(
        f"redis-{port}",
        [
            "redis-server",
            "--port",
            str(port),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
            "--dir",
            str(log_dir),
        ],
        dict(os.environ),
        log_dir,
    )
    wait_for(lambda: "Ready to accept connections" in redis.log(), 20, f"Redis on {port}")
    return redis


def start_gunicorn(port: int, *, env: dict[str, str], log_dir: Path, workers: int = 2) -> Process:
    """The product behind gunicorn on 127.0.0.1, answering /healthz when this returns."""
    import urllib.request

    server = Process(
        f"gunicorn-{port}",
        [
            sys.executable,
            "-m",
            "gunicorn",
            "config.wsgi",
            "-b",
            f"127.0.0.1:{port}",
            "-w",
            str(workers),
            "--timeout",
            "60",
            "--graceful-timeout",
            "5",
        ],
        env,
        log_dir,
    )

    def answers() -> bool:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2):  # noqa: S310
                return True
        except OSError:
            return False

    wait_for(lambda: answers() or not server.alive(), 60, f"gunicorn on {port}")
    assert server.alive(), server.log()
    return server


PG_BIN = Path("/usr/lib/postgresql/15/bin")


class PrivatePostgres:
    """A PostgreSQL cluster of the test's own on 127.0.0.1, to stop and restart at will.

    The server runs as the ``postgres`` OS user (it refuses root), so creating it needs
    root, as CI has; its data lives in a scratch directory removed afterwards.
    """

    def __init__(self, port: int) -> None:
        import shutil
        import tempfile

        self.port = port
        self.root = Path(tempfile.mkdtemp(prefix="cts-faults-pg-"))
        self.data = self.root / "data"
        shutil.chown(self.root, "postgres", "postgres")
        self._as_postgres(
            PG_BIN / "initdb",
            "-D",
            self.data,
            "-U",
            "postgres",
            "-A",
            "trust",
            "--no-sync",
            "-E",
            "UTF8",
        )
        self.start()

    @staticmethod
    def available() -> str | None:
        """Why a private cluster cannot be made here, or None when it can."""
        if os.geteuid() != 0:
            return "needs root to run PostgreSQL as the postgres user"
        if not (PG_BIN / "initdb").exists():
            return f"no PostgreSQL 15 binaries in {PG_BIN}"
        return None

    def _as_postgres(self, *arguments) -> None:
        subprocess.run(  # noqa: S603 - fixed binaries, our own arguments
            ["runuser", "-u", "postgres", "--", *map(str, arguments)],
            check=True,
            capture_output=True,
            timeout=120,
        )

    def start(self) -> None:
        options = (
            f"-p {self.port} -c listen_addresses=127.0.0.1 "
            f"-c unix_socket_directories={self.root} -c fsync=off "
            "-c full_page_writes=off -c synchronous_commit=off"
        )
        self._as_postgres(
            PG_BIN / "pg_ctl",
            "-D",
            self.data,
            "-l",
            self.root / "server.log",
            "-o",
            options,
            "-w",
            "start",
        )

    def stop(self, mode: str = "fast") -> None:
        self._as_postgres(PG_BIN / "pg_ctl", "-D", self.data, "-m", mode, "-w", "stop")

    def url(self, database: str) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/{database}"

    def copy_database(self, source: dict, name: str) -> None:
        """The source database (schema and rows) as ``name`` here: faster than migrating."""
        subprocess.run(  # noqa: S603,S607
            ["createdb", "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres", name],
            check=True,
            timeout=60,
        )
        dump = subprocess.run(  # noqa: S603,S607
            [
                "pg_dump",
                "-h",
                source["HOST"],
                "-p",
                str(source["PORT"] or 5432),
                "-U",
                source["USER"],
                "--no-owner",
                source["NAME"],
            ],
            check=True,
            capture_output=True,
            timeout=120,
        )
        subprocess.run(  # noqa: S603,S607
            [
                "psql",
                "-q",
                "-v",
                "ON_ERROR_STOP=1",
                "-h",
                "127.0.0.1",
                "-p",
                str(self.port),
                "-U",
                "postgres",
                "-d",
                name,
            ],
            input=dump.stdout,
            check=True,
            capture_output=True,
            timeout=120,
        )

    def remove(self) -> None:
        import shutil

        with contextlib.suppress(subprocess.CalledProcessError, subprocess.TimeoutExpired):
            self.stop("immediate")
        shutil.rmtree(self.root, ignore_errors=True)
