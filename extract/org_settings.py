"""The org-level settings the pipeline takes from the CRM: today, the fiscal year's first month.

Salesforce keeps it on the Organization object (FiscalYearStartMonth), the demo CRM in crm.organization;
the extract copies it to the source's raw schema (extract/layout.py, FiscalYearField). A CRM without it (a CSV export) gets calendar quarters
unless the operator sets MOMENTUM_FISCAL_YEAR_START_MONTH, which also overrides what the CRM says.
"""

from __future__ import annotations

from dataclasses import dataclass

import psycopg
from psycopg import sql

from extract.layout import DEMO_LAYOUT, RawLayout

DEFAULT_FISCAL_YEAR_START_MONTH = 1


@dataclass(frozen=True)
class FiscalYear:
    start_month: int
    source: str  # where the value came from, for the run log


def fiscal_year(
    warehouse_url: str, override: int | None = None, layout: RawLayout = DEMO_LAYOUT
) -> FiscalYear:
    if override is not None:
        return FiscalYear(override, "MOMENTUM_FISCAL_YEAR_START_MONTH")
    field = layout.fiscal_year
    table = f"{layout.schema}.{field.table}"
    with psycopg.connect(warehouse_url) as conn:
        found = conn.execute(
            "select to_regclass(format('%%I.%%I', %s::text, %s::text))", (layout.schema, field.table)
        ).fetchone()[0]
        if found is None:
            return FiscalYear(
                DEFAULT_FISCAL_YEAR_START_MONTH, "default (the CRM has no organization settings)"
            )
        row = conn.execute(
            sql.SQL(
                "select {month} from {table} where {month} between 1 and 12 order by {stamp} desc limit 1"
            ).format(
                month=sql.Identifier(field.month_column),
                table=sql.Identifier(layout.schema, field.table),
                stamp=sql.Identifier(field.modstamp_column),
            )
        ).fetchone()
    if row is None:
        return FiscalYear(DEFAULT_FISCAL_YEAR_START_MONTH, f"default ({table} has no valid month)")
    return FiscalYear(int(row[0]), "the CRM's organization settings")
