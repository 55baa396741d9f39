"""Run the benchmarks: ``python -m bench [--scale small|full] [--only NAME ...]``.

Prints a table and writes bench/results/<date>-<scale>.json; with ``--only``, the day's
results of the benchmarks not run are kept in that file.
"""

import argparse
import datetime
import json
import os
import platform
import sys
from pathlib import Path

from bench.setup import setup_django

BENCHMARKS = ("classification", "deadline_check", "key_event_import")
RESULTS = Path(__file__).resolve().parent / "results"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument(
        "--scale", choices=("small", "full"), default=os.environ.get("SCALE", "full")
    )
    parser.add_argument("--only", nargs="*", choices=BENCHMARKS, default=list(BENCHMARKS))
    args = parser.parse_args()
    setup_django()
    import importlib

    results = [importlib.import_module(f"bench.{name}").run(scale=args.scale) for name in args.only]
    report = {
        "date": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        "scale": args.scale,
        "machine": {"cores": os.cpu_count(), "python": platform.python_version()},
        "results": results,
    }
    RESULTS.mkdir(exist_ok=True)
    today = datetime.datetime.now(datetime.UTC).date().isoformat()
    path = RESULTS / f"{today}-{args.scale}.json"
    report["results"] = _merged(path, results)
    path.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n")
    for result in results:
        figures = ", ".join(f"{key}={value}" for key, value in result.items() if key != "name")
        print(f"{result['name']:<16} {figures}")
    print(f"written to {path.relative_to(Path.cwd()) if path.is_relative_to(Path.cwd()) else path}")
    return 0 if all(result.get("met", True) for result in results) else 1


def _merged(path: Path, results: list[dict]) -> list[dict]:
    """This run's results, plus the day's earlier ones of benchmarks not run (``--only``)."""
    names = {result["name"] for result in results}
    try:
        earlier = json.loads(path.read_text())["results"]
    except (OSError, ValueError, KeyError):
        earlier = []
    kept = [result for result in earlier if result.get("name") not in names]
    return sorted(kept + results, key=lambda result: _order(result.get("name")))


def _order(name: str | None) -> int:
    return BENCHMARKS.index(name) if name in BENCHMARKS else len(BENCHMARKS)


if __name__ == "__main__":
    sys.exit(main())
