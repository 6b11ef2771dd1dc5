"""Data Loader's answers, brought back by the user: an `error*.csv` dropped into a run's folder.

Data Loader writes one error file per load: the loaded file's columns plus an ERROR column with Salesforce's
message. A run reads the error files of its sync's files (traced by their columns through the folder's
manifest), returns each refused record with the message for the engine to log and re-send, and once the engine
has done so renames the file `<name>.logged`, so it is read once.
"""

from __future__ import annotations

import csv
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from crm.salesforce.data_loader.outbox import read_manifest

log = logging.getLogger(__name__)

ERROR_COLUMN = "ERROR"
READ_SUFFIX = ".logged"


@contextmanager
def refused_records(outbox: Path, sync_name: str) -> Iterator[list[tuple[str, str]]]:
    """(record key, Data Loader's message) of every record an unread error file of this sync holds."""
    found: list[Path] = []
    refused: list[tuple[str, str]] = []
    for path in _error_files(outbox):
        entry = _loaded_file(path)
        if entry is None:
            log.warning(
                "%s matches no file Momentum wrote in %s (compare its columns with %s); left unread",
                path.name,
                path.parent,
                "manifest.json",
            )
            continue
        if entry["sync"] != sync_name:
            continue
        refused += _records(path, entry)
        found.append(path)
    yield refused
    for path in found:  # only once the engine has logged them and forgotten their state
        path.rename(path.with_name(path.name + READ_SUFFIX))


def _error_files(outbox: Path) -> list[Path]:
    if not outbox.is_dir():
        return []
    return sorted(
        path
        for path in outbox.glob("*/*")
        if path.is_file() and path.name.lower().startswith("error") and path.name.lower().endswith(".csv")
    )


def _header(path: Path) -> list[str]:
    with path.open(encoding="utf-8-sig", newline="") as stream:
        return next(csv.reader(stream), [])


def _loaded_file(path: Path) -> dict | None:
    """The manifest entry of the file this error file answers: the one with the same columns but ERROR."""
    columns = [c for c in _header(path) if c.upper() != ERROR_COLUMN]
    manifest = read_manifest(path.parent) or {"files": {}}
    for entry in manifest["files"].values():
        if sorted(entry["columns"]) == sorted(columns):
            return entry
    return None


def _records(path: Path, entry: dict) -> list[tuple[str, str]]:
    where = f"{path.parent.name}/{entry['file']}"
    with path.open(encoding="utf-8-sig", newline="") as stream:
        rows = list(csv.DictReader(stream))
    error_column = next(
        (c for c in (rows[0].keys() if rows else ()) if c.upper() == ERROR_COLUMN), ERROR_COLUMN
    )
    return [
        (
            row[entry["record_key_column"]],
            f"Data Loader refused it ({where}): {row.get(error_column) or 'no message'}",
        )
        for row in rows
        if row.get(entry["record_key_column"])
    ]
