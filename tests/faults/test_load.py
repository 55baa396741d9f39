"""The load test in its short form (the full one is ``make load``): 20 simulated agents,
integrations and customers for 15 seconds against gunicorn, with not one error."""

import json
import subprocess
import sys

from tests.faults.processes import ROOT


def test_a_short_mixed_load_gets_no_errors(tmp_path):
    results = tmp_path / "load.json"
    run = subprocess.run(  # noqa: S603
        [
            sys.executable, "-m", "bench.loadtest", "--users", "20", "--spawn-rate", "10",
            "--seconds", "15", "--database-url",
            "postgres://postgres@127.0.0.1:5432/complaints_load_ci", "--redis-url",
            "redis://127.0.0.1:6379/14", "--results", str(results),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )  # fmt: skip
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    report = json.loads(results.read_text())
    by_name = {row["name"]: row for row in report["requests"]}
    assert by_name["Aggregated"]["failures"] == 0
    for name in ("queue page", "complaint page", "API intake", "API callback booking"):
        assert by_name[name]["requests"] > 0, name
