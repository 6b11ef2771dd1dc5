{#
    One row per deal per as-of date (int_as_of_dates) on which the deal was open at the start
    of the date (00:00 UTC): created before the date, and its stage then not closed. The state (stage, amount,
    close date, probability, forecast category) is the deal's latest history as of the date; what a stage
    means comes from stg_crm__opportunity_stages, never from stage names.

    Incremental by as-of date (macros/incremental_snapshots.sql; unique_key as_of_date: a date
    is rebuilt whole). History rows are stamped by the CRM when written, so a built date's rows
    only change within the 7-day lookback: the previous today loses is_current, and a deal
    without history (valid from today only) leaves it once its history arrives. Owner and
    account keep the value seen when the date was built (the CRM keeps no history of them).
#}
{{
    config(
        materialized='incremental',
        incremental_strategy='delete+insert',
        unique_key='as_of_date',
        on_schema_change='append_new_columns',
        pre_hook="{{ delete_snapshot_dates_to_rebuild(ref('int_as_of_dates')) }}",
    )
}}
with versions as (
    select * from {{ ref('int_opportunity_history_versioned') }}
),

stages as (
    select * from {{ ref('stg_crm__opportunity_stages') }}
),

opportunities as (
    select * from {{ ref('stg_crm__opportunities') }}
),

as_of_dates as (
    select * from {{ ref('int_as_of_dates') }}
    where as_of_date in ({{ snapshot_dates_to_build() }})
),

open_versions as (
    -- Filtering closed states before the date join keeps the join to open deals only.
    -- A stage missing from the stage table counts as open (the relationships test warns).
    select
        versions.*,
        stages.sort_order as stage_sort_order,
        stages.default_probability as stage_default_probability,
        stages.forecast_category as stage_forecast_category
    from versions
    left join stages on versions.stage_name = stages.stage_name
    where not coalesce(stages.is_closed, false)
),

spined as (
    select
        open_versions.opportunity_id,
        as_of_dates.as_of_date,
        as_of_dates.is_current,
        open_versions.stage_name,
        open_versions.stage_sort_order,
        open_versions.stage_default_probability,
        open_versions.probability as crm_probability,
        coalesce(open_versions.forecast_category, open_versions.stage_forecast_category)
            as forecast_category,
        open_versions.amount,
        open_versions.close_date,
        open_versions.stage_entered_at,
        open_versions.close_date_push_count,
        open_versions.close_date_days_pushed,
        open_versions.stage_firmed_up_at,
        open_versions.is_from_history
    from open_versions
    inner join as_of_dates
        on as_of_dates.as_of_date >= open_versions.valid_from_date
        and (open_versions.valid_to_date is null or as_of_dates.as_of_date < open_versions.valid_to_date)
),

final as (
    select
        spined.*,
        -- Owner and account have no history in the CRM: today's values.
        opportunities.owner_id,
        opportunities.account_id,
        opportunities.created_at
    from spined
    inner join opportunities on spined.opportunity_id = opportunities.opportunity_id
    where {{ utc_date('opportunities.created_at') }} < spined.as_of_date
)

select * from final
