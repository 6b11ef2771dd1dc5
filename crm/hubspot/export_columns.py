"""Which column of a HubSpot export holds which property, for the three exports Momentum reads (deals,
companies, contacts) and the optional pipelines file.

HubSpot's "Export" (a view, or "Export all records") writes one CSV per object. Its headers are the
properties' labels by default ("Record ID", "Deal Name", "Deal Stage") and their internal names when the user
asks for them ("hs_object_id", "dealname", "dealstage"): both are matched here, whatever their case. Values
are what the portal shows: a deal's stage and pipeline by their labels, owners by name, associations as
record ids separated by semicolons ("Associated Contact IDs"), dates in the portal's format. An export holds
no property history, except the "Date entered <stage> (<pipeline>)" properties (hs_date_entered_<stage id>)
when they are exported: the stage history is rebuilt from them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class ExportColumn:
    prop: str  # the property as raw_hubspot names it (crm/hubspot/properties.py), or a key of this module
    labels: tuple[str, ...]  # label(s) and internal name(s) a header may use for it
    required: bool = False


@dataclass(frozen=True)
class ExportKind:
    name: str  # "deals"
    # A header with a column for each of these properties (by label or name) is this export.
    signature: tuple[str, ...]
    columns: tuple[ExportColumn, ...]

    def matches(self, header: list[str]) -> bool:
        return set(self.signature) <= set(self.find(header))

    def find(self, header: list[str]) -> dict[str, int]:
        """prop -> its position in the header (the first column matching one of its labels)."""
        lowered = [name.strip().lower() for name in header]
        found: dict[str, int] = {}
        for column in self.columns:
            for label in column.labels:
                if label.lower() in lowered:
                    found[column.prop] = lowered.index(label.lower())
                    break
        return found


def _c(prop: str, *labels: str, required: bool = False) -> ExportColumn:
    return ExportColumn(prop, (*labels, prop), required)


_RECORD_ID = ("Record ID", "hs_object_id")
_MODIFIED = ("Last Modified Date", "hs_lastmodifieddate")
DEALS = ExportKind(
    "deals",
    ("dealname",),
    (
        _c("id", *_RECORD_ID, "Deal ID", required=True),
        _c("dealname", "Deal Name", required=True),
        _c("dealstage", "Deal Stage", required=True),
        _c("pipeline", "Pipeline"),
        _c("amount", "Amount"),
        _c("closedate", "Close Date"),
        _c("hubspot_owner_id", "Deal owner", "Deal Owner"),
        _c("hs_deal_stage_probability", "Deal probability", "Deal Stage Probability"),
        _c("hs_forecast_category", "Forecast category"),
        _c("hs_next_step", "Next step"),
        _c("dealtype", "Deal Type"),
        _c("lead_source", "Lead Source"),
        _c("closed_lost_reason", "Closed Lost Reason"),
        _c("hs_is_closed", "Is closed", "Is Deal Closed?"),
        _c("hs_is_closed_won", "Is Closed Won"),
        _c("createdate", "Create Date", required=True),
        _c("hs_lastmodifieddate", *_MODIFIED, required=True),
        _c("team", "HubSpot Team", "hubspot_team_id"),
        _c("associated_company_id", "Associated Company IDs", "Associated Company IDs (Primary)"),
        _c("associated_contact_ids", "Associated Contact IDs"),
    ),
)
COMPANIES = ExportKind(
    "companies",
    ("name",),
    (
        _c("id", *_RECORD_ID, "Company ID", required=True),
        _c("name", "Company name", "Name", required=True),
        _c("industry", "Industry"),
        _c("numberofemployees", "Number of Employees"),
        _c("segment", "Segment"),
        _c("region", "Region"),
        _c("hubspot_owner_id", "Company owner", "Company Owner"),
        _c("createdate", "Create Date", required=True),
        _c("hs_lastmodifieddate", *_MODIFIED, required=True),
    ),
)
CONTACTS = ExportKind(
    "contacts",
    ("firstname", "email"),
    (
        _c("id", *_RECORD_ID, "Contact ID", required=True),
        _c("firstname", "First Name"),
        _c("lastname", "Last Name"),
        _c("email", "Email"),
        _c("jobtitle", "Job Title"),
        _c("department", "Department"),
        _c("seniority", "Seniority"),
        _c("time_zone", "Time Zone"),
        _c("associatedcompanyid", "Primary Associated Company ID", "Associated Company IDs"),
        _c("createdate", "Create Date", required=True),
        _c("lastmodifieddate", *_MODIFIED, required=True),
    ),
)
# Not a HubSpot export (the API has pipelines, an export does not): a small file the user writes, one row
# per stage, for when the deals export lacks "Is closed" / "Is Closed Won" / "Deal probability".
PIPELINES = ExportKind(
    "pipelines",
    ("probability", "isclosed"),
    (
        _c("pipeline_label", "Pipeline", required=True),
        _c("label", "Stage", "Deal Stage", required=True),
        _c("probability", "Probability", "Win probability", required=True),
        _c("isclosed", "Is closed", required=True),
        _c("displayorder", "Display order"),
    ),
)
# Matched in this order: a contacts export may carry a "Company Name" column, a deals export never "First Name".
KINDS = (DEALS, PIPELINES, CONTACTS, COMPANIES)

# `Date entered "Closed Won (Sales Pipeline)"` as HubSpot labels hs_date_entered_<stage id>; quotes vary.
_DATE_ENTERED = re.compile(
    r"""^date entered\s*["'“”]?(?P<stage>.+?)\s*\((?P<pipeline>[^()]*)\)["'“”]?\s*$""", re.IGNORECASE
)


def date_entered_columns(header: list[str]) -> list[tuple[int, str, str]]:
    """(position, stage label, pipeline label) of every "Date entered <stage> (<pipeline>)" column, in file
    order (HubSpot lists them in the pipeline's order)."""
    found = []
    for position, name in enumerate(header):
        match = _DATE_ENTERED.match(name.strip())
        if match:
            found.append((position, match["stage"].strip(), match["pipeline"].strip()))
    return found


def date_entered_header(stage: str, pipeline: str) -> str:
    return f'Date entered "{stage} ({pipeline})"'
