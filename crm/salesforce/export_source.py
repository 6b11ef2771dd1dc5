"""A Salesforce data export (a folder of CSVs, one per object) as an extract source (MOMENTUM_CRM=files).

The files land in `raw_salesforce` exactly as the API source lands the org (crm/salesforce/layout.py), so
the same dbt staging folder reads both. Known fields are typed from crm/salesforce/fields.py; a column
Momentum does not know is kept, as text. Values travel as the file gives them (`values_as_text`): the
extract parses each one and quarantines what does not parse (a 03/04/2026 date, a NaN amount, an older
duplicate of an id) with its reason, so received = loaded + rejected holds for files as for the API.
Salesforce's `0`/`1` booleans and its space-separated or ISO datetimes parse as they are; an empty cell is
null.

An export is a full copy of the org: every record it holds is live, so an id missing from this export
but present in the last was deleted (`copy_ids`), and its date is the latest SystemModstamp it holds
(`today`), so freshness and the as-of date follow the data, not the day the file is read.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator, Sequence
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Self

from crm.salesforce.export_files import Export, ExportFile, ExportFileError, read_export
from crm.salesforce.export_stages import StagesFromDeals
from crm.salesforce.layout import SALESFORCE_LAYOUT

log = logging.getLogger(__name__)

# Rows per COPY block: large enough that the per-write cost vanishes, small enough to stay a few MB.
ROWS_PER_BLOCK = 5000
IS_DELETED = "isdeleted"
TRUE_VALUES = {"1", "true"}  # Salesforce's export writes 1/0; the API and Data Loader true/false
# What the extract accepts as a timestamp (extract/quarantine.py ISO_DATE_PREFIX): anything else is not
# read here either, so a row whose stamp does not parse travels and is quarantined with its reason.
_ISO_DATE = re.compile(r"\s*\d{4}-\d{2}-\d{2}")
# COPY text format: backslash, tab and line breaks escaped; PostgreSQL text cannot hold NUL.
_COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r", "\x00": ""})


class SalesforceExportSource:
    layout = SALESFORCE_LAYOUT
    values_as_text = True

    def __init__(self, folder: Path):
        self.folder = Path(folder)
        self.name = f"the Salesforce data export in {self.folder}"
        self._export: Export | None = None
        self._today: date | None = None

    def __enter__(self) -> Self:
        self._export = _read(self.folder)  # every file's name and header, read once
        return self

    def __exit__(self, *exc_info: object) -> None:
        pass  # no file stays open between calls

    @property
    def export(self) -> Export:
        if self._export is None:
            self._export = _read(self.folder)
        return self._export

    @property
    def files(self) -> dict[str, ExportFile]:
        return self.export.files

    def raise_problems(self) -> None:
        """One ExportFileError naming every file and column that stops an object from being read."""
        if self.export.problems:
            raise ExportFileError("; ".join(self.export.problems.values()))

    def columns(self, object_name: str) -> list[tuple[str, str]]:
        export_file = self._file(object_name)
        if export_file is None:
            return []  # an optional object the export does not hold
        types = {field.name.lower(): field.pg_type for field in export_file.sf_object.fields}
        # A column with an empty name (a trailing delimiter) holds nothing to keep.
        return [(name, types.get(name, "text")) for name in export_file.columns if name]

    def _file(self, object_name: str) -> ExportFile | None:
        """The object's file; its problem raised when it cannot be read (`momentum crm check` reports it
        against the object and goes on with the others)."""
        if object_name in self.export.problems:
            raise ExportFileError(self.export.problems[object_name])
        return self.files.get(object_name)

    def copy_rows(self, object_name: str, fields: Sequence[str], since: datetime | None) -> Iterator[bytes]:
        export_file = self._file(object_name)
        positions = [export_file.columns.index(name) for name in fields]
        stamp_at = export_file.columns.index(_modstamp(export_file))
        lines: list[str] = []
        for row in export_file.rows():
            if since is not None:
                stamp = parse_stamp(row[stamp_at])
                # A row whose stamp does not parse travels every time: the extract quarantines it.
                if stamp is not None and stamp < since:
                    continue
            lines.append("\t".join(_copy_value(row[position]) for position in positions))
            if len(lines) == ROWS_PER_BLOCK:
                yield _block(lines)
                lines = []
        if lines:
            yield _block(lines)

    def copy_ids(self, object_name: str, primary_key: str) -> Iterator[bytes]:
        """Every id in the file: a full export lists every live record, so one missing since the last
        export was deleted. A row the export marks IsDeleted (an export that includes the recycle bin)
        is not live."""
        export_file = self._file(object_name)
        key_at = export_file.columns.index(primary_key)
        deleted_at = export_file.columns.index(IS_DELETED) if IS_DELETED in export_file.columns else None
        lines: list[str] = []
        for row in export_file.rows():
            if deleted_at is not None and row[deleted_at].strip().lower() in TRUE_VALUES:
                continue
            lines.append(_copy_value(row[key_at]))
            if len(lines) == ROWS_PER_BLOCK:
                yield _block(lines)
                lines = []
        if lines:
            yield _block(lines)

    def today(self) -> date:
        """The export's today: the day after its latest SystemModstamp (the wall clock's today if no stamp
        parses). An as-of date D is the CRM as it stood at the start of D, so the day after the last change is
        the first as-of date that sees everything the export holds, as the demo CRM's today follows its data.

        The CLI asks for it before a run starts, so an export that cannot be read stops there, in one line
        naming every missing file and column, before any object is loaded."""
        self.raise_problems()
        if self._today is None:
            latest = max(
                (
                    stamp
                    for export_file in self.files.values()
                    for stamp in _stamps(export_file)
                    if stamp is not None
                ),
                default=None,
            )
            self._today = (
                latest.date() + timedelta(days=1) if latest is not None else datetime.now(UTC).date()
            )
        return self._today


def _read(folder: Path) -> Export:
    """The export's files; without an OpportunityStage.csv, the stages its deals are in
    (crm/salesforce/export_stages.py), or one line saying neither is there."""
    export = read_export(folder)
    if "opportunitystage" in export.files or any(
        path.name.lower() == "opportunitystage.csv" for path in folder.iterdir()
    ):
        return export  # the file is there, read or named as unreadable
    if "opportunity" in export.files:
        export.problems.pop("opportunitystage", None)
        export.files["opportunitystage"] = StagesFromDeals(export.files["opportunity"])
        log.info(
            "%s has no OpportunityStage.csv: each stage's meaning comes from its deals' IsClosed, IsWon, "
            "Probability and ForecastCategoryName in Opportunity.csv",
            folder,
        )
    else:
        export.problems["opportunitystage"] = (
            f"{folder} has no OpportunityStage.csv, and no readable Opportunity.csv to read each stage's meaning "
            "from (IsClosed, IsWon, Probability per StageName): include OpportunityStage in the data export"
        )
    return export


def parse_stamp(text: str) -> datetime | None:
    """A SystemModstamp as Salesforce writes it (`2026-03-02 14:05:00`, `2026-03-02T14:05:00.000Z`,
    `...+0000`), in UTC when it has no offset; None when it is not one."""
    if not _ISO_DATE.match(text):
        return None
    try:
        stamp = datetime.fromisoformat(text.strip())
    except ValueError:
        return None
    return stamp.replace(tzinfo=UTC) if stamp.tzinfo is None else stamp.astimezone(UTC)


def _modstamp(export_file: ExportFile) -> str:
    """The file's stamp column: SystemModstamp, or CreatedDate for field history (crm/salesforce/fields.py)."""
    return export_file.sf_object.modstamp_field.lower()


def _stamps(export_file: ExportFile) -> Iterator[datetime | None]:
    stamp_at = export_file.columns.index(_modstamp(export_file))
    for row in export_file.rows():
        yield parse_stamp(row[stamp_at])


def _copy_value(value: str) -> str:
    return "\\N" if value == "" else value.translate(_COPY_ESCAPES)


def _block(lines: list[str]) -> bytes:
    return ("\n".join(lines) + "\n").encode()
