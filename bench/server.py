"""The product under gunicorn on 127.0.0.1 for the HTTP benchmarks, always stopped after.

Two sync workers, as the Procfile's default web node (``WEB_CONCURRENCY=2``) on this
two-core machine: a request here is CPU work in Python and PostgreSQL, so more
processes or threads than cores only queue for the same two cores (measured: gthread
with 4 threads gave no more intake throughput and a worse p95). Sync workers answer with
``Connection: close``; the load client reconnects, which costs ≈ 0.1 ms on loopback.

The server runs in its own process group and is stopped with the group (SIGTERM, then
SIGKILL after a grace period) however the benchmark ends.
"""

import contextlib
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PORTS = range(18400, 18500)  # this branch's share of 127.0.0.1
WORKERS = 2
START_TIMEOUT = 60
STOP_TIMEOUT = 15


@dataclass(frozen=True)
class Server:
    host: str
    port: int
    log: Path

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}"


@contextlib.contextmanager
def gunicorn(
    *,
    database_url: str,
    worker_class: str = os.environ.get("BENCH_WORKER_CLASS", "sync"),
    threads: int = int(os.environ.get("BENCH_THREADS", "1")),
) -> Iterator[Server]:
    """Start ``gunicorn config.wsgi`` with the bench settings on a free port; stop it after."""
    port = _free_port()
    with tempfile.NamedTemporaryFile(prefix="bench-gunicorn-", suffix=".log", delete=False) as log:
        log_path = Path(log.name)
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "bench.settings",
        "DATABASE_URL": database_url,
        "DEBUG": "false",
        "LOG_LEVEL": "WARNING",
        # No per-token rate limit (the API's throttling): the load would measure the limit.
        "API_TOKEN_RATE": "",
        "API_USER_RATE": "",
    }
    command = [
        sys.executable, "-m", "gunicorn", "config.wsgi:application",
        "--bind", f"127.0.0.1:{port}", "--workers", str(WORKERS),
        "--worker-class", worker_class, "--threads", str(threads),
        "--timeout", "120", "--graceful-timeout", "5", "--backlog", "512",
        "--log-level", "warning", "--error-logfile", str(log_path),
    ]  # fmt: skip
    process = subprocess.Popen(  # noqa: S603 - our interpreter, our arguments
        command,
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,  # its own process group: stopped with its workers
    )
    server = Server("127.0.0.1", port, log_path)
    try:
        _wait_until_up(server, process)
        yield server
    finally:
        _stop(process)


def _free_port() -> int:
    for port in PORTS:
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError(f"No free port in {PORTS.start}-{PORTS.stop - 1} on 127.0.0.1.")


def _wait_until_up(server: Server, process: subprocess.Popen) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"gunicorn exited ({process.returncode}):\n{_tail(server.log)}")
        try:
            with urllib.request.urlopen(f"{server.base_url}/healthz", timeout=2) as response:  # noqa: S310
                if response.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"gunicorn did not answer within {START_TIMEOUT} s:\n{_tail(server.log)}")


def _stop(process: subprocess.Popen) -> None:
    if process.poll() is not None:
        return
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=STOP_TIMEOUT)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=STOP_TIMEOUT)


def _tail(path: Path, size: int = 4000) -> str:
    try:
        return path.read_text(errors="replace")[-size:]
    except OSError:
        return ""
