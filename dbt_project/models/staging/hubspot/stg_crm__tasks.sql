{#
    Tasks in the contract's sense are three HubSpot objects: logged calls (`calls`), logged emails
    (`emails`) and tasks proper (`tasks`: to-dos, scheduled calls and emails, Momentum's advice). A logged
    call or email happened at hs_timestamp, which is both its activity date and its completion time.
    HubSpot's own values map to the contract's: task status (NOT_STARTED, IN_PROGRESS, WAITING -> Open,
    COMPLETED, DEFERRED -> Dismissed), type (CALL, EMAIL, TODO -> Other), priority (MEDIUM -> Normal),
    call outcome GUIDs to dispositions, call duration from milliseconds to seconds.

    Incremental on the extract's _extracted_at, as staging/demo/stg_crm__tasks.sql says why.
#}
{{
    config(
        materialized='incremental',
        unique_key='task_id',
        incremental_strategy='delete+insert',
        on_schema_change='fail',
        indexes=[{'columns': ['task_id'], 'unique': True}, {'columns': ['extracted_at']}],
        post_hook="{{ analyze_table() }}",
    )
}}

{% set raw_task = source('raw_hubspot', 'task') %}
{%- set since_last_run -%}
    {%- if is_incremental() %} where {{ extracted_since_last_run('_extracted_at') }}{% endif -%}
{%- endset %}

with calls as (
    {{ latest_row_per_key('(select * from ' ~ source('raw_hubspot', 'call') ~ since_last_run ~ ') as extracted', 'id', 'hs_lastmodifieddate desc, _extracted_at desc') }}
),

emails as (
    {{ latest_row_per_key('(select * from ' ~ source('raw_hubspot', 'email') ~ since_last_run ~ ') as extracted', 'id', 'hs_lastmodifieddate desc, _extracted_at desc') }}
),

tasks as (
    {{ latest_row_per_key('(select * from ' ~ raw_task ~ since_last_run ~ ') as extracted', 'id', 'hs_lastmodifieddate desc, _extracted_at desc') }}
),

unioned as (
    select
        id as task_id, associated_deal_id, associated_contact_id, associated_company_id, hubspot_owner_id,
        hs_call_title as subject, 'Call' as task_type,
        case when upper(hs_call_status) in ('COMPLETED') or hs_call_status is null then 'Completed' else 'Open' end
            as task_status,
        cast(null as text) as priority,
        {{ utc_date('hs_timestamp') }} as activity_date,
        hs_timestamp as completed_at,
        {{ hubspot_call_outcome('hs_call_disposition') }} as call_disposition,
        cast(round(hs_call_duration / 1000) as integer) as call_duration_seconds,
        hs_call_body as description,
        hs_createdate, hs_lastmodifieddate,
        cast(null as text) as ai_external_id, cast(null as text) as ai_action_type,
        cast(null as text) as ai_context, cast(null as text) as ai_script,
        cast(null as timestamptz) as ai_recommended_at, cast(null as numeric) as ai_expected_impact_amount,
        cast(null as text) as ai_model_version,
        _extracted_at
    from calls
    union all
    select
        id, associated_deal_id, associated_contact_id, associated_company_id, hubspot_owner_id,
        hs_email_subject, 'Email', 'Completed', null,
        {{ utc_date('hs_timestamp') }}, hs_timestamp, null, null, hs_email_text,
        hs_createdate, hs_lastmodifieddate, null, null, null, null, null, null, null,
        _extracted_at
    from emails
    union all
    select
        id, associated_deal_id, associated_contact_id, associated_company_id, hubspot_owner_id,
        hs_task_subject,
        case upper(hs_task_type) when 'CALL' then 'Call' when 'EMAIL' then 'Email' else 'Other' end,
        case upper(hs_task_status)
            when 'COMPLETED' then 'Completed' when 'DEFERRED' then 'Dismissed' else 'Open'
        end,
        case upper(hs_task_priority) when 'HIGH' then 'High' when 'MEDIUM' then 'Normal' when 'LOW' then 'Low' end,
        {{ utc_date('hs_timestamp') }}, hs_task_completion_date, null, null, hs_task_body,
        hs_createdate, hs_lastmodifieddate,
        {{ hubspot_property(raw_task, 'ai_external_id') }},
        {{ hubspot_property(raw_task, 'ai_action_type') }},
        {{ hubspot_property(raw_task, 'ai_context') }},
        {{ hubspot_property(raw_task, 'ai_script') }},
        {{ hubspot_property(raw_task, 'ai_recommended_at', 'timestamptz') }},
        {{ hubspot_property(raw_task, 'ai_expected_impact_amount', 'numeric') }},
        {{ hubspot_property(raw_task, 'ai_model_version') }},
        _extracted_at
    from tasks
),

cleaned as (
    select
        task_id,
        {{ clean_text('associated_deal_id') }} as opportunity_id,
        {{ clean_text('associated_contact_id') }} as contact_id,
        {{ clean_text('associated_company_id') }} as account_id,
        {{ clean_text('hubspot_owner_id') }} as owner_id,
        {{ clean_text('subject') }} as subject,
        task_type,
        task_status,
        priority,
        activity_date,
        completed_at,
        call_disposition,
        call_duration_seconds,
        {{ clean_text('description') }} as description,
        hs_createdate as created_at,
        hs_lastmodifieddate as system_modstamp,
        ai_external_id,
        ai_action_type,
        ai_context,
        ai_script,
        ai_recommended_at,
        ai_expected_impact_amount,
        ai_model_version,
        _extracted_at as extracted_at
    from unioned
),

final as (
    select
        *,
        {{ task_flags() }}
    from cleaned
)

select * from final
