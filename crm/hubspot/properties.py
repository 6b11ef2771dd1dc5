"""The HubSpot objects and properties Momentum reads, with the PostgreSQL type each lands as.

Raw tables are named after the object in the singular (`raw_hubspot.deal`, `.call`) and their columns after
HubSpot's internal property names (`dealname`, `hs_lastmodifieddate`), so staging reads the names a HubSpot
admin knows (dbt_project/models/staging/hubspot/). Besides the property objects, four tables have shapes of
their own: `owner` (the owners API: the deal's `hubspot_owner_id`), `deal_stage` (the deal pipelines' stages
with their `probability` and `isClosed` metadata, the only source of what a stage means),
`deal_contact` (deal-to-contact associations and their labels: the contact roles) and
`deal_property_history` (one row per version of a deal's `dealstage`, `amount`, `closedate` and
`hs_forecast_category`: the deal's history).

A property object's associations land as `associated_<type>_id` columns (the first associated record's id).
`required` properties must be readable by the token or the object is not extracted; the others are read
when the portal has them (`segment`, `region`, `seniority`, `time_zone`, `lead_source` and the `ai_*`
properties are custom properties a Momentum install suggests; staging falls back without them).
"""

from __future__ import annotations

from dataclasses import dataclass

from extract.objects import CrmObject


@dataclass(frozen=True)
class HubSpotProperty:
    name: str
    pg_type: str
    required: bool = False


@dataclass(frozen=True)
class HubSpotObject:
    raw_name: str
    # The CRM v3 object type ("deals"), or for the tables of their own shape: owners, pipelines, ...
    object_type: str
    modstamp: str
    properties: tuple[HubSpotProperty, ...] = ()
    # Object types whose association lands as a column (associated_<singular>_id).
    associations: tuple[str, ...] = ()
    money_properties: tuple[str, ...] = ()
    detect_deletions: bool = True

    @property
    def is_property_object(self) -> bool:
        return self.raw_name not in FIXED_SHAPES

    def association_column(self, object_type: str) -> str:
        return ASSOCIATION_COLUMNS[object_type]

    def crm_object(self) -> CrmObject:
        return CrmObject(
            self.raw_name,
            "id",
            modstamp=self.modstamp,
            money_columns=self.money_properties,
            detect_deletions=self.detect_deletions,
        )


def _properties(spec: str, modstamp: str = "hs_lastmodifieddate") -> tuple[HubSpotProperty, ...]:
    """'name:type' pairs (type text when left out); a trailing '!' marks a required property."""
    found = []
    for item in spec.split():
        name, _, pg_type = item.partition(":")
        required = item.endswith("!")
        found.append(HubSpotProperty(name.rstrip("!"), (pg_type or "text").rstrip("!"), required))
    return (*found, HubSpotProperty(modstamp, "timestamptz", True))


_ENGAGEMENT = ("deals", "contacts", "companies")
ASSOCIATION_COLUMNS = {
    "deals": "associated_deal_id",
    "contacts": "associated_contact_id",
    "companies": "associated_company_id",
}

HUBSPOT_OBJECTS: tuple[HubSpotObject, ...] = (
    HubSpotObject(
        "owner",
        "owners",
        "updatedat",
        _properties(
            "email firstname lastname userid:bigint primary_team archived:boolean! createdat:timestamptz!",
            "updatedat",
        ),
    ),
    HubSpotObject(
        "company",
        "companies",
        "hs_lastmodifieddate",
        _properties(
            "name! industry numberofemployees:integer segment region hubspot_owner_id createdate:timestamptz!"
        ),
    ),
    HubSpotObject(
        "contact",
        "contacts",
        "lastmodifieddate",
        _properties(
            "firstname lastname email jobtitle department seniority time_zone associatedcompanyid "
            "createdate:timestamptz!",
            "lastmodifieddate",
        ),
    ),
    HubSpotObject(
        "deal_stage",
        "pipelines",
        "updatedat",
        _properties(
            "pipeline_id! pipeline_label label! displayorder:integer probability:numeric isclosed:boolean! "
            "archived:boolean",
            "updatedat",
        ),
        detect_deletions=False,
    ),
    HubSpotObject(
        "deal",
        "deals",
        "hs_lastmodifieddate",
        _properties(
            "dealname! amount:numeric dealstage! pipeline closedate:timestamptz hubspot_owner_id "
            "hs_deal_stage_probability:numeric hs_forecast_category hs_next_step dealtype lead_source "
            "closed_lost_reason hs_is_closed:boolean hs_is_closed_won:boolean createdate:timestamptz! "
            "ai_win_probability:numeric ai_next_best_action ai_model_version ai_scored_at:timestamptz"
        ),
        associations=("companies",),
        money_properties=("amount",),
    ),
    HubSpotObject(
        "deal_property_history",
        "deals",
        "timestamp",
        _properties("deal_id! property! value sourcetype", "timestamp"),
        detect_deletions=False,
    ),
    HubSpotObject(
        "deal_contact",
        "deals",
        "deal_lastmodifieddate",
        _properties("deal_id! contact_id! labels", "deal_lastmodifieddate"),
        detect_deletions=False,
    ),
    HubSpotObject(
        "call",
        "calls",
        "hs_lastmodifieddate",
        _properties(
            "hs_call_title hs_call_body hs_call_disposition hs_call_duration:numeric hs_call_status "
            "hs_timestamp:timestamptz! hubspot_owner_id hs_createdate:timestamptz!"
        ),
        associations=_ENGAGEMENT,
        detect_deletions=False,
    ),
    HubSpotObject(
        "email",
        "emails",
        "hs_lastmodifieddate",
        _properties(
            "hs_email_subject hs_email_text hs_email_direction hs_email_status hs_timestamp:timestamptz! "
            "hubspot_owner_id hs_createdate:timestamptz!"
        ),
        associations=_ENGAGEMENT,
        detect_deletions=False,
    ),
    HubSpotObject(
        "task",
        "tasks",
        "hs_lastmodifieddate",
        _properties(
            "hs_task_subject hs_task_body hs_task_status! hs_task_type hs_task_priority hs_timestamp:timestamptz "
            "hs_task_completion_date:timestamptz hubspot_owner_id hs_createdate:timestamptz! ai_external_id "
            "ai_action_type ai_context ai_script ai_recommended_at:timestamptz ai_expected_impact_amount:numeric "
            "ai_model_version"
        ),
        associations=_ENGAGEMENT,
        detect_deletions=False,
    ),
    HubSpotObject(
        "meeting",
        "meetings",
        "hs_lastmodifieddate",
        _properties(
            "hs_meeting_title hs_meeting_body hs_meeting_start_time:timestamptz! hs_meeting_end_time:timestamptz "
            "hs_activity_type hubspot_owner_id hs_createdate:timestamptz!"
        ),
        associations=_ENGAGEMENT,
        detect_deletions=False,
    ),
)

FIXED_SHAPES = frozenset({"owner", "deal_stage", "deal_property_history", "deal_contact"})
OBJECTS_BY_RAW_NAME = {hubspot_object.raw_name: hubspot_object for hubspot_object in HUBSPOT_OBJECTS}
# The deal properties whose history is the deal's history (HubSpot's propertiesWithHistory).
HISTORY_PROPERTIES = ("dealstage", "amount", "closedate", "hs_forecast_category")
