{#
    Contact roles are HubSpot's deal-to-contact associations: the role is the association's label
    (Economic Buyer, Champion, ...), `Primary` marks the primary contact. Each extract of a deal lands its
    whole set of contacts stamped with the deal's modified date, so the latest set is the deal's current
    one and a contact removed since is gone.

    HubSpot keeps no date on an association, and a role must not count in a snapshot from before the CRM
    knew it (a champion added in week 6 in the deal's week-1 training row is a leak). So `created_at` is
    the earliest moment Momentum can show the CRM knew the contact was on the deal, never before the deal
    was created:
    - the first extract that held the association (stg_hubspot__deal_contacts_first_seen): stamped the last
      second before that run's as-of date, so a role the run saw counts in its own snapshot (today's scoring
      sees every current role, as the direct path's does);
    - or, when earlier, the day after the contact's first engagement on the deal: a completed call, email or
      task, or a meeting, associated with both (when it was logged, or happened if logged before: a meeting
      booked a week ahead counts from its start). The day after, because a rep gives the role after the
      conversation, the same working day at best: on the demo CRM a Sydney contact's Monday-morning call is
      still Sunday in UTC while the rep enters the role on Monday, and dated by the call itself the role
      counted in Monday's snapshot (5 of 151,646 rows). A first extract dates the roles of the deals' past
      this way.
    Still imperfect: a contact engaged before being given the role counts from the day after the engagement (a
    contact emailed in week 2 and labelled champion in week 6 is a champion from week 2); a label changed later
    counts from the association's first date; an engagement with several contacts or deals is read for
    the first of each only (raw_hubspot keeps one associated id); a role added during the morning before the
    run counts in that day's snapshot. On the demo CRM a role is added the day its contact is first engaged
    (simulator/activities.py), so the engagement dates it a day late at most; a role gained on the same
    conversation as another (only one of them is called or met that day) waits for a later touch of its
    contact or the first extract: later, never earlier (tests/dbt/test_hubspot_staging_on_demo_crm.py).

    A table, rebuilt whole on every run, as staging/demo/stg_crm__opportunity_contact_roles.sql says why.
#}
{{ config(materialized='table', post_hook="{{ analyze_table() }}") }}

with source as (
    select
        *,
        max(deal_lastmodifieddate) over (partition by deal_id) as latest_set
    from {{ source('raw_hubspot', 'deal_contact') }}
),

current_set as (
    select * from source where deal_lastmodifieddate = latest_set
),

deduped as (
    {{ latest_row_per_key('current_set', 'id', '_extracted_at desc') }}
),

deals as (
    {{ hubspot_live_deals() }}
),

contacts as (
    select id
    from (
        {{ latest_row_per_key(source('raw_hubspot', 'contact'), 'id', 'lastmodifieddate desc, _extracted_at desc') }}
    ) as latest
    where _deleted_at is null
),

first_seen as (
    select * from {{ ref('stg_hubspot__deal_contacts_first_seen') }}
),

engagements as (
    select opportunity_id, contact_id, greatest(created_at, completed_at) as known_at
    from {{ ref('stg_crm__tasks') }}
    where task_status = 'Completed' and completed_at is not null
    union all
    select opportunity_id, contact_id, greatest(created_at, start_at)
    from {{ ref('stg_crm__events') }}
),

first_engagements as (
    select opportunity_id, contact_id, min(known_at) as first_engaged_at
    from engagements
    where opportunity_id is not null and contact_id is not null
    group by opportunity_id, contact_id
),

cleaned as (
    select
        deduped.id as opportunity_contact_role_id,
        deduped.deal_id as opportunity_id,
        deduped.contact_id,
        {{ clean_picklist(
            "nullif(trim(both ';' from replace(';' || deduped.labels || ';', ';Primary;', ';')), '')",
            ['Economic Buyer', 'Champion', 'Decision Maker', 'Technical Buyer', 'Influencer']
        ) }} as contact_role,
        coalesce(';' || deduped.labels || ';' like '%;Primary;%', false) as is_primary,
        -- least() and greatest() skip nulls: a role without engagement is dated by its first extract.
        greatest(
            deals.createdate,
            least(
                first_engagements.first_engaged_at + interval '1 day',
                cast(first_seen.first_seen_on as timestamp) at time zone 'UTC' - interval '1 second'
            )
        ) as created_at,
        deduped.deal_lastmodifieddate as system_modstamp,
        deduped._extracted_at as extracted_at
    from deduped
    inner join deals on deduped.deal_id = deals.id
    inner join contacts on deduped.contact_id = contacts.id
    left join first_seen on deduped.id = first_seen.deal_contact_id
    left join first_engagements
        on deduped.deal_id = first_engagements.opportunity_id
        and deduped.contact_id = first_engagements.contact_id
),

final as (
    select
        *,
        {{ contact_role_flags() }}
    from cleaned
)

select * from final
