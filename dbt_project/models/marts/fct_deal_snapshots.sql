{#
    One row per open deal per as-of date: the training and scoring rows of the win and slip
    models. Every feature uses only what the CRM knew at the start of the as-of date; the
    two labels are the only columns from the deal's future.

    Incremental by as-of date, like the per-snapshot intermediates it joins (all share
    macros/incremental_snapshots.sql), so an incremental run leaves the same table as a full refresh:
    - A run recomputes the dates of the last var('snapshot_lookback_days') = 7 days (from the
      previous run's today at the latest) and any spine date the table lacks; the pre-hook
      deletes those dates and the dates that left the spine (the previous today when it was not
      a Monday, the Monday past the 52-week window). The intermediates hold the same dates, and
      each CTE below reads only the dates being built.
    - A date's row is the CRM at the start of that date, and every stamp it reads is the CRM's
      own (history and role timestamps, the day an activity was logged), so once built it only
      changes through fields reps type in: closed_date, which feeds the rep's win rate, is often
      backdated a few days (won on Friday, entered on Monday) - the reason for the 7 days.
    - Labels of OLD rows become known later (a deal closes months after its snapshots), so a
      post-hook refreshes label_won / label_slipped of every existing row from the deals'
      outcomes (macros/snapshot_labels.sql), touching only rows whose labels changed.
    Columns read from the deal's current record (owner, account, segment, type, lead source)
    keep the value seen when the row was built; the CRM keeps no history of them.
#}
{{
    config(
        materialized='incremental',
        unique_key='as_of_date',
        incremental_strategy='delete+insert',
        on_schema_change='append_new_columns',
        pre_hook="{{ delete_snapshot_dates_to_rebuild(ref('int_as_of_dates')) }}",
        post_hook="{{ refresh_snapshot_labels(this, ref('stg_crm__opportunities'), ref('stg_crm__opportunity_stages'), ref('int_opportunity_history_versioned')) }}",
    )
}}

with dates_to_build as (
    {{ snapshot_dates_to_build() }}
),

snapshots as (
    select
        *,
        greatest({{ dbt.datediff(utc_date('stage_entered_at'), 'as_of_date', 'day') }}, 0) as days_in_stage
    from {{ ref('int_opportunities_spined_weekly') }}
    where as_of_date in (select as_of_date from dates_to_build)
),

activity as (
    select * from {{ ref('int_snapshot_activities_aggregated') }}
    where as_of_date in (select as_of_date from dates_to_build)
),

contact_roles as (
    select * from {{ ref('int_snapshot_contact_roles_aggregated') }}
    where as_of_date in (select as_of_date from dates_to_build)
),

rep_win_rates as (
    select * from {{ ref('int_rep_win_rates_trailing') }}
    where as_of_date in (select as_of_date from dates_to_build)
),

labels as (
    select * from {{ ref('int_snapshots_labelled') }}
    where as_of_date in (select as_of_date from dates_to_build)
),

opportunities as (
    select * from {{ ref('stg_crm__opportunities') }}
),

accounts as (
    select * from {{ ref('stg_crm__accounts') }}
),

users as (
    select * from {{ ref('stg_crm__users') }}
),

won_deals as (
    select opportunities.account_id, opportunities.closed_date
    from opportunities
    inner join {{ ref('stg_crm__opportunity_stages') }} as stages on opportunities.stage_name = stages.stage_name
    where stages.is_won and opportunities.closed_date is not null and opportunities.account_id is not null
),

account_prior_wins as (
    -- Deals the account won before each date: a customer buying again is warmer than a new logo.
    -- closed_date is typed by reps like the rep win rate's, and the same 7-day lookback covers it.
    select dates_to_build.as_of_date, won_deals.account_id, count(*) as account_prior_won_deals
    from dates_to_build
    inner join won_deals on won_deals.closed_date < dates_to_build.as_of_date
    group by dates_to_build.as_of_date, won_deals.account_id
),

open_stages as (  -- how far along the pipeline a stage is, 0 (first open stage) to 1 (last): comparable
    select                        -- across CRMs whatever their stages are called or how many there are
        stage_name,
        cast(rank() over (order by sort_order) - 1 as {{ dbt.type_float() }})
            / nullif(count(*) over () - 1, 0) as stage_progress
    from {{ ref('stg_crm__opportunity_stages') }}
    where not is_closed
),

final as (
    select
        snapshots.opportunity_id || '@' || cast(snapshots.as_of_date as {{ dbt.type_string() }}) as snapshot_id,
        snapshots.opportunity_id,
        snapshots.as_of_date,
        snapshots.is_current,
        snapshots.owner_id,
        snapshots.account_id,
        -- The account's segment (no history: today's value), else the owner's.
        coalesce(accounts.segment, users.segment) as segment,
        opportunities.opportunity_type,
        opportunities.lead_source,
        snapshots.stage_name,
        snapshots.stage_sort_order,
        snapshots.stage_default_probability,
        snapshots.crm_probability,
        open_stages.stage_progress,
        snapshots.forecast_category,
        snapshots.amount,
        snapshots.close_date,
        snapshots.days_in_stage,
        -- Stage velocity against the segment's norm: days in stage over the mean of the segment's open
        -- deals in the same stage on the same date (above 1 = slower than its peers). Peers of the
        -- same date only, so the norm is point-in-time and follows the season.
        snapshots.days_in_stage / nullif(avg(snapshots.days_in_stage) over (
            partition by snapshots.as_of_date, coalesce(accounts.segment, users.segment), snapshots.stage_name
        ), 0) as days_in_stage_vs_segment,
        {{ dbt.datediff(utc_date('snapshots.created_at'), 'snapshots.as_of_date', 'day') }} as deal_age_days,
        {{ dbt.datediff('snapshots.as_of_date', 'snapshots.close_date', 'day') }} as days_to_close,
        snapshots.close_date < snapshots.as_of_date as is_close_date_past,
        -- The slip model's clock: how long the deal has to land inside its close date's quarter.
        {{ dbt.datediff('snapshots.as_of_date', fiscal_quarter_end('snapshots.close_date'), 'day') }}
            as days_to_close_quarter_end,
        {{ dbt.datediff('snapshots.as_of_date', fiscal_quarter_end('snapshots.as_of_date'), 'day') }}
            as days_left_in_quarter,
        {{ fiscal_quarter_start('snapshots.close_date') }} = {{ fiscal_quarter_start('snapshots.as_of_date') }}
            as is_close_date_in_current_quarter,
        snapshots.close_date_push_count,
        snapshots.close_date_days_pushed,
        -- Days since the rep last pulled the close date in or raised the category without a stage move (null:
        -- not in this stage): the CRM's trace of a verbal yes waiting for its paperwork.
        {{ dbt.datediff(utc_date('snapshots.stage_firmed_up_at'), 'snapshots.as_of_date', 'day') }}
            as days_since_stage_firm_up,
        activity.activities_7d,
        activity.activities_30d,
        activity.calls_30d,
        activity.emails_30d,
        activity.meetings_30d,
        activity.connected_calls_30d,
        activity.activities_90d,
        activity.calls_90d,
        activity.emails_90d,
        activity.meetings_90d,
        -- No activity ever: days since the deal was created (creation is its last touch),
        -- not a sentinel like 999 that would make a day-old deal look abandoned.
        {{ dbt.datediff(
            'coalesce(activity.last_activity_date, ' ~ utc_date('snapshots.created_at') ~ ')',
            'snapshots.as_of_date', 'day') }} as days_since_last_activity,
        activity.contacts_engaged_90d,
        coalesce(activity.senior_contacts_engaged_90d, 0) as senior_contacts_engaged_90d,
        coalesce(activity.risk_notes_90d, 0) as risk_notes_90d,
        coalesce(activity.commitment_notes_90d, 0) as commitment_notes_90d,
        -- Never met: null. Unlike the activity recency, creation is not a meeting.
        {{ dbt.datediff('activity.last_meeting_date', 'snapshots.as_of_date', 'day') }} as days_since_last_meeting,
        coalesce(activity.calls_total, 0) as calls_total,
        coalesce(activity.emails_total, 0) as emails_total,
        coalesce(activity.meetings_total, 0) as meetings_total,
        coalesce(activity.two_way_touches_total, 0) as two_way_touches_total,
        cast(activity.connected_calls_total as {{ dbt.type_float() }}) / nullif(activity.calls_total, 0)
            as call_connect_rate,
        -- How hard the deal is worked: touches per week of its life so far.
        7.0 * coalesce(activity.calls_total + activity.emails_total + activity.meetings_total, 0)
            / greatest({{ dbt.datediff(utc_date('snapshots.created_at'), 'snapshots.as_of_date', 'day') }}, 1)
            as touches_per_week,
        -- How hard the owner works their book on that date (reps differ three-fold): the mean over
        -- their open deals' snapshots of the same date.
        avg(activity.activities_30d) over (partition by snapshots.owner_id, snapshots.as_of_date)
            as rep_avg_activities_30d,
        cast(activity.two_way_touches_total as {{ dbt.type_float() }})
            / nullif(activity.calls_total + activity.emails_total + activity.meetings_total, 0)
            as two_way_touch_share,
        -- Never answered: days since creation, as days_since_last_activity does.
        {{ dbt.datediff(
            'coalesce(activity.last_two_way_touch_date, ' ~ utc_date('snapshots.created_at') ~ ')',
            'snapshots.as_of_date', 'day') }} as days_since_last_two_way_touch,
        contact_roles.has_economic_buyer,
        contact_roles.has_champion,
        contact_roles.contact_role_count,
        -- The CRM keeps no history of next_step, so past rows would see today's value (a
        -- leak): known for today's row only, null for every past snapshot.
        case when snapshots.is_current then opportunities.next_step is not null end as has_next_step,
        rep_win_rates.rep_trailing_win_rate,
        rep_win_rates.rep_trailing_closed_deal_count,
        -- Days since the owner's CRM user was created: the CRM's trace of how long they have sold here.
        greatest({{ dbt.datediff(utc_date('users.created_at'), 'snapshots.as_of_date', 'day') }}, 0)
            as rep_tenure_days,
        -- The account's size today (the CRM keeps no history of it).
        accounts.employee_count as account_employee_count,
        -- Null for a deal without an account: it is not a new logo, the CRM does not say whose it is.
        case
            when snapshots.account_id is not null then coalesce(account_prior_wins.account_prior_won_deals, 0)
        end as account_prior_won_deals,
        labels.label_won,
        labels.label_slipped
    from snapshots
    left join activity
        on snapshots.opportunity_id = activity.opportunity_id and snapshots.as_of_date = activity.as_of_date
    left join contact_roles
        on snapshots.opportunity_id = contact_roles.opportunity_id
        and snapshots.as_of_date = contact_roles.as_of_date
    left join rep_win_rates
        on snapshots.owner_id = rep_win_rates.owner_id and snapshots.as_of_date = rep_win_rates.as_of_date
    left join labels
        on snapshots.opportunity_id = labels.opportunity_id and snapshots.as_of_date = labels.as_of_date
    left join opportunities on snapshots.opportunity_id = opportunities.opportunity_id
    left join accounts on snapshots.account_id = accounts.account_id
    left join users on snapshots.owner_id = users.user_id
    left join open_stages on snapshots.stage_name = open_stages.stage_name
    left join account_prior_wins
        on snapshots.account_id = account_prior_wins.account_id
        and snapshots.as_of_date = account_prior_wins.as_of_date
)

select * from final
