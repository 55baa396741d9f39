"""schemathesis against the running product: every operation of /api/v1/schema/ is called
with generated requests (valid and invalid), and every answer must be no 5xx, a declared
status, the declared content type and headers, and a body that matches its schema.

The product runs as in production: gunicorn (two workers) on 127.0.0.1, on the test
database, with seeded records and a token holding every scope. Bounded for CI: the
coverage phase (every boundary and invalid value the schema implies, once each), a few
fuzzed examples per operation, a short stateful pass (following Location links),
deterministic generation so that runs repeat, and a time limit. ``pytest -m fuzz`` runs
it alone; ``make test`` includes it.
"""

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests
from django.conf import settings

from complaints import services
from complaints.models import Department
from repair.services import callbacks, key_events
from repair.services import cases as cases_service
from surveys.services import invite_customer
from tests.factories import CustomerFactory, UserFactory, key_event_fields, make_complaint

pytestmark = [pytest.mark.fuzz, pytest.mark.django_db(transaction=True)]

BIN = Path(sys.executable).parent
CHECKS = (
    "not_a_server_error",
    "status_code_conformance",
    "content_type_conformance",
    "response_headers_conformance",
    "response_schema_conformance",
)
MAX_EXAMPLES = 5  # fuzzed per operation; the coverage phase adds ~4,000 cases of its own
RUN_SECONDS = 300  # the whole run; it takes about half of that on two idle cores
# The CSV download answers with the file itself; its 404 and its rows are covered by
# the repair API tests. Nothing else is left out.
EXCLUDED = ["/api/v1/repair/key-events/{id}/skipped/"]


@pytest.fixture
def fuzz_token(reference_data) -> str:
    """An administrator's token with every scope, and one of each record to find."""
    admin = UserFactory(username="fuzz-admin", role="Administrator", is_staff=True)
    agent = UserFactory(username="fuzz-agent", role="Agent")
    complaint = services.start_work(make_complaint(assignee=agent, created_by=agent), by=agent)
    department, _ = Department.objects.get_or_create(code="billing", defaults={"name": "Billing"})
    services.dispatch_work_order(complaint, department=department, instructions="Check", by=agent)
    services.add_note(complaint, text="Called the customer", by=agent)
    callbacks.book_callback(phone="13812345678", source="ivr")
    customer = CustomerFactory()
    cases_service.open_repair_case(customer=customer, damage_type="call_loss")
    key_events.create_event(
        data=key_event_fields(),
        by=admin,
    )
    invite_customer(customer=customer, topic="Fibre cut")
    _token, raw = services.issue_api_token(
        name="fuzz",
        user=admin,
        scopes=sorted(services.KNOWN_SCOPES),
        rate_limit="100000/min",  # the fuzzer is not what the limits are for
    )
    return raw


def free_port() -> int:
    """``FUZZ_SERVER_PORT`` when set (machines that hand out port ranges), else any free one."""
    if os.environ.get("FUZZ_SERVER_PORT"):
        return int(os.environ["FUZZ_SERVER_PORT"])
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def server(fuzz_token, tmp_path):
    """gunicorn on the test database, stopped (and waited for) before the database is flushed."""
    database = settings.DATABASES["default"]
    port = free_port()
    environment = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "DATABASE_URL": f"postgres://{database['USER']}@{database['HOST']}:{database['PORT']}/"
        f"{database['NAME']}",
        "REDIS_URL": settings.REDIS_URL,
        "MEDIA_ROOT": str(tmp_path / "media"),
    }
    process = subprocess.Popen(  # noqa: S603 - our own command line
        [str(BIN / "gunicorn"), "config.wsgi", "--bind", f"127.0.0.1:{port}", "--workers", "2"],
        env=environment,
        stdout=subprocess.DEVNULL,
        stderr=open(tmp_path / "gunicorn.log", "w"),  # noqa: SIM115 - closed with the process
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                if requests.get(f"{base}/healthz", timeout=1).status_code == 200:
                    break
            except requests.RequestException:  # not listening, or still booting
                time.sleep(0.2)
        else:
            pytest.fail("gunicorn did not start: " + (tmp_path / "gunicorn.log").read_text())
        yield base
    finally:
        process.terminate()
        process.wait(timeout=30)


def test_the_api_keeps_its_contract_under_fuzzing(server, fuzz_token, tmp_path):
    command = [
        str(BIN / "st"),
        "run",
        f"{server}/api/v1/schema/",
        "--header",
        f"Authorization: Bearer {fuzz_token}",
        "--checks",
        ",".join(CHECKS),
        "--phases",
        "examples,coverage,fuzzing,stateful",
        "--max-examples",
        str(MAX_EXAMPLES),
        "--generation-deterministic",
        "--generation-with-security-parameters",
        "false",
        "--suppress-health-check",
        "all",
        "--request-timeout",
        "30",
        "--workers",
        "2",
        "--no-color",
        "--report-dir",
        str(tmp_path),
        *(argument for path in EXCLUDED for argument in ("--exclude-path", path)),
    ]
    run = subprocess.run(  # noqa: S603 - our own command line
        command, capture_output=True, text=True, timeout=RUN_SECONDS, check=False, cwd=tmp_path
    )
    assert run.returncode == 0, run.stdout[-20000:] + run.stderr[-5000:]
