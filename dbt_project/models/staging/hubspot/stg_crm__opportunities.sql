{#
    A table, rebuilt whole on every run, as staging/demo/stg_crm__opportunities.sql says why.
#}
{{ config(materialized='table', post_hook="{{ analyze_table() }}") }}

{% set raw_deal = source('raw_hubspot', 'deal') %}

with source as (
    select * from {{ raw_deal }}
    where _deleted_at is null
),

deduped as (
    {{ latest_row_per_key('source', 'id', 'hs_lastmodifieddate desc, _extracted_at desc') }}
),

stages as (
    {{ hubspot_stages() }}
),

final as (
    select
        deduped.id as opportunity_id,
        {{ clean_text('deduped.associated_company_id') }} as account_id,
        {{ clean_text('deduped.hubspot_owner_id') }} as owner_id,
        {{ clean_text('deduped.dealname') }} as opportunity_name,
        -- dealstage holds the stage's id; its name and meaning come from the pipeline's stages.
        stages.stage_name,
        deduped.amount,
        -- closedate is a datetime in HubSpot (midnight of the day chosen): its UTC day.
        {{ utc_date('deduped.closedate') }} as close_date,
        cast(coalesce(deduped.hs_deal_stage_probability, stages.probability) as {{ dbt.type_float() }})
            as probability,
        {{ hubspot_forecast_category('deduped.hs_forecast_category') }} as forecast_category,
        {{ clean_text('deduped.hs_next_step') }} as next_step,
        case lower(trim(deduped.dealtype))
            when 'newbusiness' then 'New Business'
            when 'existingbusiness' then 'Expansion'
            when 'renewal' then 'Renewal'
        end as opportunity_type,
        {{ clean_text(hubspot_property(raw_deal, 'lead_source')) }} as lead_source,
        {{ clean_text('deduped.closed_lost_reason') }} as loss_reason,
        stages.is_closed,
        stages.is_won,
        deduped.createdate as created_at,
        -- HubSpot sets closedate to the day a deal closes, so a closed deal's close date is its closed date.
        case when stages.is_closed then {{ utc_date('deduped.closedate') }} end as closed_date,
        deduped.hs_lastmodifieddate as system_modstamp,
        -- Momentum's own properties (reverse_etl/allow_list.yml): null in a portal that has not created them.
        {{ hubspot_property(raw_deal, 'ai_win_probability', 'numeric') }} as ai_win_probability,
        {{ hubspot_property(raw_deal, 'ai_next_best_action') }} as ai_next_best_action,
        {{ hubspot_property(raw_deal, 'ai_model_version') }} as ai_model_version,
        {{ hubspot_property(raw_deal, 'ai_scored_at', 'timestamptz') }} as ai_scored_at,
        deduped._newer_version_rejected as newer_version_rejected_reason,
        deduped._extracted_at as extracted_at
    from deduped
    left join stages on deduped.dealstage = stages.stage_id
)

select * from final
