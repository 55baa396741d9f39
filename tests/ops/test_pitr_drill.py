"""The backup and point-in-time-restore commands of docs/operations.md, run as written.

scripts/pitr_drill.sh makes a scratch cluster with WAL archiving, takes a base backup,
works, deletes everything by mistake, and restores to the moment before. It needs root
(the server runs as the postgres OS user), as CI has.
"""

import os
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DRILL = ROOT / "scripts" / "pitr_drill.sh"


@pytest.mark.skipif(
    os.geteuid() != 0, reason="the drill runs PostgreSQL as its own OS user: root only"
)
@pytest.mark.skipif(shutil.which("runuser") is None, reason="runuser (util-linux) is missing")
def test_the_documented_restore_brings_back_every_row_written_before_the_target():
    from tests.faults.processes import free_port

    done = subprocess.run(  # noqa: S603 - our own script
        [str(DRILL)],
        env={**os.environ, "DRILL_PORT": str(free_port())},
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert "rows after the restore: 1500 (expected 1500)" in done.stdout
