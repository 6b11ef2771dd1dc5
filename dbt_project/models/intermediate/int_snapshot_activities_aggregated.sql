{#
    Activity features per deal snapshot, from activities the CRM knew at the start of the
    as-of date (known before it). Windows are the N days before the as-of date (7d = the 7
    days before it): the morning job's CRM has nothing of today yet, and a Monday training
    row must not see Monday either, or 21% of them show "0 days since the last activity",
    a value today's rows can never have (demo preset, measured 2026-11-23).

    Incremental by as-of date like int_opportunities_spined_weekly (7-day lookback, a date is
    rebuilt whole): an activity counts from its known_date, the later of when it happened and
    when it was logged, so activities logged after a date's run never reach that date.
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
    select opportunity_id, as_of_date from {{ ref('int_opportunities_spined_weekly') }}
    where as_of_date in ({{ snapshot_dates_to_build() }})
),

activities as (
    select * from {{ ref('int_activities_unioned') }}
),

contacts as (
    select * from {{ ref('stg_crm__contacts') }}
),

known_activities as (
    select
        snapshots.opportunity_id,
        snapshots.as_of_date,
        activities.activity_kind,
        activities.is_connected_call,
        activities.contact_id,
        activities.activity_date,
        activities.note_signal,
        -- Seniority is the contact's current title (the CRM keeps no title history).
        contacts.seniority in ('Director', 'VP', 'C-Level') as is_senior_contact,
        {{ dbt.datediff('activities.activity_date', 'snapshots.as_of_date', 'day') }} as days_ago
    from snapshots
    left join activities
        on snapshots.opportunity_id = activities.opportunity_id
        and activities.known_date < snapshots.as_of_date
    left join contacts on activities.contact_id = contacts.contact_id
),

final as (
    select
        opportunity_id,
        as_of_date,
        sum(case when days_ago <= 7 then 1 else 0 end) as activities_7d,
        sum(case when days_ago <= 30 then 1 else 0 end) as activities_30d,
        sum(case when days_ago <= 30 and activity_kind = 'call' then 1 else 0 end) as calls_30d,
        sum(case when days_ago <= 30 and activity_kind = 'email' then 1 else 0 end) as emails_30d,
        sum(case when days_ago <= 30 and activity_kind = 'meeting' then 1 else 0 end) as meetings_30d,
        sum(case when days_ago <= 30 and is_connected_call then 1 else 0 end) as connected_calls_30d,
        sum(case when days_ago <= 90 then 1 else 0 end) as activities_90d,
        sum(case when days_ago <= 90 and activity_kind = 'call' then 1 else 0 end) as calls_90d,
        sum(case when days_ago <= 90 and activity_kind = 'email' then 1 else 0 end) as emails_90d,
        sum(case when days_ago <= 90 and activity_kind = 'meeting' then 1 else 0 end) as meetings_90d,
        count(distinct case when days_ago <= 90 then contact_id end) as contacts_engaged_90d,
        count(distinct case when days_ago <= 90 and is_senior_contact then contact_id end)
            as senior_contacts_engaged_90d,
        sum(case when days_ago <= 90 and note_signal = 'risk' then 1 else 0 end) as risk_notes_90d,
        sum(case when days_ago <= 90 and note_signal = 'commitment' then 1 else 0 end) as commitment_notes_90d,
        max(activity_date) as last_activity_date,
        max(case when activity_kind = 'meeting' then activity_date end) as last_meeting_date,
        -- Over the deal's whole life: how often the buyer answers is the clearest trace of how much
        -- they need it (a connected call or a meeting is a two-way touch; an email or a voicemail is not).
        sum(case when activity_kind = 'call' then 1 else 0 end) as calls_total,
        sum(case when is_connected_call then 1 else 0 end) as connected_calls_total,
        sum(case when activity_kind = 'email' then 1 else 0 end) as emails_total,
        sum(case when activity_kind = 'meeting' then 1 else 0 end) as meetings_total,
        sum(case when is_connected_call or activity_kind = 'meeting' then 1 else 0 end) as two_way_touches_total,
        max(case when is_connected_call or activity_kind = 'meeting' then activity_date end)
            as last_two_way_touch_date
    from known_activities
    group by opportunity_id, as_of_date
)

select * from final
