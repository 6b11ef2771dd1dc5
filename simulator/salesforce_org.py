"""The demo CRM seen as a Salesforce org: one SELECT per Salesforce object, its columns named as
Salesforce's API names them (crm/salesforce/fields.py).

The local Salesforce API server and the Salesforce data-export writer both serve the demo CRM through
these, so the Salesforce path of the pipeline reads the same deals as the direct path. What the demo CRM
keeps that Salesforce has no standard field for goes to the custom fields Momentum suggests
(`Segment__c`, `Region__c`, `Seniority__c`, `Time_Zone__c`, `Loss_Reason__c`); the user's team is the
standard `Department`, the rep's role a `UserRole`. Forecast categories: the opportunity carries the
label (`ForecastCategoryName`), its history the API value (`ForecastCategory`), as in Salesforce; a
forecast category changed on its own is served as `OpportunityFieldHistory`, not `OpportunityHistory`.
Ids are the demo CRM's 15-character ids; whoever serves them gives the 18-character form
(crm/salesforce/ids.py), as Salesforce does.
"""

from __future__ import annotations

# Demo forecast category label -> Salesforce's API value (OpportunityHistory.ForecastCategory).
_CATEGORY_API_VALUE = (
    "case {column} when 'Best Case' then 'BestCase' when 'Commit' then 'Forecast' else {column} end"
)
# Each demo history row beside the deal's previous one.
_HISTORY_WITH_PREVIOUS = """
    select h.*, row_number() over deal = 1 as is_first,
           lag(stage_name) over deal as previous_stage_name, lag(amount) over deal as previous_amount,
           lag(close_date) over deal as previous_close_date, lag(probability) over deal as previous_probability,
           lag(forecast_category) over deal as previous_forecast_category
    from crm.opportunity_history h
    window deal as (partition by opportunity_id order by created_date, history_id)"""
_ROLE_ID = "'00EDm' || lpad(dense_rank() over (order by role)::text, 10, '0')"

SALESFORCE_SELECTS: dict[str, str] = {
    "Organization": """
        select organization_id as "Id", name as "Name", fiscal_year_start_month as "FiscalYearStartMonth",
               default_currency as "DefaultCurrencyIsoCode", system_modstamp as "SystemModstamp"
        from crm.organization""",
    "UserRole": f"""
        select distinct on (role) {_ROLE_ID} as "Id", role as "Name",
               min(created_date) over (partition by role) as "SystemModstamp"
        from crm."user" where role is not null order by role""",
    "User": f"""
        select user_id as "Id", name as "Name", email as "Email",
               case when role is not null then {_ROLE_ID} end as "UserRoleId", manager_id as "ManagerId",
               team as "Department", segment as "Segment__c", timezone as "TimeZoneSidKey",
               is_active as "IsActive", created_date as "CreatedDate", system_modstamp as "SystemModstamp"
        from crm."user" """,
    "Account": """
        select account_id as "Id", name as "Name", industry as "Industry", employees as "NumberOfEmployees",
               segment as "Segment__c", region as "Region__c", owner_id as "OwnerId",
               created_date as "CreatedDate", system_modstamp as "SystemModstamp"
        from crm.account""",
    "Contact": """
        select contact_id as "Id", account_id as "AccountId", first_name as "FirstName", last_name as "LastName",
               email as "Email", title as "Title", department as "Department", seniority as "Seniority__c",
               timezone as "Time_Zone__c", created_date as "CreatedDate", system_modstamp as "SystemModstamp"
        from crm.contact""",
    "OpportunityStage": """
        select '01JDm' || lpad(row_number() over (order by sort_order, stage_name)::text, 10, '0') as "Id",
               stage_name as "ApiName", stage_name as "MasterLabel", sort_order as "SortOrder",
               true as "IsActive", is_closed as "IsClosed", is_won as "IsWon",
               default_probability as "DefaultProbability", forecast_category as "ForecastCategoryName",
               system_modstamp as "SystemModstamp"
        from crm.opportunity_stage""",
    "Opportunity": """
        select opportunity_id as "Id", account_id as "AccountId", owner_id as "OwnerId", name as "Name",
               stage_name as "StageName", amount as "Amount", close_date as "CloseDate",
               probability as "Probability", forecast_category as "ForecastCategoryName",
               next_step as "NextStep", type as "Type", lead_source as "LeadSource",
               loss_reason as "Loss_Reason__c", is_closed as "IsClosed", is_won as "IsWon",
               created_date as "CreatedDate", system_modstamp as "SystemModstamp",
               ai_win_probability as "AI_Win_Probability__c", ai_next_best_action as "AI_Next_Best_Action__c",
               ai_model_version as "AI_Model_Version__c", ai_scored_at as "AI_Scored_At__c",
               ai_slip_risk as "AI_Slip_Risk__c", ai_top_reasons_for as "AI_Top_Reasons_For__c",
               ai_top_reasons_against as "AI_Top_Reasons_Against__c",
               ai_close_in_quarter_probability as "AI_Close_In_Quarter_Probability__c",
               ai_forecast_category as "AI_Forecast_Category__c", ai_forecast_flag as "AI_Forecast_Flag__c"
        from crm.opportunity""",
    # Salesforce writes an OpportunityHistory row when stage, amount, probability or close date change; the
    # demo CRM also writes one when only the forecast category changed. Those rows are the field history of
    # ForecastCategoryName (tracked, as README's Salesforce setup asks), ids with field history's prefix.
    "OpportunityHistory": f"""
        select history_id as "Id", opportunity_id as "OpportunityId", created_date as "CreatedDate",
               stage_name as "StageName", amount as "Amount", close_date as "CloseDate",
               probability as "Probability",
               {_CATEGORY_API_VALUE.format(column="forecast_category")} as "ForecastCategory",
               system_modstamp as "SystemModstamp"
        from ({_HISTORY_WITH_PREVIOUS}) history
        where is_first or (stage_name, amount, close_date, probability)
            is distinct from (previous_stage_name, previous_amount, previous_close_date, previous_probability)""",
    "OpportunityFieldHistory": f"""
        select '017' || substr(history_id, 4) as "Id", opportunity_id as "OpportunityId",
               created_date as "CreatedDate", 'ForecastCategoryName' as "Field", 'DynamicEnum' as "DataType",
               previous_forecast_category as "OldValue", forecast_category as "NewValue"
        from ({_HISTORY_WITH_PREVIOUS}) history
        where not is_first and forecast_category is distinct from previous_forecast_category""",
    "OpportunityContactRole": """
        select opportunity_contact_role_id as "Id", opportunity_id as "OpportunityId", contact_id as "ContactId",
               role as "Role", is_primary as "IsPrimary", created_date as "CreatedDate",
               system_modstamp as "SystemModstamp"
        from crm.opportunity_contact_role""",
    "Task": """
        select task_id as "Id", what_id as "WhatId", who_id as "WhoId", account_id as "AccountId",
               owner_id as "OwnerId", subject as "Subject", type as "Type", status as "Status",
               priority as "Priority", activity_date as "ActivityDate", completed_at as "CompletedDateTime",
               call_disposition as "CallDisposition", call_duration_seconds as "CallDurationInSeconds",
               description as "Description", created_date as "CreatedDate", system_modstamp as "SystemModstamp",
               ai_external_id as "AI_External_Id__c", ai_action_type as "AI_Action_Type__c",
               ai_context as "AI_Context__c", ai_script as "AI_Script__c",
               ai_recommended_at as "AI_Recommended_At__c",
               ai_expected_impact_amount as "AI_Expected_Impact_Amount__c",
               ai_model_version as "AI_Model_Version__c"
        from crm.task""",
    "Event": """
        select event_id as "Id", what_id as "WhatId", who_id as "WhoId", account_id as "AccountId",
               owner_id as "OwnerId", subject as "Subject", type as "Type", start_at as "StartDateTime",
               end_at as "EndDateTime", description as "Description", created_date as "CreatedDate",
               system_modstamp as "SystemModstamp"
        from crm.event""",
    "Forecast_Submission__c": """
        select forecast_submission_id as "Id", owner_id as "OwnerId", fiscal_quarter as "Fiscal_Quarter__c",
               submitted_date as "Submitted_Date__c", commit_amount as "Commit_Amount__c",
               best_case_amount as "Best_Case_Amount__c", system_modstamp as "SystemModstamp"
        from crm.forecast_submission""",
}

# Momentum's own objects, which only Momentum's write-back fills (the demo CRM's tables of the same rows). Served by the
# local API (describe, SOQL, writes) as an org with Momentum's package deployed has them, but no part of the CRM
# data a source reads or an export holds.
MOMENTUM_OBJECT_SELECTS: dict[str, str] = {
    "Momentum_Forecast__c": """
        select momentum_forecast_id as "Id", owner_id as "OwnerId", ai_external_id as "AI_External_Id__c",
               ai_forecast_level as "AI_Forecast_Level__c", ai_team as "AI_Team__c",
               ai_fiscal_quarter as "AI_Fiscal_Quarter__c", ai_forecast as "AI_Forecast__c",
               ai_forecast_p10 as "AI_Forecast_P10__c", ai_forecast_p90 as "AI_Forecast_P90__c",
               ai_commit as "AI_Commit__c", ai_best_case as "AI_Best_Case__c",
               ai_minus_commit as "AI_Minus_Commit__c", ai_as_of_date as "AI_As_Of_Date__c",
               ai_model_version as "AI_Model_Version__c", created_date as "CreatedDate",
               system_modstamp as "SystemModstamp"
        from crm.momentum_forecast""",
}
# The demo CRM table behind each of Momentum's objects (an older demo CRM may lack it until the grants add it).
MOMENTUM_OBJECT_TABLES = {"Momentum_Forecast__c": "crm.momentum_forecast"}
SERVED_SELECTS = {**SALESFORCE_SELECTS, **MOMENTUM_OBJECT_SELECTS}
