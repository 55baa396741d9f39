"""Run the benchmarks: ``python -m bench [--scale small|full] [--only NAME ...] [--regenerate]``.

Generates (or reuses) the shared data set, runs each benchmark, prints a table (figure,
baseline, ratio, target, met) and writes bench/results/<date>-<scale>.json; with
``--only``, the day's results of the benchmarks not run are kept in that file.

Exit status: 1 when a benchmark failed to run (a harness error) at any scale, or, at
full scale, when a target was missed. Small scale only checks that the harness works:
its tiny data sets say nothing about ratios.
"""

import argparse
import datetime
import importlib
import json
import logging
import os
import platform
import sys
import time
import traceback
from pathlib import Path
from typing import Any

from bench.setup import database_url, setup_django

# In the order they run. Those in DATASET_BENCHMARKS need the shared data set
# (bench/dataset.py), which is generated once per run, before the first of them.
BENCHMARKS = (
    "classification",
    "queue_list",
    "dashboard",
    "intake",
    "survey_invitations",
    "deadline_check",
    "key_event_import",
)
DATASET_BENCHMARKS = frozenset({"queue_list", "dashboard", "intake", "survey_invitations"})
RESULTS = Path(__file__).resolve().parent / "results"
COLUMNS = ("figure", "value", "baseline", "ratio", "target", "met")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument(
        "--scale", choices=("small", "full"), default=os.environ.get("SCALE", "full")
    )
    parser.add_argument("--only", nargs="*", choices=BENCHMARKS, default=list(BENCHMARKS))
    parser.add_argument(
        "--regenerate", action="store_true", help="generate the data set even if one matches"
    )
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    logging.getLogger("django").setLevel(logging.WARNING)
    started = time.perf_counter()
    setup_django(scale=args.scale)
    names = [name for name in BENCHMARKS if name in args.only]
    context = _context(args)
    results = []
    if DATASET_BENCHMARKS & set(names):
        results.append(_dataset_row(context, args.scale))
    for name in names:
        results.append(_run(name, args.scale, context))
    report = {
        "date": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        "scale": args.scale,
        "machine": {
            "cores": os.cpu_count(),
            "python": platform.python_version(),
            "postgresql": _server_version(),
        },
        "seconds": round(time.perf_counter() - started, 1),
        "results": results,
    }
    RESULTS.mkdir(exist_ok=True)
    today = datetime.datetime.now(datetime.UTC).date().isoformat()
    path = RESULTS / f"{today}-{args.scale}.json"
    report["results"] = _merged(path, results)
    path.write_text(json.dumps(report, indent=2, ensure_ascii=False, default=str) + "\n")
    _print_table(results, report)
    print(f"written to {path.relative_to(Path.cwd()) if path.is_relative_to(Path.cwd()) else path}")
    failed = [result["name"] for result in results if result.get("error")]
    missed = [result["name"] for result in results if not result.get("met", True)]
    if failed:
        print(f"harness errors: {', '.join(failed)}")
        return 1
    if missed:
        print(f"targets missed: {', '.join(missed)}")
        return 1 if args.scale == "full" else 0
    return 0


def _context(args) -> dict[str, Any]:
    """What benchmarks share: the data set (once made), sign-in helpers, database URLs."""
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore

    from complaints.services.tokens import issue_api_token

    def token(user, scopes: list[str]) -> str:
        return issue_api_token(name=f"bench {','.join(scopes)}", user=user, scopes=scopes)[1]

    def session(user) -> str:
        store = SessionStore()
        store[SESSION_KEY] = str(user.pk)
        store[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
        store[HASH_SESSION_KEY] = user.get_session_auth_hash()
        store.create()
        return store.session_key

    return {
        "scale": args.scale,
        "regenerate": args.regenerate,
        "database_url": database_url(),
        "current_database_url": database_url,
        "token": token,
        "session": session,
    }


def _dataset_row(context: dict[str, Any], scale: str) -> dict[str, Any]:
    from bench import dataset

    try:
        made = dataset.ensure(scale, regenerate=context["regenerate"])
    except Exception:
        return {"name": "dataset", "error": traceback.format_exc(), "met": False}
    context["dataset"] = made
    summary = made.summary()
    return {
        "name": "dataset",
        **summary,
        "table": [
            {
                "figure": "data set " + ("reused" if made.reused else "generated") + " (s)",
                "value": summary["generation_seconds"],
                "target": "well under 300 s (full)",
            },
            {
                "figure": "complaints / customers",
                "value": f"{summary['counts'].get('complaints_complaint')} / "
                f"{summary['counts'].get('complaints_customer')}",
            },
        ],
    }


def _run(name: str, scale: str, context: dict[str, Any]) -> dict[str, Any]:
    """One benchmark; an exception is a harness error, reported and not fatal to the rest."""
    from bench import dataset

    started = time.perf_counter()
    if name in DATASET_BENCHMARKS and "dataset" not in context:
        return {"name": name, "error": "no data set (see the dataset row)", "met": False}
    try:
        result = importlib.import_module(f"bench.{name}").run(scale=scale, context=context)
    except Exception:
        result = {"name": name, "error": traceback.format_exc(), "met": False}
        print(result["error"], file=sys.stderr)
    finally:
        if name in DATASET_BENCHMARKS:
            dataset.restore(context["dataset"])
    result["benchmark_seconds"] = round(time.perf_counter() - started, 1)
    return result


def _server_version() -> str:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        return cursor.fetchone()[0]


def _print_table(results: list[dict[str, Any]], report: dict[str, Any]) -> None:
    rows = [("benchmark", *COLUMNS)]
    for result in results:
        if result.get("error"):
            rows.append((result["name"], "HARNESS ERROR", "", "", "", "", "no"))
            continue
        for row in result.get("table") or [_flat_row(result)]:
            met = row.get("met")
            rows.append(
                (
                    result["name"],
                    *(str(row.get(column, "")) for column in COLUMNS[:-1]),
                    "" if met is None else ("yes" if met else "NO"),
                )
            )
    widths = [max(len(str(row[index])) for row in rows) for index in range(len(rows[0]))]
    machine = report["machine"]
    print(
        f"\nbench {report['scale']} scale, {machine['cores']} cores, Python {machine['python']}, "
        f"PostgreSQL {machine['postgresql']}, {report['seconds']} s"
    )
    for number, row in enumerate(rows):
        print("  ".join(str(cell).ljust(width) for cell, width in zip(row, widths, strict=True)))
        if number == 0:
            print("  ".join("-" * width for width in widths))


def _flat_row(result: dict[str, Any]) -> dict[str, Any]:
    """A table row for a benchmark that reports flat figures (seconds, ratio, target, met)."""
    return {
        "figure": result.get("figure", "seconds"),
        "value": result.get("seconds", result.get("median_ms")),
        "baseline": result.get("baseline_seconds", result.get("baseline_copy_seconds", "")),
        "ratio": result.get("ratio", ""),
        "target": result.get("target", ""),
        "met": result.get("met"),
    }


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
    order = ("dataset", *BENCHMARKS)
    return order.index(name) if name in order else len(order)


if __name__ == "__main__":
    sys.exit(main())
