"""Real processes for the fault tests: Celery workers and beats, servers, and their ends.

Each process runs in its own session (process group), so that a kill reaches a worker's
pool children too, and every process a test starts is stopped when it ends, even on failure.
"""

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
