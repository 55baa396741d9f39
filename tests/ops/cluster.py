"""Fixtures and helpers for the queue, beat and scale-out tests: real processes on 127.0.0.1.

Kept in this module (not a conftest) so that the other operations tests keep theirs;
a test module imports the fixtures it uses.
"""

import datetime as dt
import re
import sys
from pathlib import Path

from django_celery_beat.models import IntervalSchedule, PeriodicTask

from tests.faults.processes import Process, celery, wait_for


def only_schedule(name: str, *, seconds: int) -> None:
    """Leave one periodic task enabled, every ``seconds``: the test watches it alone."""
    every, _created = IntervalSchedule.objects.get_or_create(every=seconds, period="seconds")
    PeriodicTask.objects.exclude(name=name).update(enabled=False)
    assert PeriodicTask.objects.filter(name=name).update(interval=every, enabled=True) == 1


def launch_worker(name: str, *, env: dict[str, str], log_dir: Path, queues: str) -> Process:
    """A worker on ``queues``, not waited for: start several, then ``wait_ready`` them."""
    arguments = ["worker", "-n", f"{name}@ops", "-P", "prefork", "-c", "1", "-l", "INFO"]
    arguments += ["--without-gossip", "--without-mingle", "-Q", queues]
    return celery(name, *arguments, env=env, log_dir=log_dir)


def launch_beat(name: str, *, env: dict[str, str], log_dir: Path) -> Process:
    return celery(name, "beat", "-l", "INFO", "--pidfile=", env=env, log_dir=log_dir)


def launch_gunicorn(port: int, *, env: dict[str, str], log_dir: Path) -> Process:
    """One web node (one gunicorn worker) on 127.0.0.1, not waited for."""
    arguments = [sys.executable, "-m", "gunicorn", "config.wsgi", "-b", f"127.0.0.1:{port}"]
    arguments += ["-w", "1", "--timeout", "60", "--graceful-timeout", "5"]
    return Process(f"gunicorn-{port}", arguments, env, log_dir)


def wait_ready(worker: Process, timeout: float = 90) -> None:
    wait_for(lambda: "ready." in worker.log() or not worker.alive(), timeout, worker.name)
    assert worker.alive(), worker.log()


TASK_DONE = re.compile(r"Task (?P<task>[\w.]+)\[[\w-]+\] succeeded in [\d.]+s: (?P<result>.*)$")


def task_results(worker: Process, task: str) -> list[str]:
    """What each run of ``task`` returned, as the worker's whole log shows it, in order."""
    return [
        match["result"]
        for line in worker.log_path.read_text(errors="replace").splitlines()
        if (match := TASK_DONE.search(line)) and match["task"] == task
    ]


def parse_stamp(result: str) -> dt.datetime:
    return dt.datetime.fromisoformat(result.strip("'\""))
