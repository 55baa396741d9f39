"""Bulk writes without a model instance per row, for the set-based services.

Key-event imports (repair) and survey invitations (surveys) write thousands of rows a
batch; the SLA deadline check writes its events with ``INSERT … SELECT`` of its own.
"""

import datetime as dt
from typing import Any

from django.db import connection, models


def insert_new(
    model,
    columns: dict[str, list],
    *,
    fixed: dict[str, Any],
    now: dt.datetime,
    returning: tuple[str, ...] = (),
) -> list[tuple]:
    """``bulk_create(ignore_conflicts=True)`` without building a model instance per row.

    One ``INSERT … SELECT … FROM unnest(arrays) ON CONFLICT DO NOTHING``: ``columns``
    (by attribute name) vary by row; every other field takes ``fixed[name]``, else ``now``
    for auto_now(_add), else its default, as bulk_create would. Returns the ``returning``
    columns of the rows inserted (not of those that conflicted). Building and compiling
    8,000 instances a batch took over half of a 300,000-row import (docs/performance.md,
    "Key-event import").

    Other databases (SQLite for a laptop) get ``bulk_create`` itself, and ``[]``: callers
    then look up or update every row of the batch, which is correct, only slower.
    """
    if connection.vendor != "postgresql":
        fields = list(columns)
        model.objects.bulk_create(
            [
                model(**fixed, **dict(zip(fields, row, strict=True)))
                for row in zip(*columns.values(), strict=True)
            ],
            ignore_conflicts=True,
        )
        return []
    names, values, params, arrays, types = [], [], [], [], []
    for field in model._meta.concrete_fields:
        if field.primary_key:
            continue
        names.append(connection.ops.quote_name(field.column))
        if field.attname in columns:
            values.append(f"t.c{len(arrays)}")
            arrays.append(columns[field.attname])
            # text[], not varchar(n)[]: a cast would cut long values; the INSERT refuses them.
            string = isinstance(field, models.CharField | models.TextField)
            types.append("text" if string else field.db_type(connection))
            continue
        if field.attname in fixed:
            value = fixed[field.attname]
        elif getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
            value = now
        else:
            value = field.get_default()
        values.append("%s")
        params.append(field.get_db_prep_save(value, connection))
    quoted = ", ".join(connection.ops.quote_name(column) for column in returning)
    returned = f"RETURNING {quoted}" if returning else ""
    sources = ", ".join(f"%s::{kind}[]" for kind in types)
    aliases = ", ".join(f"c{index}" for index in range(len(arrays)))
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {connection.ops.quote_name(model._meta.db_table)} ({', '.join(names)}) "  # noqa: S608
            f"SELECT {', '.join(values)} FROM unnest({sources}) AS t({aliases}) "
            f"ON CONFLICT DO NOTHING {returned}",
            [*params, *arrays],
        )
        return cursor.fetchall() if returning else []
