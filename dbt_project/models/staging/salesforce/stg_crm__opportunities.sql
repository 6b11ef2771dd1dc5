{#
    A table, rebuilt whole on every run, as staging/demo/stg_crm__opportunities.sql says why.
#}
{{ config(materialized='table', post_hook="{{ analyze_table() }}") }}

{% set raw_opportunity = source('raw_salesforce', 'opportunity') %}

with source as (
    select * from {{ raw_opportunity }}
    -- Deleted in the org (the extract stamps _deleted_at): gone from every model built on today's CRM.
    where _deleted_at is null
),

deduped as (
    -- Per record, whichever id form each extract gave it (an export's 15 characters, the API's 18): every
    -- model of this folder dedupes on the id's first 15 characters, the key staging gives out.
    {{ latest_row_per_key('source', 'left(id, 15)', 'systemmodstamp desc, _extracted_at desc') }}
),

final as (
    select
        {{ salesforce_id('id') }} as opportunity_id,
        {{ salesforce_id('accountid') }} as account_id,
        {{ salesforce_id('ownerid') }} as owner_id,
        {{ clean_text('name') }} as opportunity_name,
        trim(stagename) as stage_name,
        amount,
        closedate as close_date,
        cast(probability as {{ dbt.type_float() }}) / 100 as probability,
        {{ clean_picklist('forecastcategoryname', ['Pipeline', 'Best Case', 'Commit', 'Closed', 'Omitted']) }}
            as forecast_category,
        -- Salesforce keeps no history of NextStep unless field history tracks it: today's value only.
        {{ clean_text('nextstep') }} as next_step,
        {{ clean_picklist('type', ['New Business', 'Expansion', 'Renewal']) }} as opportunity_type,
        {{ clean_text('leadsource') }} as lead_source,
        {{ clean_text(salesforce_field(raw_opportunity, 'Loss_Reason__c')) }} as loss_reason,
        isclosed as is_closed,
        iswon as is_won,
        createddate as created_at,
        -- Salesforce has no closed date: closing a deal sets CloseDate to the day it closed (reps
        -- may backdate it), so a closed deal's CloseDate is its closed date.
        case when isclosed then closedate end as closed_date,
        systemmodstamp as system_modstamp,
        -- Momentum's own fields (reverse_etl/allow_list.yml): null in an org that has not created them yet.
        {{ salesforce_field(raw_opportunity, 'AI_Win_Probability__c', 'numeric') }} as ai_win_probability,
        {{ salesforce_field(raw_opportunity, 'AI_Next_Best_Action__c') }} as ai_next_best_action,
        {{ salesforce_field(raw_opportunity, 'AI_Model_Version__c') }} as ai_model_version,
        {{ salesforce_field(raw_opportunity, 'AI_Scored_At__c', 'timestamptz') }} as ai_scored_at,
        -- Set when the org's newer version of this deal was quarantined (raw_salesforce._rejects says why):
        -- this row is the last good version, so the deal is not scored or advised from it.
        _newer_version_rejected as newer_version_rejected_reason,
        _extracted_at as extracted_at
    from deduped
)

select * from final
