{#
    Meetings. A table, rebuilt whole on every run, as staging/demo/stg_crm__events.sql says why.
#}
{{ config(materialized='table', post_hook="{{ analyze_table() }}") }}

with source as (
    select * from {{ source('raw_hubspot', 'meeting') }}
),

deduped as (
    {{ latest_row_per_key('source', 'id', 'hs_lastmodifieddate desc, _extracted_at desc') }}
),

final as (
    select
        id as event_id,
        {{ clean_text('associated_deal_id') }} as opportunity_id,
        {{ clean_text('associated_contact_id') }} as contact_id,
        {{ clean_text('associated_company_id') }} as account_id,
        {{ clean_text('hubspot_owner_id') }} as owner_id,
        {{ clean_text('hs_meeting_title') }} as subject,
        -- hs_activity_type: the portal's meeting types (Meeting, Demo, Onsite).
        {{ clean_picklist('hs_activity_type', ['Meeting', 'Demo', 'Onsite']) }} as event_type,
        hs_meeting_start_time as start_at,
        hs_meeting_end_time as end_at,
        {{ clean_text('hs_meeting_body') }} as description,
        hs_createdate as created_at,
        hs_lastmodifieddate as system_modstamp,
        _extracted_at as extracted_at
    from deduped
)

select * from final
