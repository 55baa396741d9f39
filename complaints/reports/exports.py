"""Any report, and the complaint list behind any number, as CSV or XLSX, streamed.

CSV is a ``StreamingHttpResponse`` that starts with a BOM, so Excel opens UTF-8
Chinese correctly; XLSX is openpyxl's write-only workbook (rows go to a temporary
file as they come, memory stays bounded) sent as a file response. Cells that a
spreadsheet would run as a formula are written as text.
"""

import csv
import datetime as dt
import tempfile
from collections.abc import Iterable, Iterator
from typing import Any

from django.http import FileResponse, StreamingHttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _

from complaints.phones import mask_phone
from complaints.reports.registry import Panel
from complaints.reports.scope import centre_zone

FORMATS = ("csv", "xlsx")
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# An XLSX sheet holds 1,048,576 rows; one is the header.
XLSX_MAX_ROWS = 1_048_575
# Rows read per database round trip when exporting a complaint list.
EXPORT_CHUNK = 2000
FORMULA_STARTS = ("=", "@", "\t", "\r")


def _runs_as_formula(text: str) -> bool:
    """Would a spreadsheet evaluate it? A leading + or - only matters before non-digits
    (so "+8613812345678" stays a phone number)."""
    if text.startswith(FORMULA_STARTS):
        return True
    return text.startswith(("+", "-")) and not text[1:].replace(" ", "").isdigit()


def _cell(value: Any) -> Any:
    """A value as a spreadsheet cell: text that looks like a formula stays text."""
    if isinstance(value, dt.datetime):
        return timezone.localtime(value, centre_zone()).strftime("%Y-%m-%d %H:%M")
    if isinstance(value, dt.date):
        return value.isoformat()
    if value is None:
        return ""
    if isinstance(value, str) and _runs_as_formula(value):
        return f"'{value}"
    return value if isinstance(value, int | float) else str(value)


class _Echo:
    """A file-like object whose ``write`` hands back the line (csv.writer → generator)."""

    def write(self, value: str) -> str:
        return value


def csv_response(filename: str, header: list[str], rows: Iterable[list]) -> StreamingHttpResponse:
    writer = csv.writer(_Echo())

    def lines() -> Iterator[str]:
        yield "\ufeff" + writer.writerow([_cell(value) for value in header])
        for row in rows:
            yield writer.writerow([_cell(value) for value in row])

    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}.csv"'
    return response


def xlsx_response(filename: str, header: list[str], rows: Iterable[list]) -> FileResponse:
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=filename[:31])
    sheet.append([_cell(value) for value in header])
    for count, row in enumerate(rows, start=1):
        if count > XLSX_MAX_ROWS:
            break
        sheet.append([_cell(value) for value in row])
    # The rows were streamed into the workbook's temporary files; this writes the
    # zip to disk, and the response streams it from there.
    target = tempfile.TemporaryFile()  # noqa: SIM115 (closed by the response)
    workbook.save(target)
    target.seek(0)
    return FileResponse(
        target, as_attachment=True, filename=f"{filename}.xlsx", content_type=XLSX_CONTENT_TYPE
    )


def respond(fmt: str, filename: str, header: list[str], rows: Iterable[list]):
    return (xlsx_response if fmt == "xlsx" else csv_response)(filename, header, rows)


# --- What each report looks like as a table ----------------------------------------


def board_table(panels: list[Panel]) -> tuple[list[str], Iterator[list]]:
    """The board as long rows: panel, table, row, figure, value."""

    def rows() -> Iterator[list]:
        for panel in panels:
            for figure in panel.figures:
                yield [panel.title, "", "", figure.label, figure.value]
            for table in panel.tables:
                for label, cells in table.rows:
                    for column, figure in zip(table.columns, cells, strict=True):
                        yield [panel.title, table.title, label, column, figure.value]

    return [_("Panel"), _("Table"), _("Row"), _("Figure"), _("Value")], rows()


def trends_table(report: dict, *, grain: str) -> tuple[list[str], Iterator[list]]:
    """One row per series and day (or week): value, and the counts behind a share."""

    def rows() -> Iterator[list]:
        for series in report["series"]:
            for point in series["weekly" if grain == "week" else "daily"]:
                yield [
                    series["title"],
                    point["start"],
                    point["end"],
                    point["value"],
                    point["numerator"],
                    point["denominator"],
                ]

    header = [_("Series"), _("From"), _("To"), _("Value"), _("Count"), _("Out of")]
    return header, rows()


def breakdowns_table(report: dict) -> tuple[list[str], Iterator[list]]:
    def rows() -> Iterator[list]:
        for breakdown in report["breakdowns"]:
            for item in breakdown["items"]:
                yield [breakdown["title"], item["label"], item["value"], item["cumulative_share"]]

    return [_("Breakdown"), _("Item"), _("Value"), _("Cumulative share")], rows()


def complaints_table(queryset, *, show_contacts: bool) -> tuple[list[str], Iterator[list]]:
    """A complaint list, read in chunks (``iterator``), phones masked unless allowed."""
    header = [
        _("Reference"),
        _("Received"),
        _("Channel"),
        _("Category"),
        _("Priority"),
        _("State"),
        _("Team"),
        _("Assignee"),
        _("Customer"),
        _("Phone"),
        _("First response due"),
        _("First response at"),
        _("Resolution due"),
        _("Resolved at"),
        _("Closed at"),
        _("Repeat complaint"),
    ]

    def rows() -> Iterator[list]:
        for complaint in queryset.iterator(chunk_size=EXPORT_CHUNK):
            phone = complaint.customer.phone
            yield [
                complaint.reference,
                complaint.received_at,
                complaint.get_channel_display(),
                complaint.category.name if complaint.category_id else "",
                complaint.get_priority_display(),
                complaint.get_state_display(),
                complaint.team.name if complaint.team_id else "",
                str(complaint.assignee) if complaint.assignee_id else "",
                complaint.customer.name,
                phone if show_contacts else mask_phone(phone),
                complaint.response_due_at,
                complaint.response_met_at,
                complaint.resolution_due_at,
                complaint.resolved_at,
                complaint.confirmed_at,
                _("yes") if complaint.repeat_of_id else "",
            ]

    return header, rows()
