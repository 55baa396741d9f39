"""Import one key event's file in a fresh process, as a worker would; print time and memory.

``python -m bench.key_event_worker EVENT_ID --database NAME [--profile FILE]`` prints a JSON line:
seconds spent in ``import_affected`` and the process's peak RSS in KiB (``VmHWM``,
the high-water mark of this program's own memory; ``ru_maxrss`` would also count the
parent's memory at the fork, which Linux carries across ``exec``).
bench/key_event_import.py runs it so that the figure is the import's own, not the CSV
generator's. ``--profile`` writes cProfile statistics for ``pstats``.
"""

import argparse
import json
import resource
import sys
import time

from bench.setup import setup_django


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("event_id", type=int)
    parser.add_argument("--database", required=True, help="the benchmark database to use")
    parser.add_argument("--profile", help="write cProfile statistics to this file")
    args = parser.parse_args()
    # The parent migrated; the migration loader is not a worker's.
    setup_django(migrate=False, database=args.database)

    from repair.models import KeyEvent
    from repair.services.key_events import import_affected

    event = KeyEvent.objects.get(pk=args.event_id)
    rss_before = peak_rss_kib()
    profiler = None
    if args.profile:
        import cProfile

        profiler = cProfile.Profile()
        profiler.enable()
    started = time.perf_counter()
    event = import_affected(event)
    seconds = time.perf_counter() - started
    if profiler is not None:
        profiler.disable()
        profiler.dump_stats(args.profile)
    print(
        json.dumps(
            {
                "seconds": seconds,
                "peak_rss_kib": peak_rss_kib(),
                "peak_rss_kib_before": rss_before,
                "rows_total": event.rows_total,
                "rows_bad": event.rows_bad,
                "state": event.import_state,
            }
        )
    )
    return 0


def peak_rss_kib() -> int:
    """This program's peak resident memory (KiB), from /proc where there is one."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


if __name__ == "__main__":
    sys.exit(main())
