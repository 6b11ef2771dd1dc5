"""The demo CRM written as a Salesforce data export: one CSV per object, named by its API name, API names
as headers (`momentum sim export-salesforce FOLDER`), for MOMENTUM_CRM=files and its tests.

Written as Salesforce's export writes them: 18-character ids in Id and reference fields, booleans as 1/0,
datetimes as `2026-03-02T14:05:00.000Z`, every field quoted, UTF-8. With `placeholder_history`, the first
OpportunityHistory row of each deal carries a close date in 2013, as Salesforce's export does for the row
it writes when a deal is created before its close date is set: real exports have them, so the pipeline
must flag and ignore them. The demo CRM is read through simulator/salesforce_org.py, streamed (a
server-side cursor), never a whole table in memory.
"""

from __future__ import annotations

import csv
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import psycopg
from psycopg import sql

from crm.salesforce.ids import to_18
from simulator.salesforce_org import SALESFORCE_SELECTS

PLACEHOLDER_CLOSE_DATE = date(2013, 1, 1)
ROWS_PER_FETCH = 5000
_FIRST_OF_DEAL = "_first_row_of_deal"


def write_salesforce_export(
    warehouse_url: str,
    folder: Path,
    *,
    placeholder_history: bool = True,
    objects: tuple[str, ...] | None = None,
) -> dict[str, int]:
    """Write the demo CRM (schema crm) into `folder` as a Salesforce data export; returns the rows written
    per file (`Opportunity.csv`: n). `objects` limits it to those API names."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    written: dict[str, int] = {}
    with psycopg.connect(warehouse_url) as conn:
        for api_name, select in SALESFORCE_SELECTS.items():
            if objects is not None and api_name not in objects:
                continue
            query = sql.SQL(select)
            if api_name == "OpportunityHistory" and placeholder_history:
                query = sql.SQL(
                    'select *, row_number() over (partition by "OpportunityId" order by "CreatedDate", "Id") = 1 '
                    "as {} from ({}) history"
                ).format(sql.Identifier(_FIRST_OF_DEAL), query)
            path = folder / f"{api_name}.csv"
            written[path.name] = _write_file(conn, api_name, query, path)
    return written


def _write_file(conn: psycopg.Connection, api_name: str, query: sql.Composable, path: Path) -> int:
    rows = 0
    with (
        conn.cursor(name=f"export_{api_name.lower()}") as cursor,
        path.open("w", encoding="utf-8", newline="") as out,
    ):
        cursor.itersize = ROWS_PER_FETCH
        cursor.execute(query)
        columns = [column.name for column in cursor.description]
        first_of_deal = columns.index(_FIRST_OF_DEAL) if _FIRST_OF_DEAL in columns else None
        close_date = columns.index("CloseDate") if first_of_deal is not None else None
        fields = [name for name in columns if name != _FIRST_OF_DEAL]
        writer = csv.writer(out, quoting=csv.QUOTE_ALL, lineterminator="\n")
        writer.writerow(fields)
        for record in cursor:
            values = list(record)
            if first_of_deal is not None:
                if values[first_of_deal]:
                    values[close_date] = PLACEHOLDER_CLOSE_DATE
                del values[first_of_deal]
            writer.writerow([_as_salesforce(name, value) for name, value in zip(fields, values, strict=True)])
            rows += 1
    return rows


def _as_salesforce(field: str, value: object) -> str:
    """A value as Salesforce's data export writes it."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, datetime):
        stamp = value.astimezone(UTC)
        return f"{stamp:%Y-%m-%dT%H:%M:%S}.{stamp.microsecond // 1000:03d}Z"
    if isinstance(value, date | Decimal | int | float):
        return str(value)
    text = str(value)
    # Id and reference fields (OwnerId, AccountId, ...): the export gives the 18-character form.
    return to_18(text) if field == "Id" or field.endswith("Id") else text
