"""The demo CRM seen as a HubSpot portal: one SELECT per HubSpot object type, its columns named as HubSpot's
properties are (crm/hubspot/properties.py), for the local HubSpot API server (simulator/hubspot_api/).

How the demo's Salesforce-shaped CRM maps onto HubSpot's objects, as a RevOps admin would set it up:
- users are owners (`/crm/v3/owners`), an inactive user an archived owner, the team the owner's primary team;
  HubSpot keeps no manager or role on an owner, so neither is served.
- accounts are companies, opportunities deals in one pipeline whose stages carry `probability` and
  `isClosed` (the deal's `dealstage` holds the stage's id), the contact roles deal-to-contact associations
  labelled with the role (and `Primary` for the primary contact).
- the deal's history is HubSpot's property history of `dealstage`, `amount`, `closedate` and
  `hs_forecast_category`: one version per property whenever its value changed (portal_history.py).
- completed calls and emails are logged engagements (the `calls` and `emails` objects), every other task
  (open ones, Momentum's advice) a `tasks` record; events are `meetings`. Each is associated with its deal,
  contact and company.
- what HubSpot has no standard property for lands in custom properties a Momentum install creates
  (`segment`, `region`, `seniority`, `time_zone`, `lead_source`, the `ai_*` fields). Values keep the demo's
  words except where HubSpot has its own (forecast category, deal type, task status and priority, call
  outcome GUIDs), which staging maps back (dbt_project/models/staging/hubspot/).
Ids are the demo CRM's: HubSpot ids are strings in the API, and keeping them lets the tests compare paths.
"""

from __future__ import annotations

from dataclasses import dataclass, field

# HubSpot's built-in call outcomes (hs_call_disposition holds the GUID).
CALL_OUTCOMES = {
    "Connected": "f240bbac-87c9-4f6e-bf70-924b57d47db7",
    "Left Voicemail": "b2cf5968-551e-4856-9783-52b3da59a7d0",
    "No Answer": "73a0d17f-1163-4015-bdd5-ec830791da20",
}
_OUTCOME = (
    "case call_disposition " + " ".join(f"when '{k}' then '{v}'" for k, v in CALL_OUTCOMES.items()) + " end"
)
_FORECAST_CATEGORY = (
    "case {c} when 'Pipeline' then 'PIPELINE' when 'Best Case' then 'BEST_CASE' when 'Commit' then 'COMMIT' "
    "when 'Closed' then 'CLOSED' when 'Omitted' then 'OMIT' else {c} end"
)
# A stage's id: HubSpot's are opaque strings that survive a relabel.
STAGE_ID = "'stage' || (row_number() over (order by sort_order, stage_name))::text"
PIPELINE_ID = "default"
# Logged engagements: a completed call or email that is not Momentum's own advice.
_LOGGED = "status = 'Completed' and ai_external_id is null and type = '{kind}'"
_TASKS = "not ((" + _LOGGED.format(kind="Call") + ") or (" + _LOGGED.format(kind="Email") + "))"


@dataclass(frozen=True)
class PortalObject:
    object_type: str
    select: str  # columns: id, then properties by their HubSpot names
    created: str  # the property holding createdAt
    modified: str  # the property holding updatedAt, searchable (hs_lastmodifieddate, or lastmodifieddate)
    # Associated object type -> the select's column holding that record's id (one association each).
    associations: dict[str, str] = field(default_factory=dict)


_ENGAGEMENT_ASSOCIATIONS = {"deals": "_deal_id", "contacts": "_contact_id", "companies": "_company_id"}
_ENGAGEMENT_IDS = "what_id as _deal_id, who_id as _contact_id, account_id as _company_id"

PORTAL_OBJECTS: dict[str, PortalObject] = {
    o.object_type: o
    for o in (
        PortalObject(
            "companies",
            """select account_id as id, name, industry, employees as numberofemployees, segment, region,
                      owner_id as hubspot_owner_id, created_date as createdate, system_modstamp as hs_lastmodifieddate
               from crm.account""",
            "createdate",
            "hs_lastmodifieddate",
        ),
        PortalObject(
            "contacts",
            """select contact_id as id, first_name as firstname, last_name as lastname, email, title as jobtitle,
                      department, seniority, timezone as time_zone, account_id as associatedcompanyid,
                      created_date as createdate, system_modstamp as lastmodifieddate
               from crm.contact""",
            "createdate",
            "lastmodifieddate",
        ),
        PortalObject(
            "deals",
            f"""select o.opportunity_id as id, o.name as dealname, o.amount, s.stage_id as dealstage,
                      '{PIPELINE_ID}' as pipeline, timezone('UTC', o.close_date::timestamp) as closedate,
                      o.owner_id as hubspot_owner_id, o.probability / 100 as hs_deal_stage_probability,
                      {_FORECAST_CATEGORY.format(c="o.forecast_category")} as hs_forecast_category,
                      o.next_step as hs_next_step,
                      case o.type when 'New Business' then 'newbusiness' when 'Expansion' then 'existingbusiness'
                           when 'Renewal' then 'renewal' else o.type end as dealtype,
                      o.lead_source, o.loss_reason as closed_lost_reason, o.is_closed::text as hs_is_closed,
                      o.is_won::text as hs_is_closed_won, o.created_date as createdate,
                      o.system_modstamp as hs_lastmodifieddate, o.ai_win_probability, o.ai_next_best_action,
                      o.ai_model_version, o.ai_scored_at, o.ai_slip_risk, o.ai_top_reasons_for,
                      o.ai_top_reasons_against, o.ai_close_in_quarter_probability, o.ai_forecast_category,
                      o.ai_forecast_flag, o.account_id as _company_id
               from crm.opportunity o
               left join (select stage_name, {STAGE_ID} as stage_id from crm.opportunity_stage) s
                   using (stage_name)""",
            "createdate",
            "hs_lastmodifieddate",
            {"companies": "_company_id"},
        ),
        PortalObject(
            "calls",
            f"""select task_id as id, subject as hs_call_title, description as hs_call_body,
                       {_OUTCOME} as hs_call_disposition, call_duration_seconds * 1000 as hs_call_duration,
                       'COMPLETED' as hs_call_status, completed_at as hs_timestamp, owner_id as hubspot_owner_id,
                       created_date as hs_createdate, system_modstamp as hs_lastmodifieddate, {_ENGAGEMENT_IDS}
                from crm.task where {_LOGGED.format(kind="Call")}""",
            "hs_createdate",
            "hs_lastmodifieddate",
            _ENGAGEMENT_ASSOCIATIONS,
        ),
        PortalObject(
            "emails",
            f"""select task_id as id, subject as hs_email_subject, description as hs_email_text,
                       'EMAIL' as hs_email_direction, 'SENT' as hs_email_status, completed_at as hs_timestamp,
                       owner_id as hubspot_owner_id, created_date as hs_createdate,
                       system_modstamp as hs_lastmodifieddate, {_ENGAGEMENT_IDS}
                from crm.task where {_LOGGED.format(kind="Email")}""",
            "hs_createdate",
            "hs_lastmodifieddate",
            _ENGAGEMENT_ASSOCIATIONS,
        ),
        PortalObject(
            "tasks",
            f"""select task_id as id, subject as hs_task_subject, description as hs_task_body,
                       case status when 'Completed' then 'COMPLETED' when 'Open' then 'NOT_STARTED'
                            when 'Dismissed' then 'DEFERRED' when 'Expired' then 'DEFERRED' end as hs_task_status,
                       case type when 'Call' then 'CALL' when 'Email' then 'EMAIL' else 'TODO' end as hs_task_type,
                       case priority when 'High' then 'HIGH' when 'Normal' then 'MEDIUM' when 'Low' then 'LOW'
                            end as hs_task_priority,
                       timezone('UTC', activity_date::timestamp) as hs_timestamp,
                       completed_at as hs_task_completion_date, owner_id as hubspot_owner_id,
                       created_date as hs_createdate, system_modstamp as hs_lastmodifieddate,
                       ai_external_id, ai_action_type, ai_context, ai_script, ai_recommended_at,
                       ai_expected_impact_amount, ai_model_version, {_ENGAGEMENT_IDS}
                from crm.task where {_TASKS}""",
            "hs_createdate",
            "hs_lastmodifieddate",
            _ENGAGEMENT_ASSOCIATIONS,
        ),
        PortalObject(
            "meetings",
            f"""select event_id as id, subject as hs_meeting_title, description as hs_meeting_body,
                       start_at as hs_meeting_start_time, end_at as hs_meeting_end_time,
                       type as hs_activity_type, start_at as hs_timestamp, owner_id as hubspot_owner_id,
                       created_date as hs_createdate, system_modstamp as hs_lastmodifieddate, {_ENGAGEMENT_IDS}
                from crm.event""",
            "hs_createdate",
            "hs_lastmodifieddate",
            _ENGAGEMENT_ASSOCIATIONS,
        ),
    )
}

OWNERS_SELECT = """
    select user_id as id, email, split_part(name, ' ', 1) as "firstName",
           nullif(substr(name, length(split_part(name, ' ', 1)) + 2), '') as "lastName",
           team, not is_active as archived, created_date as "createdAt", system_modstamp as "updatedAt"
    from crm."user" order by user_id"""

STAGES_SELECT = f"""
    select {STAGE_ID} as id, stage_name as label, sort_order as "displayOrder",
           trim_scale(default_probability / 100)::text as probability, is_closed::text as "isClosed",
           system_modstamp as "updatedAt"
    from crm.opportunity_stage order by sort_order, stage_name"""

# Deal -> contact associations: one per contact role, labelled with the role (HubSpot's USER_DEFINED labels),
# and `Primary` for the primary contact; 3 is HubSpot's unlabelled deal-to-contact type.
DEAL_CONTACTS_SELECT = """
    select opportunity_id as from_id, contact_id as to_id, role, is_primary
    from crm.opportunity_contact_role where opportunity_id = any(%s) order by opportunity_id, contact_id"""
DEAL_TO_CONTACT_TYPE = 3

# One row per deal history row: the values after each change (portal_history.py keeps the changes only).
HISTORY_SELECT = f"""
    select h.opportunity_id, h.created_date, s.stage_id as dealstage, h.amount,
           timezone('UTC', h.close_date::timestamp) as closedate,
           {_FORECAST_CATEGORY.format(c="h.forecast_category")} as hs_forecast_category
    from crm.opportunity_history h
    left join (select stage_name, {STAGE_ID} as stage_id from crm.opportunity_stage) s using (stage_name)
    where h.opportunity_id = any(%s)
    order by h.opportunity_id, h.created_date, h.history_id"""
HISTORY_PROPERTIES = ("dealstage", "amount", "closedate", "hs_forecast_category")
