"""A HubSpot export (a folder with the deals export, and the companies and contacts exports) as an extract
source (MOMENTUM_CRM=files with MOMENTUM_CRM_PATH).

It lands in `raw_hubspot` in the API source's shape (crm/hubspot/properties.py), so the same staging folder
reads both and nothing downstream changes: labels become the values the API gives (a forecast category's
"Best case" is BEST_CASE, a deal type's "New Business" newbusiness, a stage its id), and the tables an
export does not hold are rebuilt from it (crm/hubspot/export_tables.py). Activities are not read from an
export: their tables land empty, and the run says activities are missing.

As the Salesforce export (crm/salesforce/export_source.py): values travel as text and the extract quarantines
what does not parse (a `03/02/2026` date, an older duplicate of a Record ID) with its reason; an export lists
every live record, so `copy_ids` is every id in it; its `today` is the day after its latest Last Modified Date.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Self

from crm.hubspot import export_tables as tables
from crm.hubspot.export_files import HubSpotExport, HubSpotExportFile, read_hubspot_export
from crm.hubspot.layout import HUBSPOT_LAYOUT
from crm.hubspot.properties import OBJECTS_BY_RAW_NAME
from crm.hubspot.records import copy_blocks
from crm.salesforce.export_files import ExportFileError
from crm.salesforce.export_source import parse_stamp

# raw object -> the export it is read from, where it is a HubSpot export of its own.
EXPORTED = {"deal": "deals", "company": "companies", "contact": "contacts"}


class HubSpotExportSource:
    layout = HUBSPOT_LAYOUT
    values_as_text = True

    def __init__(self, folder: Path):
        self.folder = Path(folder)
        self.name = f"the HubSpot export in {self.folder}"
        self._export: HubSpotExport | None = None
        self._today: date | None = None

    def __enter__(self) -> Self:
        self._export = read_hubspot_export(self.folder)
        return self

    def __exit__(self, *exc_info: object) -> None:
        pass

    @property
    def export(self) -> HubSpotExport:
        if self._export is None:
            self._export = read_hubspot_export(self.folder)
        return self._export

    def raise_problems(self) -> None:
        if self.export.problems:
            raise ExportFileError("; ".join(self.export.problems))

    def columns(self, object_name: str) -> list[tuple[str, str]]:
        """Every column the API source lands: a property the export lacks lands null (staging falls back as
        for a portal without it). A column the export adds is not kept: raw_hubspot holds HubSpot's names."""
        self.raise_problems()
        hubspot_object = OBJECTS_BY_RAW_NAME[object_name]
        listed = [(p.name, p.pg_type) for p in hubspot_object.properties]
        associated = [(hubspot_object.association_column(t), "text") for t in hubspot_object.associations]
        return [("id", "text"), *listed, *associated]

    def copy_rows(self, object_name: str, fields: Sequence[str], since: datetime | None) -> Iterator[bytes]:
        self.raise_problems()
        # A deal's history versions are read again whenever the deal changed (export_tables.history_rows).
        stamp = (
            tables.DEAL_MODIFIED
            if object_name == "deal_property_history"
            else OBJECTS_BY_RAW_NAME[object_name].modstamp
        )
        rows = (
            [row.get(name, "") for name in fields]
            for row in self._records(object_name)
            if since is None or _not_before(row.get(stamp, ""), since)
        )
        return copy_blocks(rows)

    def copy_ids(self, object_name: str, primary_key: str) -> Iterator[bytes] | None:
        if object_name == "owner" or object_name in EXPORTED:
            return copy_blocks([row["id"]] for row in self._records(object_name))
        return None

    def today(self) -> date:
        """The day after the export's latest Last Modified Date (the first as-of date that sees all of it);
        asked before a run, so an export that cannot be read stops there in one line."""
        self.raise_problems()
        tables.stage_rows(self.export)  # says here, before any load, when what a stage means is missing
        if self._today is None:
            stamps = (
                parse_stamp(
                    export_file.value(row, "hs_lastmodifieddate")
                    or export_file.value(row, "lastmodifieddate")
                )
                for name in EXPORTED.values()
                if (export_file := self.export.files.get(name)) is not None
                for row in export_file.rows()
            )
            latest = max((stamp for stamp in stamps if stamp is not None), default=None)
            self._today = latest.date() + timedelta(days=1) if latest else datetime.now(UTC).date()
        return self._today

    def _records(self, object_name: str) -> Iterable[dict[str, str]]:
        """The object's records as raw_hubspot's columns, read from the export when asked (streamed)."""
        builders: dict[str, Callable[[HubSpotExport], Iterable[dict[str, str]]]] = {
            "owner": tables.owner_rows,
            "deal_stage": tables.stage_rows,
            "deal_property_history": tables.history_rows,
            "deal_contact": tables.deal_contact_rows,
        }
        if object_name in builders:
            return builders[object_name](self.export)
        if object_name in EXPORTED:
            export_file = self.export.files.get(EXPORTED[object_name])
            return () if export_file is None else _exported_records(object_name, export_file)
        return ()  # activities: not read from an export


def _exported_records(object_name: str, export_file: HubSpotExportFile) -> Iterator[dict[str, str]]:
    props = list(export_file.positions)
    for row in export_file.rows():
        record = {prop: export_file.value(row, prop) for prop in props}
        if object_name == "deal":
            record["dealstage"] = tables.stage_id(record.get("pipeline", ""), record["dealstage"])
            record["pipeline"] = record.get("pipeline") or tables.DEFAULT_PIPELINE
            record["hs_forecast_category"] = tables.forecast_category(record.get("hs_forecast_category", ""))
            record["dealtype"] = tables.deal_type(record.get("dealtype", ""))
            for flag in ("hs_is_closed", "hs_is_closed_won"):
                record[flag] = tables.as_bool(record.get(flag, ""))
            record["hs_deal_stage_probability"] = tables.as_fraction(
                record.get("hs_deal_stage_probability", "")
            )
            record["associated_company_id"] = tables.first_id(record.get("associated_company_id", ""))
        elif object_name == "contact":
            record["associatedcompanyid"] = tables.first_id(record.get("associatedcompanyid", ""))
        yield record


def _not_before(text: str, since: datetime) -> bool:
    """A row stamped at or after `since`; a stamp that does not parse travels (the extract quarantines it)."""
    stamp = parse_stamp(text)
    return stamp is None or stamp >= since
