{#
    One row per open deal per as-of date: the training and scoring rows of the win and slip
    models. Every feature uses only what the CRM knew on the as-of date; the two labels are
    the only columns from the deal's future.

    A full rebuild for now: 53 as-of dates of a demo-sized CRM take seconds. Past snapshots
    never change once their date has passed (except for late-logged activity), so this becomes
    an incremental delete+insert on as_of_date when rebuild time starts to matter.
#}
with snapshots as (
    select * from {{ ref('int_opportunities_spined_weekly') }}
),

activity as (
    select * from {{ ref('int_snapshot_activities_aggregated') }}
),

contact_roles as (
    select * from {{ ref('int_snapshot_contact_roles_aggregated') }}
),

rep_win_rates as (
    select * from {{ ref('int_rep_win_rates_trailing') }}
),

labels as (
    select * from {{ ref('int_snapshots_labelled') }}
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
        snapshots.forecast_category,
        snapshots.amount,
        snapshots.close_date,
        greatest({{ dbt.datediff(utc_date('snapshots.stage_entered_at'), 'snapshots.as_of_date', 'day') }}, 0)
            as days_in_stage,
        {{ dbt.datediff(utc_date('snapshots.created_at'), 'snapshots.as_of_date', 'day') }} as deal_age_days,
        {{ dbt.datediff('snapshots.as_of_date', 'snapshots.close_date', 'day') }} as days_to_close,
        snapshots.close_date < snapshots.as_of_date as is_close_date_past,
        snapshots.close_date_push_count,
        activity.activities_7d,
        activity.activities_30d,
        activity.calls_30d,
        activity.emails_30d,
        activity.meetings_30d,
        activity.connected_calls_30d,
        -- No activity ever: days since the deal was created (creation is its last touch),
        -- not a sentinel like 999 that would make a day-old deal look abandoned.
        {{ dbt.datediff(
            'coalesce(activity.last_activity_date, ' ~ utc_date('snapshots.created_at') ~ ')',
            'snapshots.as_of_date', 'day') }} as days_since_last_activity,
        activity.contacts_engaged_90d,
        contact_roles.has_economic_buyer,
        contact_roles.has_champion,
        contact_roles.contact_role_count,
        -- The CRM keeps no history of next_step, so past rows would see today's value (a
        -- leak): known for today's row only, null for every past snapshot.
        case when snapshots.is_current then opportunities.next_step is not null end as has_next_step,
        rep_win_rates.rep_trailing_win_rate,
        rep_win_rates.rep_trailing_closed_deal_count,
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
)

select * from final
