{#
    Deal history from HubSpot's property history: raw_hubspot.deal_property_history holds one row per
    version of dealstage, amount, closedate and hs_forecast_category. A history row is a moment any of
    them changed, with every property's value as it stood then (its latest version at or before that
    moment), as Salesforce's OpportunityHistory and the demo CRM write them. The probability is the
    stage's (HubSpot keeps no history of a deal's own probability).

    Incremental like staging/demo/stg_crm__opportunity_history.sql, by deal: a run rebuilds every history
    row of the deals with versions extracted since its last run (a row needs the deal's earlier versions
    too), replacing them by key.
#}
{{
    config(
        materialized='incremental',
        unique_key='history_id',
        incremental_strategy='delete+insert',
        on_schema_change='fail',
        indexes=[
            {'columns': ['history_id'], 'unique': True},
            {'columns': ['opportunity_id']},
            {'columns': ['extracted_at']},
        ],
        post_hook="{{ analyze_table() }}",
    )
}}

with source as (
    select * from {{ source('raw_hubspot', 'deal_property_history') }}
    {%- if is_incremental() %}
    where deal_id in (
        select deal_id from {{ source('raw_hubspot', 'deal_property_history') }}
        where {{ extracted_since_last_run('_extracted_at') }}
    )
    {%- endif %}
),

versions as (
    {{ latest_row_per_key('source', 'id', '_extracted_at desc') }}
),

-- One row per deal and moment, a property's value only where it changed then.
moments as (
    select
        deal_id,
        "timestamp",
        bool_or(property = 'dealstage') as has_stage,
        max(case when property = 'dealstage' then value end) as dealstage,
        bool_or(property = 'amount') as has_amount,
        max(case when property = 'amount' then value end) as amount,
        bool_or(property = 'closedate') as has_close_date,
        max(case when property = 'closedate' then value end) as closedate,
        bool_or(property = 'hs_forecast_category') as has_category,
        max(case when property = 'hs_forecast_category' then value end) as hs_forecast_category,
        max(_extracted_at) as extracted_at
    from versions
    group by deal_id, "timestamp"
),

-- Each property carried forward: the moments since its last change form a group.
grouped as (
    select
        *,
        count(*) filter (where has_stage) over deal_so_far as stage_group,
        count(*) filter (where has_amount) over deal_so_far as amount_group,
        count(*) filter (where has_close_date) over deal_so_far as close_date_group,
        count(*) filter (where has_category) over deal_so_far as category_group,
        max(extracted_at) over (partition by deal_id) as deal_extracted_at
    from moments
    window deal_so_far as (partition by deal_id order by "timestamp")
),

carried as (
    select
        deal_id,
        "timestamp",
        max(dealstage) over (partition by deal_id, stage_group) as dealstage,
        max(amount) over (partition by deal_id, amount_group) as amount,
        max(closedate) over (partition by deal_id, close_date_group) as closedate,
        max(hs_forecast_category) over (partition by deal_id, category_group) as hs_forecast_category,
        deal_extracted_at
    from grouped
),

stages as (
    {{ hubspot_stages() }}
),

final as (
    select
        carried.deal_id || '@' || to_char(carried."timestamp" at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US')
            as history_id,
        carried.deal_id as opportunity_id,
        carried."timestamp" as created_at,
        stages.stage_name,
        cast(nullif(carried.amount, '') as numeric) as amount,
        {{ utc_date("cast(nullif(carried.closedate, '') as timestamptz)") }} as close_date,
        cast(stages.probability as {{ dbt.type_float() }}) as probability,
        {{ hubspot_forecast_category('carried.hs_forecast_category') }} as forecast_category,
        carried."timestamp" as system_modstamp,
        carried.deal_extracted_at as extracted_at
    from carried
    left join stages on carried.dealstage = stages.stage_id
)

select * from final
