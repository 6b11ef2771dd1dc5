"""Salesforce API records as PostgreSQL COPY text blocks (extract/source.py), page by page.

REST gives JSON records (dicts), Bulk 2.0 gives CSV pages; both become tab-separated COPY lines with
`\\N` for null, in the order of the fields asked for. Values travel as the API writes them (`true`,
`2026-12-04T10:00:00.000+0000`, `1250.50`): PostgreSQL parses them into the raw table's types, and a
value it cannot parse is quarantined by the extract with its reason.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator, Mapping, Sequence

NULL = "\\N"
ROWS_PER_BLOCK = 2000
_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def copy_value(value: object) -> str:
    if value is None:
        return NULL
    if value is True:
        return "true"
    if value is False:
        return "false"
    return str(value).translate(_ESCAPES)


def records_to_copy(records: Iterable[Mapping[str, object]], fields: Sequence[str]) -> Iterator[bytes]:
    """REST query records (dicts keyed by API name) as COPY blocks of ROWS_PER_BLOCK lines."""
    lines: list[str] = []
    for record in records:
        lines.append("\t".join(copy_value(record.get(name)) for name in fields))
        if len(lines) == ROWS_PER_BLOCK:
            yield ("\n".join(lines) + "\n").encode()
            lines = []
    if lines:
        yield ("\n".join(lines) + "\n").encode()


def csv_pages_to_copy(pages: Iterable[str], fields: Sequence[str]) -> Iterator[bytes]:
    """Bulk 2.0 result pages (CSV text, each with its header line) as COPY blocks of ROWS_PER_BLOCK lines.
    In Bulk CSV an empty value is null: Salesforce stores no empty strings."""
    for page in pages:
        reader = csv.reader(io.StringIO(page, newline=""))
        header = next(reader, None)
        if header is None:
            continue
        positions = {name.lower(): index for index, name in enumerate(header)}
        order = [positions[name.lower()] for name in fields]
        lines: list[str] = []
        for row in reader:
            lines.append(
                "\t".join(row[index].translate(_ESCAPES) if row[index] != "" else NULL for index in order)
            )
            if len(lines) == ROWS_PER_BLOCK:
                yield ("\n".join(lines) + "\n").encode()
                lines = []
        if lines:
            yield ("\n".join(lines) + "\n").encode()
