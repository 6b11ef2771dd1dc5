"""One Data Loader CSV: API names as headers, values as Data Loader reads them, written atomically.

Data Loader (and the Data Import Wizard) leave a field as it is when its cell is empty, unless the user turns on
"Insert null values"; `#N/A` sets it to null whatever that setting says. So Momentum writes an empty cell for a
null ("never a null over a value") and `#N/A` only where a mapping clears a field it owns (clear_when_absent).
"""

from __future__ import annotations

import csv
import os
import tempfile
from collections.abc import Iterable, Sequence
from pathlib import Path

from crm.salesforce.write_fields import WriteField

CLEAR = "#N/A"
LEAVE_AS_IS = ""
ENCODING = "utf-8"  # no byte-order mark: Data Loader's "Read all CSVs with UTF-8 encoding" reads it as is


def cell(field: WriteField, text: str | None, *, clears: bool) -> str:
    """A value staged as PostgreSQL text, as Data Loader reads it. Numbers keep their exact decimal text;
    date-times become ISO 8601 in UTC (2026-11-23T09:00:00Z)."""
    if text is None:
        return CLEAR if clears else LEAVE_AS_IS
    if field.kind == "DateTime":
        return str(field.json_value(text))
    return text


def write_atomically(path: Path, header: Sequence[str], rows: Iterable[Sequence[str]]) -> int:
    """Write the CSV next to its final name and rename it into place, so a run killed mid-write leaves a
    hidden temp file, never a short file under the final name. Returns the rows written."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    written = 0
    try:
        with os.fdopen(handle, "w", encoding=ENCODING, newline="") as stream:
            writer = csv.writer(stream)  # RFC 4180: quotes, commas and line breaks inside a value are quoted
            writer.writerow(header)
            for row in rows:
                writer.writerow(row)
                written += 1
            stream.flush()
            os.fsync(stream.fileno())
        os.replace(temp_name, path)
    except BaseException:
        Path(temp_name).unlink(missing_ok=True)
        raise
    return written


def write_text_atomically(path: Path, text: str) -> None:
    """The same for a small text file (the manifest)."""
    handle, temp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(handle, "w", encoding=ENCODING) as stream:
            stream.write(text)
            stream.flush()
            os.fsync(stream.fileno())
        os.replace(temp_name, path)
    except BaseException:
        Path(temp_name).unlink(missing_ok=True)
        raise
