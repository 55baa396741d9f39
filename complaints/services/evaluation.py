"""Evaluation of the classification pipeline on labelled complaints."""

import csv
from collections import Counter
from pathlib import Path
from typing import Any

from complaints.services.classification import classify

REQUIRED_COLUMNS = ("text", "channel", "emotion", "priority", "category")


def read_labelled(path: str | Path) -> list[dict[str, str]]:
    """Rows of a labelled CSV; UTF-8 (with or without BOM), or GBK from Excel in China."""
    raw = Path(path).read_bytes()
    for encoding in ("utf-8-sig", "gbk"):
        try:
            text = raw.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise ValueError(f"{path}: neither UTF-8 nor GBK.")
    reader = csv.DictReader(text.splitlines())
    missing = [column for column in REQUIRED_COLUMNS if column not in (reader.fieldnames or [])]
    if missing:
        raise ValueError(f"{path}: missing columns {', '.join(missing)}.")
    return [row for row in reader if (row.get("text") or "").strip()]


def evaluate_rows(rows: list[dict[str, str]]) -> dict[str, Any]:
    """Classify each row as intake would (without a chosen category) and compare."""
    predictions = [
        classify(text=row["text"], channel=row["channel"], emotion=row["emotion"]) for row in rows
    ]
    return {
        target: _scores(
            [row[target] for row in rows], [getattr(p, target) or "" for p in predictions]
        )
        for target in ("priority", "category")
    } | {"rows": len(rows)}


def evaluate_file(path: str | Path) -> dict[str, Any]:
    return evaluate_rows(read_labelled(path))


def _scores(expected: list[str], predicted: list[str]) -> dict[str, Any]:
    labels = sorted(set(expected) | set(predicted))
    pairs = Counter(zip(expected, predicted, strict=True))
    per_class = {}
    for label in labels:
        true_positive = pairs[(label, label)]
        predicted_as = sum(count for (_e, p), count in pairs.items() if p == label)
        actually = sum(count for (e, _p), count in pairs.items() if e == label)
        per_class[label] = {
            "precision": true_positive / predicted_as if predicted_as else 0.0,
            "recall": true_positive / actually if actually else 0.0,
            "support": actually,
        }
    correct = sum(count for (e, p), count in pairs.items() if e == p)
    return {
        "accuracy": correct / len(expected) if expected else 0.0,
        "per_class": per_class,
        "labels": labels,
        "confusion": [[pairs[(e, p)] for p in labels] for e in labels],
    }


def format_report(report: dict[str, Any]) -> str:
    lines = [f"Rows: {report['rows']}"]
    for target in ("priority", "category"):
        scores = report[target]
        lines += ["", f"{target}: accuracy {scores['accuracy']:.3f}", ""]
        lines.append(f"  {'class':<18}{'precision':>10}{'recall':>10}{'support':>10}")
        for label, values in scores["per_class"].items():
            lines.append(
                f"  {label or '(none)':<18}{values['precision']:>10.3f}"
                f"{values['recall']:>10.3f}{values['support']:>10}"
            )
        width = max(len(label or "(none)") for label in scores["labels"]) + 2
        lines += ["", "  confusion (rows: expected, columns: predicted)"]
        lines.append(
            "  " + " " * width + "".join(f"{(lb or '-')[:8]:>9}" for lb in scores["labels"])
        )
        for label, row in zip(scores["labels"], scores["confusion"], strict=True):
            lines.append(f"  {label or '(none)':<{width}}" + "".join(f"{n:>9}" for n in row))
    return "\n".join(lines)
