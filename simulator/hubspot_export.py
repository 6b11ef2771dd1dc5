"""The demo CRM written as HubSpot's exports: deals, companies and contacts CSVs as "Export all records" writes
them (`momentum sim export-hubspot FOLDER`), for
MOMENTUM_CRM=files and its tests.

The demo CRM is seen as the HubSpot portal the local API serves (simulator/hubspot_portal.py), then written as
an export shows it: property labels as headers, a stage and pipeline by their labels, owners by name, the
forecast category and deal type by their labels, associations as ids separated by semicolons, dates as
`2026-03-02 14:05:00` (UTC here; a portal writes its own time zone). With `date_entered`, each stage's
"Date entered <stage> (Sales Pipeline)" column holds the last time the deal entered it (HubSpot's
hs_date_entered_<stage id>), from which the stage history is rebuilt; without, the export has no history.
Tiny and demo presets only: each object is read whole.
"""

from __future__ import annotations

import csv
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import psycopg
from psycopg.rows import dict_row

from crm.hubspot.export_columns import date_entered_header
from crm.hubspot.export_tables import DEFAULT_PIPELINE
from simulator.hubspot_portal import (
    DEAL_CONTACTS_SELECT,
    HISTORY_SELECT,
    OWNERS_SELECT,
    PORTAL_OBJECTS,
    STAGES_SELECT,
)

_FORECAST_LABELS = {
    "PIPELINE": "Pipeline",
    "BEST_CASE": "Best case",
    "COMMIT": "Commit",
    "CLOSED": "Closed",
    "OMIT": "Omit",
}
_DEAL_TYPE_LABELS = {
    "newbusiness": "New Business",
    "existingbusiness": "Existing Business",
    "renewal": "Renewal",
}
COMPANY_COLUMNS = {
    "Record ID": "id",
    "Company name": "name",
    "Industry": "industry",
    "Number of Employees": "numberofemployees",
    "Segment": "segment",
    "Region": "region",
    "Company owner": "hubspot_owner_id",
    "Create Date": "createdate",
    "Last Modified Date": "hs_lastmodifieddate",
}
CONTACT_COLUMNS = {
    "Record ID": "id",
    "First Name": "firstname",
    "Last Name": "lastname",
    "Email": "email",
    "Job Title": "jobtitle",
    "Department": "department",
    "Seniority": "seniority",
    "Time Zone": "time_zone",
    "Associated Company IDs": "associatedcompanyid",
    "Create Date": "createdate",
    "Last Modified Date": "lastmodifieddate",
}
DEAL_COLUMNS = {
    "Record ID": "id",
    "Deal Name": "dealname",
    "Pipeline": "pipeline",
    "Deal Stage": "dealstage",
    "Amount": "amount",
    "Close Date": "closedate",
    "Deal owner": "hubspot_owner_id",
    "HubSpot Team": "team",
    "Deal probability": "hs_deal_stage_probability",
    "Forecast category": "hs_forecast_category",
    "Next step": "hs_next_step",
    "Deal Type": "dealtype",
    "Lead Source": "lead_source",
    "Closed Lost Reason": "closed_lost_reason",
    "Is closed": "hs_is_closed",
    "Is Closed Won": "hs_is_closed_won",
    "Create Date": "createdate",
    "Last Modified Date": "hs_lastmodifieddate",
    "Associated Company IDs": "_company_id",
    "Associated Contact IDs": "contact_ids",
}
FILE_NAMES = {
    "deals": "hubspot-crm-exports-all-deals.csv",
    "companies": "hubspot-crm-exports-all-companies.csv",
}
FILE_NAMES["contacts"] = "hubspot-crm-exports-all-contacts.csv"


def write_hubspot_export(warehouse_url: str, folder: Path, *, date_entered: bool = True) -> dict[str, int]:
    """Write the demo CRM (schema crm) into `folder` as HubSpot's deals, companies and contacts exports;
    returns the rows written per file name."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    with psycopg.connect(warehouse_url, row_factory=dict_row) as conn:
        owners = {row["id"]: row for row in conn.execute(OWNERS_SELECT)}
        names = {owner_id: _owner_name(row) for owner_id, row in owners.items()}
        stages = {row["id"]: row["label"] for row in conn.execute(STAGES_SELECT)}
        companies = _select(conn, "companies")
        contacts = _select(conn, "contacts")
        deals = _select(conn, "deals")
        deal_ids = [deal["id"] for deal in deals]
        contact_ids: dict[str, list[str]] = {}
        for row in conn.execute(DEAL_CONTACTS_SELECT, (deal_ids,)):
            contact_ids.setdefault(row["from_id"], []).append(row["to_id"])
        entered: dict[tuple[str, str], datetime] = {}
        for row in conn.execute(HISTORY_SELECT, (deal_ids,)):
            key = (row["opportunity_id"], row["dealstage"])
            entered[key] = max(entered.get(key, row["created_date"]), row["created_date"])
    for company in companies:
        company["hubspot_owner_id"] = names.get(company["hubspot_owner_id"])
    for deal in deals:
        owner = owners.get(deal["hubspot_owner_id"]) or {}
        deal.update(
            pipeline=DEFAULT_PIPELINE,
            dealstage=stages.get(deal["dealstage"]),
            hubspot_owner_id=names.get(deal["hubspot_owner_id"]),
            team=owner.get("team"),
            hs_forecast_category=_FORECAST_LABELS.get(
                deal["hs_forecast_category"], deal["hs_forecast_category"]
            ),
            dealtype=_DEAL_TYPE_LABELS.get(deal["dealtype"], deal["dealtype"]),
            contact_ids=";".join(contact_ids.get(deal["id"], [])),
            closedate=deal["closedate"].date() if deal["closedate"] else None,
        )
    deal_columns = dict(DEAL_COLUMNS)
    if date_entered:
        for stage_id, label in stages.items():
            column = f"entered:{stage_id}"
            deal_columns[date_entered_header(label, DEFAULT_PIPELINE)] = column
            for deal in deals:
                deal[column] = entered.get((deal["id"], stage_id))
    return {
        FILE_NAMES["companies"]: _write(folder / FILE_NAMES["companies"], COMPANY_COLUMNS, companies),
        FILE_NAMES["contacts"]: _write(folder / FILE_NAMES["contacts"], CONTACT_COLUMNS, contacts),
        FILE_NAMES["deals"]: _write(folder / FILE_NAMES["deals"], deal_columns, deals),
    }


def _select(conn: psycopg.Connection, object_type: str) -> list[dict]:
    return conn.execute(PORTAL_OBJECTS[object_type].select + " order by 1").fetchall()


def _owner_name(owner: dict) -> str:
    return " ".join(part for part in (owner["firstName"], owner["lastName"]) if part)


def _write(path: Path, columns: dict[str, str], records: list[dict]) -> int:
    with path.open("w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(columns)
        for record in records:
            writer.writerow([_as_exported(record.get(prop)) for prop in columns.values()])
    return len(records)


def _as_exported(value: object) -> str:
    """A value as HubSpot's export shows it."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")
    return str(value)
