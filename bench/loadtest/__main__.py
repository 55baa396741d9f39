"""A bounded load test: ``python -m bench.loadtest [--users 50] [--seconds 60]`` (``make load``).

Builds a centre in a database of its own (agents, complaints, survey links, an integration
token), serves it with gunicorn on 127.0.0.1 beside a Celery worker, and runs locust
headless against it with the mixed load of ``locustfile.py``. Prints the figures per
request, writes them to ``bench/results/<date>-load.json`` and exits non-zero on any error.
"""

import argparse
import csv
import datetime as dt
import json
import os
import platform
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
RESULTS = ROOT / "bench" / "results"
LOAD_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/complaints_load"
PASSWORD = "load-test-2026"  # noqa: S105 - a throwaway database's agents
AGENTS = 20
COMPLAINTS = 300
SURVEY_LINKS = 1500


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--spawn-rate", type=float, default=10)
    parser.add_argument("--seconds", type=int, default=60)
    parser.add_argument("--web-workers", type=int, default=2)
    parser.add_argument("--database-url", default=LOAD_DATABASE_URL)
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/12")
    parser.add_argument("--results", type=Path, default=None, help="where the JSON goes")
    args = parser.parse_args()
    os.environ.update(
        DJANGO_SETTINGS_MODULE="config.settings.development",
        DATABASE_URL=args.database_url,
        REDIS_URL=args.redis_url,
        DEBUG="false",
    )
    scratch = Path(tempfile.mkdtemp(prefix="cts-load-"))
    os.environ["VAR_DIR"] = str(scratch / "var")
    started = time.monotonic()
    fixtures = build_centre(scratch)
    print(f"centre built in {time.monotonic() - started:.0f} s", flush=True)
    processes: list[subprocess.Popen] = []
    try:
        port = free_port()
        processes.append(spawn("gunicorn", gunicorn(port, args.web_workers), scratch))
        processes.append(spawn("worker", worker(), scratch))
        wait_until_up(f"http://127.0.0.1:{port}/healthz", processes[0], scratch)
        stats = run_locust(args, port, fixtures, scratch)
    finally:
        for process in reversed(processes):
            stop(process)
    report = {
        "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "machine": {"cores": os.cpu_count(), "python": platform.python_version()},
        "users": args.users,
        "seconds": args.seconds,
        "web_workers": args.web_workers,
        "requests": stats,
    }
    total = next(row for row in stats if row["name"] == "Aggregated")
    path = args.results or RESULTS / f"{dt.datetime.now(dt.UTC).date().isoformat()}-load.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n")
    print_table(stats)
    print(f"written to {path}")
    return 0 if total["failures"] == 0 else 1


def build_centre(scratch: Path) -> Path:
    """A fresh database with a team of agents, open complaints and sent survey links."""
    recreate_database(os.environ["DATABASE_URL"])
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from django.contrib.auth.models import Group

    from complaints.models import Customer, Team, User
    from complaints.services import register_complaint
    from complaints.services.tokens import issue_api_token
    from surveys import services as surveys

    team = Team.objects.create(name="Load team")
    agent_role = Group.objects.get(name="Agent")
    agents = []
    for username in [f"agent{n}" for n in range(AGENTS)] + ["ivr"]:
        user = User.objects.create_user(username=username, password=PASSWORD, team=team)
        user.groups.add(agent_role)
        agents.append(user)
    ivr = agents.pop()
    token = issue_api_token(
        name="Load IVR",
        user=ivr,
        scopes=["complaints:read", "complaints:write", "callbacks:write"],
        rate_limit="1000000/min",  # the load measures the product, not the rate limit
    )[1]
    complaints = [
        register_complaint(
            customer=Customer.objects.create(name=f"客户{n}", phone=f"+86135{n:08d}"),
            channel="phone",
            description="宽带断网，要求上门",
            team=team,
            assignee=agents[n % AGENTS],
        ).pk
        for n in range(COMPLAINTS)
    ]
    tokens = []
    for n in range(SURVEY_LINKS):
        customer = Customer.objects.create(name=f"受访{n}", phone=f"+86137{n:08d}")
        invitation = surveys.invite_customer(customer=customer, topic="服务回访")
        tokens.append(invitation)
    surveys.send_due_invitations()
    survey_tokens = []
    for invitation in tokens:
        answers = {}
        for question in invitation.questionnaire.questions.all():
            value = {"score": "4", "satisfaction": "4", "recommend": "8"}.get(question.kind)
            if value is not None:
                answers[f"q{question.pk}"] = value
        survey_tokens.append([surveys.token_for(invitation), answers])
    path = scratch / "fixtures.json"
    path.write_text(
        json.dumps(
            {
                "sessions": [logged_in_session(agent) for agent in agents],
                "token": token,
                "complaints": complaints,
                "survey_tokens": survey_tokens,
            },
            ensure_ascii=False,
        )
    )
    from django.db import connections

    connections.close_all()
    return path


def logged_in_session(user) -> str:
    """A session key for ``user``, as the login page would have made it.

    Agents log in once a shift; the load is their work, not the password hash, which is
    slow by design (a dozen concurrent logins would take the two cores for seconds).
    """
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore

    session = SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.create()
    return session.session_key


def recreate_database(url: str) -> None:
    import environ
    import psycopg2
    from psycopg2 import sql

    config = environ.Env.db_url_config(url)
    connection = psycopg2.connect(
        dbname="postgres", user=config["USER"], host=config["HOST"], port=config["PORT"] or 5432
    )
    connection.autocommit = True
    with connection.cursor() as cursor:
        name = sql.Identifier(config["NAME"])
        cursor.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(name))
        cursor.execute(sql.SQL("CREATE DATABASE {}").format(name))
    connection.close()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def gunicorn(port: int, workers: int) -> list[str]:
    # Threads let a worker overlap its requests' database waits; 2 processes for 2 cores.
    # Keep-alive outlasts a simulated user's pause: with gunicorn's 2 s default, the server
    # closed idle connections just as a client reused them ("connection reset by peer"),
    # an error of the harness, not of the product (a proxy in front keeps its own).
    return [sys.executable, "-m", "gunicorn", "config.wsgi", "-b", f"127.0.0.1:{port}",
            "-w", str(workers), "-k", "gthread", "--threads", "4", "--timeout", "60",
            "--keep-alive", "75"]  # fmt: skip


def worker() -> list[str]:
    return [sys.executable, "-m", "celery", "-A", "config", "worker", "-c", "1", "-l", "WARNING",
            "--without-gossip", "--without-mingle"]  # fmt: skip


def spawn(name: str, command: list[str], scratch: Path) -> subprocess.Popen:
    log = (scratch / f"{name}.log").open("wb")
    return subprocess.Popen(  # noqa: S603 - our interpreter and arguments
        command, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
    )


def stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)


def wait_until_up(url: str, server: subprocess.Popen, scratch: Path) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and server.poll() is None:
        try:
            with urllib.request.urlopen(url, timeout=2):  # noqa: S310 - our own server
                return
        except OSError:
            time.sleep(0.3)
    raise SystemExit("gunicorn did not start:\n" + (scratch / "gunicorn.log").read_text()[-3000:])


def run_locust(args, port: int, fixtures: Path, scratch: Path) -> list[dict]:
    prefix = scratch / "locust"
    command = [
        sys.executable, "-m", "locust", "-f", str(Path(__file__).with_name("locustfile.py")),
        "--headless", "--users", str(args.users), "--spawn-rate", str(args.spawn_rate),
        "--run-time", f"{args.seconds}s", "--stop-timeout", "10", "--host",
        f"http://127.0.0.1:{port}", "--csv", str(prefix), "--only-summary", "--loglevel", "WARNING",
    ]  # fmt: skip
    subprocess.run(  # noqa: S603
        command,
        cwd=ROOT,
        env={**os.environ, "LOAD_FIXTURES": str(fixtures)},
        timeout=args.seconds + 120,
        check=False,
    )
    with open(f"{prefix}_stats.csv", encoding="utf-8") as stream:
        return [
            {
                "name": row["Name"],
                "method": row["Type"],
                "requests": int(row["Request Count"]),
                "failures": int(row["Failure Count"]),
                "per_second": round(float(row["Requests/s"]), 1),
                "p50_ms": int(float(row["50%"] or 0)),
                "p95_ms": int(float(row["95%"] or 0)),
                "max_ms": int(float(row["Max Response Time"] or 0)),
            }
            for row in csv.DictReader(stream)
        ]


def print_table(stats: list[dict]) -> None:
    print(f"{'request':<28} {'count':>7} {'errors':>6} {'req/s':>7} {'p50 ms':>7} {'p95 ms':>7}")
    for row in stats:
        print(
            f"{(row['method'] + ' ' + row['name']).strip():<28} {row['requests']:>7} "
            f"{row['failures']:>6} {row['per_second']:>7} {row['p50_ms']:>7} {row['p95_ms']:>7}"
        )


if __name__ == "__main__":
    sys.exit(main())
