"""Where a source lands in the warehouse: its own raw schema, its objects, and its dbt staging folder.

Each source keeps its objects and field names as the CRM gives them (`raw_crm` for the demo CRM,
`raw_salesforce` for Salesforce's API and its data export), and one dbt staging folder per layout maps
them onto the staging contract the rest of the project reads (docs/ARCHITECTURE.md, "Contracts between
stages"). The extract engine, the Dagster asset keys and dbt's choice of staging folder all come from here.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from extract.objects import CRM_OBJECTS, CrmObject


@dataclass(frozen=True)
class FiscalYearField:
    """Where the org's fiscal-year start month lives in the raw schema (extract/org_settings.py)."""

    table: str
    month_column: str
    modstamp_column: str


@dataclass(frozen=True)
class FeatureNeed:
    """What a Momentum feature reads from the CRM (`momentum crm check` reports each)."""

    feature: str
    objects: tuple[str, ...]
    required: bool = False


@dataclass(frozen=True)
class RawLayout:
    schema: str
    objects: tuple[CrmObject, ...]
    # The staging folder under dbt_project/models/staging/ that reads this schema (MOMENTUM_DBT_STAGING).
    dbt_staging: str
    fiscal_year: FiscalYearField
    needs: tuple[FeatureNeed, ...] = ()
    # Per object, the fields Momentum reads: (name as the raw table has it, required). Empty: not listed
    # (the demo CRM's tables are the contract's own shape).
    fields: dict[str, tuple[tuple[str, bool], ...]] = field(default_factory=dict)

    def object(self, name: str) -> CrmObject:
        for crm_object in self.objects:
            if crm_object.name == name:
                return crm_object
        raise KeyError(f"{name} is not an object of {self.schema}")


def feature_needs(
    *,
    deals: str,
    stages: str,
    users: str,
    history: str,
    tasks: str,
    events: str,
    contacts: str,
    contact_roles: str,
    accounts: str,
    forecast: str,
    organization: str,
) -> tuple[FeatureNeed, ...]:
    """The same needs for every source, in each source's object names."""
    return (
        FeatureNeed("deals to score, with their stages and owners", (deals, stages, users), required=True),
        FeatureNeed("point-in-time snapshots and training labels (stage history)", (history,), required=True),
        FeatureNeed("activity features, TMVA triggers and call timing", (tasks, events)),
        FeatureNeed("stakeholder features (contacts and their roles on deals)", (contacts, contact_roles)),
        FeatureNeed("account features (segment, new logo or expansion)", (accounts,)),
        FeatureNeed("the reps' commit and best case in the forecast", (forecast,)),
        FeatureNeed("fiscal quarters (else calendar quarters)", (organization,)),
    )


# The demo CRM (simulator/schema.sql): its tables are already in the staging contract's shape.
DEMO_LAYOUT = RawLayout(
    schema="raw_crm",
    objects=CRM_OBJECTS,
    dbt_staging="demo",
    fiscal_year=FiscalYearField("organization", "fiscal_year_start_month", "system_modstamp"),
    needs=feature_needs(
        deals="opportunity",
        stages="opportunity_stage",
        users="user",
        history="opportunity_history",
        tasks="task",
        events="event",
        contacts="contact",
        contact_roles="opportunity_contact_role",
        accounts="account",
        forecast="forecast_submission",
        organization="organization",
    ),
)
