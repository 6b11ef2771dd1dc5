"""The CSV files of a Salesforce data export: which file holds which object, how it is delimited, and its
header matched against crm/salesforce/fields.py.

Salesforce's data export writes one UTF-8 CSV per object, named by its API name (`Opportunity.csv`), with
API names as headers. Files that passed through a spreadsheet come back with a byte-order mark, or with
semicolons or tabs between fields; those are read as they are. Every problem with a file's name or header
is found up front, before anything loads, and said in one `ExportFileError` line naming the file and the
column.
"""

from __future__ import annotations

import csv
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from crm.salesforce.fields import SALESFORCE_OBJECTS, SalesforceObject

# Delimiters a CSV export comes with: Salesforce writes commas; a spreadsheet in a European locale saves
# semicolons, and "text (tab-delimited)" tabs.
DELIMITERS = {",": "comma", ";": "semicolon", "\t": "tab"}
# A long Description or email body can exceed the csv module's default field limit (128 KiB).
csv.field_size_limit(min(sys.maxsize, 2**31 - 1))


class ExportFileError(ValueError):
    """A Salesforce export file Momentum cannot read: missing, not UTF-8, or a header without a required
    column. The message names the file and the column, in one line."""


@dataclass(frozen=True)
class ExportFile:
    """One object's CSV: its path, its delimiter, and its columns (lower-cased API names, in file order)."""

    sf_object: SalesforceObject
    path: Path
    delimiter: str
    columns: tuple[str, ...]

    def rows(self) -> Iterator[list[str]]:
        """The file's data rows, read as they are needed (never the whole file at once)."""
        with self.path.open(encoding="utf-8-sig", newline="") as stream:
            reader = csv.reader(stream, delimiter=self.delimiter)
            try:
                next(reader, None)  # the header
                for row in reader:
                    if len(row) != len(self.columns):
                        if not any(row):
                            continue  # a blank line (a trailing newline an editor added)
                        raise ExportFileError(
                            f"{self.path.name} line {reader.line_num}: {len(row)} values where the header has "
                            f"{len(self.columns)} columns ({DELIMITERS[self.delimiter]}-separated): the file is "
                            "cut short or mixes delimiters; export it again"
                        )
                    yield row
            except UnicodeDecodeError as error:
                raise _not_utf8(self.path, error) from None


@dataclass(frozen=True)
class Export:
    """What a folder holds: each readable object's file by raw object name (`opportunity`), and why each
    object that cannot be read cannot (a required file missing, a header without a required column)."""

    files: dict[str, ExportFile]
    problems: dict[str, str]


def read_export(folder: Path) -> Export:
    """Every object's file and header in the export; an optional object without a file is in neither."""
    files_by_name: dict[str, list[Path]] = {}
    for path in sorted(folder.iterdir()):
        if path.is_file():
            files_by_name.setdefault(path.name.lower(), []).append(path)
    files: dict[str, ExportFile] = {}
    problems: dict[str, str] = {}
    for sf_object in SALESFORCE_OBJECTS:
        paths = files_by_name.get(f"{sf_object.api_name.lower()}.csv", [])
        if len(paths) > 1:  # file names are matched whatever their case
            problems[sf_object.raw_name] = f"{folder} holds {' and '.join(p.name for p in paths)}: keep one"
        elif not paths:
            if not sf_object.optional:
                problems[sf_object.raw_name] = (
                    f"{folder} has no {sf_object.api_name}.csv (required): include {sf_object.api_name} "
                    "in the data export"
                )
        else:
            try:
                files[sf_object.raw_name] = _read_header(sf_object, paths[0])
            except ExportFileError as error:
                problems[sf_object.raw_name] = str(error)
    return Export(files, problems)


def _read_header(sf_object: SalesforceObject, path: Path) -> ExportFile:
    try:
        with path.open(encoding="utf-8-sig", newline="") as stream:
            first_line = stream.readline()
    except UnicodeDecodeError as error:
        raise _not_utf8(path, error) from None
    delimiter, header = _sniff(sf_object, first_line)
    columns = tuple(name.strip().lower() for name in header)
    found_as = f"{DELIMITERS[delimiter]}-separated"
    if "id" not in columns:
        shown = first_line.strip()[:60]
        raise ExportFileError(
            f"{path.name}: the header has no column Id (read as {found_as}: {len(header)} column(s), "
            f"{shown!r}); Momentum reads Salesforce's data export, API names as headers, separated by "
            "commas, semicolons or tabs"
        )
    missing = [
        field.name for field in sf_object.fields if field.required and field.name.lower() not in columns
    ]
    if missing:
        raise ExportFileError(
            f"{path.name} has no column {', '.join(missing)} (required; read as {found_as}): export "
            f"{sf_object.api_name} with {'that field' if len(missing) == 1 else 'those fields'}"
        )
    repeated = sorted({name for name in columns if name and columns.count(name) > 1})
    if repeated:
        raise ExportFileError(
            f"{path.name} has the column {', '.join(repeated)} more than once (API names are matched "
            "whatever their case): keep one"
        )
    return ExportFile(sf_object, path, delimiter, columns)


def _sniff(sf_object: SalesforceObject, first_line: str) -> tuple[str, list[str]]:
    """The delimiter whose split of the header names the most of the object's fields (ties: the most
    columns, then comma), and the header so split."""
    known = {field.name.lower() for field in sf_object.fields}

    def score(delimiter: str) -> tuple[int, int]:
        header = next(csv.reader([first_line], delimiter=delimiter), [])
        return sum(name.strip().lower() in known for name in header), len(header)

    delimiter = max(DELIMITERS, key=score)  # max keeps the first of equals: comma
    return delimiter, next(csv.reader([first_line], delimiter=delimiter), [])


def _not_utf8(path: Path, error: UnicodeDecodeError) -> ExportFileError:
    return ExportFileError(
        f"{path.name} is not UTF-8 (byte {error.object[error.start]:#04x} at byte {error.start} of a read "
        "block): save or export it as UTF-8"
    )
