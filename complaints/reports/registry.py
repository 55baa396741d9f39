"""What the board and the reports show: panels, roll-up sources, trend series, breakdowns.

``complaints`` registers its own in ``complaints.reports.figures``; ``surveys`` and
``repair`` register theirs from their ``AppConfig.ready()`` (functions calling their
own selectors), so the board renders callback and survey figures without
``complaints`` importing either app. Everything shown is one of these shapes, which
the page, the API and the exports all know how to present.
"""

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.db.models import Model, Q, QuerySet

if TYPE_CHECKING:
    import datetime as dt

    from complaints.reports.scope import ReportScope

COUNT = "count"
SHARE = "share"  # a fraction 0..1, shown as a percentage
NUMBER = "number"  # e.g. an average score


@dataclass(frozen=True)
class Figure:
    """One number on the board, with the filtered list behind it."""

    key: str
    label: str
    value: int | float | None
    url: str | None = None
    kind: str = COUNT


@dataclass(frozen=True)
class Table:
    """Rows of figures under column labels; each row starts with its own label."""

    key: str
    title: str
    columns: Sequence[str]
    rows: Sequence[tuple[str, Sequence[Figure]]]


@dataclass(frozen=True)
class Panel:
    key: str
    title: str
    figures: Sequence[Figure] = ()
    tables: Sequence[Table] = ()


@dataclass(frozen=True)
class BoardPanel:
    """A provider of one panel of the live board; ``build`` reads its app's selectors."""

    key: str
    order: int
    build: Callable[["ReportScope"], Panel]


@dataclass(frozen=True)
class RollupSource:
    """A daily roll-up table and how to recompute its rows from the raw rows.

    ``base()`` is every raw row that counts; ``time_field`` decides a row's
    centre-local day; ``dimensions`` and ``measures`` map the roll-up model's other
    columns to expressions (group-by keys) and aggregates. ``changed`` says which raw
    rows may have changed since a moment, for the nightly pass.
    """

    name: str
    model: type[Model]
    base: Callable[[], QuerySet]
    time_field: str
    dimensions: dict[str, Any]
    measures: dict[str, Any]
    changed: Callable[["dt.datetime"], Q]

    def columns(self) -> list[str]:
        return ["day", *self.dimensions, *self.measures]


@dataclass(frozen=True)
class TrendSeries:
    """A daily (and weekly) series: a count, or the share ``numerator / denominator``."""

    key: str
    title: str
    chart: str  # series with the same chart are drawn together
    source: str
    numerator: str
    denominator: str | None = None
    # The list behind one point: (scope, first day, last day) -> URL.
    link: Callable[..., str | None] | None = None
    order: int = 0

    @property
    def kind(self) -> str:
        return SHARE if self.denominator else COUNT


@dataclass(frozen=True)
class Breakdown:
    """A measure summed over the period, grouped by one roll-up column (e.g. category).

    ``pareto`` sorts descending and adds the cumulative share (voice of the customer).
    """

    key: str
    title: str
    source: str
    measure: str
    by: str
    # (scope, keys) -> {key: (label, URL of the list behind it or None)}, in one go.
    describe: Callable[["ReportScope", list[Any]], dict[Any, tuple[str, str | None]]]
    pareto: bool = False
    order: int = 0
    # Every key shown, in order, even when zero (e.g. the 24 hours of the day).
    keys: Sequence[Any] = field(default_factory=tuple)


_panels: dict[str, BoardPanel] = {}
_sources: dict[str, RollupSource] = {}
_trends: dict[str, TrendSeries] = {}
_breakdowns: dict[str, Breakdown] = {}


def register_panel(panel: BoardPanel) -> None:
    _panels[panel.key] = panel


def register_rollup(source: RollupSource) -> None:
    model_columns = {f.attname for f in source.model._meta.concrete_fields if not f.primary_key}
    if set(source.columns()) != model_columns:
        raise ValueError(f"Roll-up {source.name}: columns {source.columns()} != {model_columns}")
    _sources[source.name] = source


def register_trend(series: TrendSeries) -> None:
    _trends[series.key] = series


def register_breakdown(breakdown: Breakdown) -> None:
    _breakdowns[breakdown.key] = breakdown


def panels() -> list[BoardPanel]:
    return sorted(_panels.values(), key=lambda panel: panel.order)


def rollup_sources() -> list[RollupSource]:
    return list(_sources.values())


def rollup_source(name: str) -> RollupSource:
    return _sources[name]


def trends() -> list[TrendSeries]:
    return sorted(_trends.values(), key=lambda series: series.order)


def breakdowns() -> list[Breakdown]:
    return sorted(_breakdowns.values(), key=lambda breakdown: breakdown.order)
