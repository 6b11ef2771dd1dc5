{#
    The rows the win and slip models score today: today's snapshot of every open deal, plus
    the context the TMVA scripts need (names, time zones, whom to call, what happened last).
    Deals deleted in the CRM are already gone from staging; deals held by a quarantined update
    are left out below.
#}
with todays_snapshots as (
    select * from {{ ref('fct_deal_snapshots') }}
    where is_current
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

contacts as (
    select * from {{ ref('stg_crm__contacts') }}
),

primary_contacts as (
    select * from {{ ref('int_primary_contacts_picked') }}
),

last_activities as (
    select
        opportunity_id,
        activity_at,
        subject,
        row_number() over (partition by opportunity_id order by activity_at desc, activity_id) as recency
    from {{ ref('int_activities_unioned') }}
    -- Today's deals only, before the window function sorts them (closed deals hold most activity).
    where known_date < {{ as_of_date() }}
        and opportunity_id in (select opportunity_id from todays_snapshots)
),

final as (
    select
        todays_snapshots.*,
        opportunities.opportunity_name,
        accounts.account_name,
        owners.user_name as owner_name,
        owners.timezone as owner_timezone,
        primary_contacts.contact_id,
        contacts.contact_name,
        contacts.title as contact_title,
        contacts.seniority as contact_seniority,
        contacts.timezone as contact_timezone,
        primary_contacts.contact_role,
        last_activities.activity_at as last_activity_at,
        last_activities.subject as last_activity_subject
    from todays_snapshots
    left join opportunities on todays_snapshots.opportunity_id = opportunities.opportunity_id
    left join accounts on todays_snapshots.account_id = accounts.account_id
    left join users as owners on todays_snapshots.owner_id = owners.user_id
    left join primary_contacts on todays_snapshots.opportunity_id = primary_contacts.opportunity_id
    left join contacts on primary_contacts.contact_id = contacts.contact_id
    left join last_activities
        on todays_snapshots.opportunity_id = last_activities.opportunity_id
        and last_activities.recency = 1
    -- A deal whose newer version the extract quarantined (a NaN or out-of-range amount) is held
    -- out until the CRM fixes it: scoring its last good row would present a stale amount as today's
    -- and advise on it. It stays in the snapshots, so the forecast counts its last good amount at
    -- the stage probability, as any deal scoring did not reach.
    where opportunities.newer_version_rejected_reason is null
)

select * from final
