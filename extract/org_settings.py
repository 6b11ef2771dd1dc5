"""The org-level settings the pipeline takes from the CRM: today, the fiscal year's first month.

Salesforce keeps it on the Organization object (FiscalYearStartMonth), the demo CRM in crm.organization;
the extract copies it to raw_crm.organization. A CRM without it (a CSV export) gets calendar quarters
unless the operator sets MOMENTUM_FISCAL_YEAR_START_MONTH, which also overrides what the CRM says.
"""

from __future__ import annotations

from dataclasses import dataclass

import psycopg

DEFAULT_FISCAL_YEAR_START_MONTH = 1


@dataclass(frozen=True)
class FiscalYear:
    start_month: int
    source: str  # where the value came from, for the run log


def fiscal_year(warehouse_url: str, override: int | None = None) -> FiscalYear:
    if override is not None:
        return FiscalYear(override, "MOMENTUM_FISCAL_YEAR_START_MONTH")
    with psycopg.connect(warehouse_url) as conn:
        if conn.execute("select to_regclass('raw_crm.organization')").fetchone()[0] is None:
            return FiscalYear(
                DEFAULT_FISCAL_YEAR_START_MONTH, "default (the CRM has no organization settings)"
            )
        row = conn.execute(
            "select fiscal_year_start_month from raw_crm.organization where fiscal_year_start_month between 1 and 12"
            " order by system_modstamp desc limit 1"
        ).fetchone()
    if row is None:
        return FiscalYear(
            DEFAULT_FISCAL_YEAR_START_MONTH, "default (raw_crm.organization has no valid month)"
        )
    return FiscalYear(int(row[0]), "the CRM's organization settings")
