"""Two beats started by mistake, two workers: a periodic task does its work once per period.

Both beats send the worker heartbeat every three seconds. A run that did the work returns the
stamp it wrote; a run refused by the beat lock returns None. The stamps of the runs that
did work are never closer than the spacing the lock keeps (90 % of the period), so the
work happened once per period although every period was sent twice.
"""

import re
from itertools import pairwise

import pytest

from config.celery import app
from tests.faults.processes import django_env, wait_for
from tests.ops.cluster import (
    launch_beat,
    launch_worker,
    only_schedule,
    parse_stamp,
    task_results,
    wait_ready,
)

pytestmark = pytest.mark.faults

HEARTBEAT = "complaints.tasks.record_worker_heartbeat_task"
PERIOD = 3
SENDS_PER_BEAT = 7


@pytest.mark.django_db(transaction=True)
def test_two_beats_do_the_periodic_work_once_per_period(reference_data, processes, tmp_path):
    app.control.purge()
    only_schedule("Worker heartbeat", seconds=PERIOD)
    env = django_env()
    workers = [
        launch_worker(name, env=env, log_dir=tmp_path, queues="sla,notify,bulk,default")
        for name in ("worker-a", "worker-b")
    ]
    processes.extend(workers)
    for worker in workers:
        wait_ready(worker)
    beats = [launch_beat(name, env=env, log_dir=tmp_path) for name in ("beat-a", "beat-b")]
    processes.extend(beats)
    sent = re.compile(r"Sending due task Worker heartbeat")
    wait_for(
        lambda: all(len(sent.findall(beat.log())) >= SENDS_PER_BEAT for beat in beats),
        90,
        "both beats to send the heartbeat",
    )
    for beat in beats:
        beat.stop()
    sends = sum(len(sent.findall(beat.log_path.read_text())) for beat in beats)

    def results() -> list[str]:
        return [result for worker in workers for result in task_results(worker, HEARTBEAT)]

    wait_for(lambda: len(results()) >= sends, 30, "the workers to run every heartbeat sent")
    done = sorted(parse_stamp(result) for result in results() if result != "None")
    refused = [result for result in results() if result == "None"]
    logs = "".join(worker.log() for worker in workers)

    assert len(done) + len(refused) == sends
    # Every period was sent twice and done once: about half the runs were refused (a run
    # picked up late may make both sends of the next period wait for the one after).
    assert len(refused) >= sends // 3, logs
    assert len(done) >= SENDS_PER_BEAT // 2 + 1, logs
    gaps = [(later - earlier).total_seconds() for earlier, later in pairwise(done)]
    # 90 % of the period, less the moments between the claim and the stamp.
    assert min(gaps) >= PERIOD * 0.9 - 0.1, gaps
    assert "skipped" in logs
