{#
    What happened to the pipeline between consecutive snapshot dates (Monday to Monday, and
    last Monday to today): one row per deal open on either date, with what changed. Deals that
    left were closed won or lost in the week (else 'left': a history defect or a deletion);
    deals that arrived were created in the week ('new') or reopened ('entered'). Both sides
    are fct_deal_snapshots rows, so each side is point-in-time.

    Incremental by period end date with the snapshots' lookback (macros/incremental_snapshots.sql):
    a run rebuilds the periods ending on the dates it rebuilds, from the two snapshot dates of each.
    The outcome of a deal that left (won, lost) is read when its period is built; a deal reopened
    after that keeps the outcome it had then.
#}
{{
    config(
        materialized='incremental',
        unique_key='as_of_date',
        incremental_strategy='delete+insert',
        on_schema_change='append_new_columns',
        pre_hook="{{ delete_snapshot_dates_to_rebuild(ref('int_as_of_dates'), first_date_has_rows=false, spine_where='is_weekly') }}",
    )
}}

with dates_to_build as (
    {{ snapshot_dates_to_build() }}
),

periods as (
    select * from (
        select as_of_date, lag(as_of_date) over (order by as_of_date) as previous_as_of_date
        from {{ ref('int_as_of_dates') }}
        where is_weekly  -- the older training dates are four weeks apart: not a week
    ) as dated
    where previous_as_of_date is not null and as_of_date in (select as_of_date from dates_to_build)
),

snapshots as (
    select * from {{ ref('fct_deal_snapshots') }}
    where as_of_date in (select as_of_date from periods union select previous_as_of_date from periods)
),

outcomes as (
    select opportunities.opportunity_id, opportunities.closed_date, stages.is_closed, stages.is_won
    from {{ ref('stg_crm__opportunities') }} as opportunities
    left join {{ ref('stg_crm__opportunity_stages') }} as stages
        on opportunities.stage_name = stages.stage_name
),

current_rows as (
    select periods.previous_as_of_date, snapshots.*
    from snapshots inner join periods on snapshots.as_of_date = periods.as_of_date
),

previous_rows as (
    select periods.as_of_date as period_end_date, snapshots.*
    from snapshots inner join periods on snapshots.as_of_date = periods.previous_as_of_date
),

paired as (
    select
        coalesce(current_rows.opportunity_id, previous_rows.opportunity_id) as opportunity_id,
        coalesce(current_rows.as_of_date, previous_rows.period_end_date) as as_of_date,
        coalesce(current_rows.previous_as_of_date, previous_rows.as_of_date) as previous_as_of_date,
        coalesce(current_rows.owner_id, previous_rows.owner_id) as owner_id,
        coalesce(current_rows.segment, previous_rows.segment) as segment,
        current_rows.opportunity_id is not null as is_open_now,
        previous_rows.opportunity_id is not null as was_open,
        previous_rows.stage_name as previous_stage_name,
        current_rows.stage_name,
        current_rows.stage_sort_order - previous_rows.stage_sort_order as stage_sort_order_change,
        previous_rows.amount as previous_amount,
        current_rows.amount,
        previous_rows.close_date as previous_close_date,
        current_rows.close_date,
        current_rows.deal_age_days
    from current_rows
    full outer join previous_rows
        on current_rows.opportunity_id = previous_rows.opportunity_id
        and current_rows.as_of_date = previous_rows.period_end_date
),

classified as (
    select
        paired.*,
        case
            -- Created on the previous date itself: not yet in its snapshot (CRM at the day's start).
            when not paired.was_open and paired.deal_age_days <= {{ dbt.datediff('paired.previous_as_of_date',
                'paired.as_of_date', 'day') }} then 'new'
            when not paired.was_open then 'entered'
            when not paired.is_open_now and outcomes.is_closed and outcomes.is_won
                and outcomes.closed_date < paired.as_of_date then 'closed_won'
            when not paired.is_open_now and outcomes.is_closed
                and outcomes.closed_date < paired.as_of_date then 'closed_lost'
            when not paired.is_open_now then 'left'
            when paired.stage_sort_order_change > 0 then 'stage_forward'
            when paired.stage_sort_order_change < 0 then 'stage_backward'
            when paired.close_date > paired.previous_close_date then 'pushed'
            when paired.close_date < paired.previous_close_date then 'pulled_in'
            when paired.amount > paired.previous_amount then 'amount_up'
            when paired.amount < paired.previous_amount then 'amount_down'
            else 'unchanged'
        end as change_type
    from paired
    left join outcomes on paired.opportunity_id = outcomes.opportunity_id
),

final as (
    select
        opportunity_id || '@' || cast(as_of_date as {{ dbt.type_string() }}) as pipeline_change_id,
        opportunity_id,
        as_of_date,
        previous_as_of_date,
        owner_id,
        segment,
        change_type,
        was_open,
        is_open_now,
        previous_stage_name,
        stage_name,
        coalesce(stage_sort_order_change > 0, false) as is_stage_forward,
        coalesce(stage_sort_order_change < 0, false) as is_stage_backward,
        coalesce(close_date > previous_close_date, false) as is_pushed,
        coalesce(close_date < previous_close_date, false) as is_pulled_in,
        previous_close_date,
        close_date,
        previous_amount,
        amount,
        coalesce(amount, 0) - coalesce(previous_amount, 0) as amount_change
    from classified
)

select * from final
