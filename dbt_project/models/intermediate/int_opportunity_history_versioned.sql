{#
    Each deal's history as validity intervals: one row per deal per UTC day on which its
    stage, amount, close date, probability or forecast category changed, holding the state at the end of
    that day, valid from valid_from_date up to (not including) valid_to_date. A snapshot of
    date D is the CRM at the START of D (00:00 UTC), as the morning job sees it: a change
    made on day X is visible from X + 1, so valid_from_date is the day after the change.
    Snapshots then find "the state as of date D" with one range join instead of a sort per (deal, date).
    Running facts (when the current stage was entered, how often and by how many days the close
    date was pushed, the furthest open stage reached, the last firm-up inside the current stage) are
    computed here, over history rows only, so they never see a change after the day.

    Placeholder close dates are flagged and ignored: an export can carry a made-up close date on a deal's
    first history row (Salesforce's data export: a 2013 date on every deal), which read literally is a
    close-date push of years on every deal. A history close date more than a year before the deal was
    created, or before 2000, is not a date anyone planned to close on: it counts as no close date (so
    setting the real one is not a push), and placeholder_close_date_count says how many a deal had. On a
    deal's latest history row the placeholder stands for the deal's current close date (no history row since
    means no change since): a deal untouched since creation keeps its close date.

    Incremental by deal: a deal's versions depend on all of its history rows (the windows run over
    the whole deal), so a run rebuilds every deal with a history row extracted since the newest
    extracted_at here (a few thousand a day at the large preset, against 1.5M history rows: 32 s as a
    full table, measured 2026-12-01) and replaces its versions (delete+insert on opportunity_id).
    Deals without history are rebuilt on every run: their one version starts on the as-of date.
    A table that lacks extracted_at or another documented column (an upgrade added it, as it added
    probability) has every deal rebuilt once (macros/incremental_snapshots.sql, extracted_since_last_run)
    and on_schema_change adds the columns.
#}
{{
    config(
        materialized='incremental',
        unique_key='opportunity_id',
        incremental_strategy='delete+insert',
        on_schema_change='append_new_columns',
        indexes=[
            {'columns': ['opportunity_id', 'valid_from_date'], 'unique': True},
            {'columns': ['extracted_at']},
        ],
    )
}}

with all_history as (
    select * from {{ ref('stg_crm__opportunity_history') }}
),

stages as (
    select * from {{ ref('stg_crm__opportunity_stages') }}
),

history as (
    select * from all_history
    {%- if is_incremental() %}
    where opportunity_id in (
        select opportunity_id from all_history where {{ extracted_since_last_run('extracted_at') }}
    )
    {%- endif %}
),

opportunities as (
    select * from {{ ref('stg_crm__opportunities') }}
),

checked_history as (
    select
        history.*,
        coalesce(
            history.close_date < {{ dbt.dateadd('day', -365, utc_date('opportunities.created_at')) }}
            or history.close_date < cast('2000-01-01' as date),
            false
        ) as is_placeholder_close_date,
        opportunities.close_date as current_close_date,
        row_number() over (
            partition by history.opportunity_id order by history.created_at desc, history.history_id desc
        ) = 1 as is_latest_row
    from history
    left join opportunities on history.opportunity_id = opportunities.opportunity_id
),

ordered_changes as (
    select
        history.*,
        -- A placeholder on the deal's latest history row hides the close date it still has: the CRM writes a
        -- history row whenever the close date changes, so none since means the current one held from then on
        -- (a deal never changed since creation would otherwise have no close date at all, today included).
        case
            when not history.is_placeholder_close_date then history.close_date
            when history.is_latest_row then history.current_close_date
        end as checked_close_date,
        {{ utc_date('history.created_at') }} as changed_date,
        case when not stages.is_closed then stages.sort_order end as open_stage_sort_order,
        lag(history.stage_name) over by_time as previous_stage_name,
        lag(
            case
                when not history.is_placeholder_close_date then history.close_date
                when history.is_latest_row then history.current_close_date
            end
        ) over by_time as previous_close_date,
        lag(history.forecast_category) over by_time as previous_forecast_category,
        row_number() over by_time as change_number
    from checked_history as history
    left join stages on history.stage_name = stages.stage_name
    window by_time as (partition by history.opportunity_id order by history.created_at, history.history_id)
),

running_facts as (
    select
        *,
        -- A push moves the close date later than the row before; setting or clearing a close
        -- date is not a push.
        sum(case when checked_close_date > previous_close_date then 1 else 0 end) over running
            as close_date_push_count,
        sum(
            case when checked_close_date > previous_close_date
                then {{ dbt.datediff('previous_close_date', 'checked_close_date', 'day') }} else 0 end
        ) over running as close_date_days_pushed,
        sum(case when is_placeholder_close_date then 1 else 0 end) over running
            as placeholder_close_date_count,
        max(
            case when change_number = 1 or stage_name <> previous_stage_name then created_at end
        ) over running as stage_entered_at,
        max(open_stage_sort_order) over running as furthest_open_stage_sort_order,
        -- A firm-up: the close date pulled in or the forecast category raised while the stage stayed. Reps do
        -- this when the buyer says yes and only paperwork is left, so it is the CRM's trace of a verbal yes.
        max(
            case
                when stage_name = previous_stage_name
                    and (
                        checked_close_date < previous_close_date
                        or {{ forecast_category_rank('forecast_category') }}
                            > {{ forecast_category_rank('previous_forecast_category') }}
                    )
                    then created_at
            end
        ) over running as last_firm_up_at,
        max(extracted_at) over (partition by opportunity_id) as deal_history_extracted_at,
        row_number() over (
            partition by opportunity_id, changed_date order by created_at desc, history_id desc
        ) as rank_in_day
    from ordered_changes
    window running as (
        partition by opportunity_id order by created_at, history_id
        rows between unbounded preceding and current row
    )
),

end_of_day_states as (
    select
        *,
        -- The end of day X is what the CRM shows at the start of X + 1.
        {{ next_day('changed_date') }} as visible_from_date
    from running_facts
    where rank_in_day = 1
),

versions as (
    select
        states.opportunity_id,
        -- The first history row can be stamped a moment after the deal was created (and land
        -- on the next UTC day); the deal's creation day already had that state.
        case
            when states.change_number = 1
                then least(states.visible_from_date, {{ next_day(utc_date('opportunities.created_at')) }})
            else states.visible_from_date
        end as valid_from_date,
        lead(states.visible_from_date) over (
            partition by states.opportunity_id order by states.changed_date
        ) as valid_to_date,
        states.stage_name,
        states.amount,
        states.checked_close_date as close_date,
        states.forecast_category,
        -- The CRM's probability field: the stage's default unless the rep typed their own.
        states.probability,
        states.stage_entered_at,
        states.close_date_push_count,
        states.close_date_days_pushed,
        states.furthest_open_stage_sort_order,
        states.placeholder_close_date_count,
        -- Only a firm-up inside the current stage counts: a stage move starts the stage's story again.
        case when states.last_firm_up_at > states.stage_entered_at then states.last_firm_up_at end
            as stage_firmed_up_at,
        true as is_from_history,
        states.deal_history_extracted_at as extracted_at
    from end_of_day_states as states
    left join opportunities on states.opportunity_id = opportunities.opportunity_id
),

deals_without_history as (
    -- A defect some CRMs have. Their current values are all we know, so they are valid from
    -- today only: back-dating them would leak today's stage into past snapshots.
    select
        opportunity_id,
        {{ as_of_date() }} as valid_from_date,
        cast(null as date) as valid_to_date,
        stage_name,
        amount,
        close_date,
        forecast_category,
        probability,
        created_at as stage_entered_at,
        0 as close_date_push_count,
        0 as close_date_days_pushed,
        cast(null as {{ dbt.type_int() }}) as furthest_open_stage_sort_order,
        0 as placeholder_close_date_count,
        cast(null as timestamp with time zone) as stage_firmed_up_at,
        false as is_from_history,
        cast(null as timestamp with time zone) as extracted_at
    from opportunities
    where not exists (
        select 1 from all_history where all_history.opportunity_id = opportunities.opportunity_id
    )
),

final as (
    select * from versions
    union all
    select * from deals_without_history
)

select * from final
