"""Where a source lands in the warehouse: its own raw schema, its objects, and its dbt staging folder.

Each source keeps its objects and field names as the CRM gives them (`raw_crm` for the demo CRM,
`raw_salesforce` for Salesforce's API and its data export), and one dbt staging folder per layout maps
them onto the staging contract the rest of the project reads (docs/ARCHITECTURE.md, "Contracts between
stages"). The extract engine, the Dagster asset keys and dbt's choice of staging folder all come from here.
"""

from __future__ import annotations

from dataclasses import dataclass

from extract.objects import CRM_OBJECTS, CrmObject


@dataclass(frozen=True)
class FiscalYearField:
    """Where the org's fiscal-year start month lives in the raw schema (extract/org_settings.py)."""

    table: str
    month_column: str
    modstamp_column: str


@dataclass(frozen=True)
class RawLayout:
    schema: str
    objects: tuple[CrmObject, ...]
    # The staging folder under dbt_project/models/staging/ that reads this schema (dbt var `crm_staging`).
    dbt_staging: str
    fiscal_year: FiscalYearField

    def object(self, name: str) -> CrmObject:
        for crm_object in self.objects:
            if crm_object.name == name:
                return crm_object
        raise KeyError(f"{name} is not an object of {self.schema}")


# The demo CRM (simulator/schema.sql): its tables are already in the staging contract's shape.
DEMO_LAYOUT = RawLayout(
    schema="raw_crm",
    objects=CRM_OBJECTS,
    dbt_staging="demo",
    fiscal_year=FiscalYearField("organization", "fiscal_year_start_month", "system_modstamp"),
)
