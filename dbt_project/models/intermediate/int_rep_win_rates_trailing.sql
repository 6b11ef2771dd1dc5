{#
    Each deal owner's win rate as of each snapshot date: won / closed over the deals they
    closed in the var('rep_win_rate_window_days') days before the date (the as-of date itself
    excluded), null under var('rep_win_rate_min_closed_deals') closed deals. Won/closed comes
    from the deal's final stage through the stage table.

    Incremental by as-of date like int_opportunities_spined_weekly. This is the model the 7-day
    lookback is for: closed_date is typed by the rep and often entered a few days late (won on
    Friday, entered on Monday), which moves the win rate of the dates just after the close.
    A close backdated by more than 7 days reaches only dates built after it was entered.
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
with snapshots as (
    select distinct owner_id, as_of_date
    from {{ ref('int_opportunities_spined_weekly') }}
    where owner_id is not null and as_of_date in ({{ snapshot_dates_to_build() }})
),

opportunities as (
    select * from {{ ref('stg_crm__opportunities') }}
),

stages as (
    select * from {{ ref('stg_crm__opportunity_stages') }}
),

closed_deals as (
    select
        opportunities.owner_id,
        opportunities.closed_date,
        stages.is_won
    from opportunities
    inner join stages on opportunities.stage_name = stages.stage_name
    where stages.is_closed and opportunities.closed_date is not null
),

counted as (
    select
        snapshots.owner_id,
        snapshots.as_of_date,
        count(closed_deals.closed_date) as closed_deal_count,
        sum(case when closed_deals.is_won then 1 else 0 end) as won_deal_count
    from snapshots
    left join closed_deals
        on snapshots.owner_id = closed_deals.owner_id
        and closed_deals.closed_date < snapshots.as_of_date
        and closed_deals.closed_date
            >= cast({{ dbt.dateadd('day', -var('rep_win_rate_window_days'), 'snapshots.as_of_date') }} as date)
    group by snapshots.owner_id, snapshots.as_of_date
),

final as (
    select
        owner_id,
        as_of_date,
        closed_deal_count as rep_trailing_closed_deal_count,
        case
            when closed_deal_count >= {{ var('rep_win_rate_min_closed_deals') }}
                then cast(won_deal_count as {{ dbt.type_float() }}) / closed_deal_count
        end as rep_trailing_win_rate
    from counted
)

select * from final
