"""The CSV files of a HubSpot export in a folder: which file is which export (by its header, since HubSpot
names its files `hubspot-crm-exports-all-deals-2026-03-02.csv` and users rename them), how each is delimited,
and where each property's column is (crm/hubspot/export_columns.py).

The Salesforce export's readers decide the rest (crm/salesforce/export_files.py): UTF-8 with or without a
byte-order mark, commas, semicolons or tabs, a short row named by its line, and every problem with a file
found before anything loads and said in one `ExportFileError` line naming the file and the column.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from crm.hubspot.export_columns import DEALS, KINDS, ExportKind, date_entered_columns
from crm.salesforce.export_files import DELIMITERS, ExportFileError, _not_utf8

# Marks a folder as a HubSpot export for MOMENTUM_CRM=files (crm/connectors.py), beside Salesforce's
# Opportunity.csv.
HUBSPOT_EXPORT_HINT = "a HubSpot deals export (a CSV whose header has Record ID, Deal Name and Deal Stage)"


@dataclass(frozen=True)
class HubSpotExportFile:
    kind: ExportKind
    path: Path
    delimiter: str
    header: tuple[str, ...]
    positions: dict[str, int]  # property -> column

    def rows(self) -> Iterator[list[str]]:
        """The data rows, streamed; a blank line is skipped, a short one stops the read naming its line."""
        with self.path.open(encoding="utf-8-sig", newline="") as stream:
            reader = csv.reader(stream, delimiter=self.delimiter)
            try:
                next(reader, None)
                for row in reader:
                    if len(row) != len(self.header):
                        if not any(row):
                            continue
                        raise ExportFileError(
                            f"{self.path.name} line {reader.line_num}: {len(row)} values where the header has "
                            f"{len(self.header)} columns ({DELIMITERS[self.delimiter]}-separated): the file is "
                            "cut short or mixes delimiters; export it again"
                        )
                    yield row
            except UnicodeDecodeError as error:
                raise _not_utf8(self.path, error) from None

    def value(self, row: list[str], prop: str) -> str:
        """The row's value of a property ("" when the export lacks its column)."""
        position = self.positions.get(prop)
        return "" if position is None else row[position].strip()


@dataclass(frozen=True)
class HubSpotExport:
    files: dict[str, HubSpotExportFile]  # by kind name: deals, companies, contacts, pipelines
    problems: list[str]

    @property
    def deals(self) -> HubSpotExportFile:
        return self.files["deals"]

    def date_entered(self) -> list[tuple[int, str, str]]:
        return date_entered_columns(list(self.deals.header))


def is_hubspot_export(folder: Path) -> bool:
    """True when one of the folder's CSVs has a HubSpot deals export's header."""
    return any(_kind_of(path)[0] is DEALS for path in _csv_files(folder))


def read_hubspot_export(folder: Path) -> HubSpotExport:
    files: dict[str, HubSpotExportFile] = {}
    problems: list[str] = []
    for path in _csv_files(folder):
        try:
            kind, delimiter, header = _kind_of(path)
        except ExportFileError as error:
            problems.append(str(error))
            continue
        if kind is None:
            continue  # another object's export (calls, tickets, ...): not read
        if kind.name in files:
            problems.append(
                f"{folder} holds two {kind.name} exports ({files[kind.name].path.name} and {path.name}): keep one"
            )
            continue
        positions = kind.find(header)
        missing = [
            column.labels[0] for column in kind.columns if column.required and column.prop not in positions
        ]
        if missing:
            problems.append(
                f"{path.name} ({kind.name} export, read as {DELIMITERS[delimiter]}-separated) has no column "
                f"{', '.join(missing)} (required): include {'that property' if len(missing) == 1 else 'those properties'} "
                "in the export"
            )
            continue
        files[kind.name] = HubSpotExportFile(kind, path, delimiter, tuple(header), positions)
    if "deals" not in files and not any("deals export" in problem for problem in problems):
        problems.append(f"{folder} holds no deals export: Momentum needs {HUBSPOT_EXPORT_HINT}")
    return HubSpotExport(files, problems)


def _csv_files(folder: Path) -> list[Path]:
    return sorted(path for path in folder.iterdir() if path.is_file() and path.suffix.lower() == ".csv")


def _kind_of(path: Path) -> tuple[ExportKind | None, str, list[str]]:
    """The export kind whose signature the header holds, under the delimiter that finds the most known
    labels (ties: comma)."""
    try:
        with path.open(encoding="utf-8-sig", newline="") as stream:
            first_line = stream.readline()
    except UnicodeDecodeError as error:
        raise _not_utf8(path, error) from None
    known = {label.lower() for kind in KINDS for column in kind.columns for label in column.labels}

    def split(delimiter: str) -> list[str]:
        return next(csv.reader([first_line], delimiter=delimiter), [])

    def score(delimiter: str) -> tuple[int, int]:
        header = split(delimiter)
        return sum(name.strip().lower() in known for name in header), len(header)

    delimiter = max(DELIMITERS, key=score)
    header = split(delimiter)
    kind = next((k for k in KINDS if k.matches(header)), None)
    return kind, delimiter, header
