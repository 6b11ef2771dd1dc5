{#
    The one contact a rep should talk to on each deal today: the Economic Buyer, else the
    Champion, else the primary contact role, else any other role, else whoever was engaged
    last. Ties go to the most recently engaged contact. Only what the CRM knew at the start of the as-of date.
    Only deals open today (the ones scored and given actions): closed deals' roles and activities,
    most of the CRM's, are not read.
#}
with open_deals as (
    select opportunity_id from {{ ref('int_opportunities_spined_weekly') }}
    where is_current
),

contact_roles as (
    select * from {{ ref('stg_crm__opportunity_contact_roles') }}
    where {{ utc_date('created_at') }} < {{ as_of_date() }}
        and opportunity_id in (select opportunity_id from open_deals)
),

activities as (
    select * from {{ ref('int_activities_unioned') }}
    where known_date < {{ as_of_date() }} and contact_id is not null
        and opportunity_id in (select opportunity_id from open_deals)
),

contacts as (
    select * from {{ ref('stg_crm__contacts') }}
),

role_preferences as (
    -- One row per role; a contact holding two roles is ranked by the better one below.
    select
        opportunity_id,
        contact_id,
        contact_role,
        case
            when is_economic_buyer then 1
            when is_champion then 2
            when is_primary then 3
            else 4
        end as preference
    from contact_roles
),

engagements as (
    select opportunity_id, contact_id, max(activity_at) as last_engaged_at
    from activities
    group by opportunity_id, contact_id
),

candidates as (
    select
        coalesce(role_preferences.opportunity_id, engagements.opportunity_id) as opportunity_id,
        coalesce(role_preferences.contact_id, engagements.contact_id) as contact_id,
        coalesce(role_preferences.preference, 5) as preference,
        role_preferences.contact_role,
        engagements.last_engaged_at
    from role_preferences
    full outer join engagements
        on role_preferences.opportunity_id = engagements.opportunity_id
        and role_preferences.contact_id = engagements.contact_id
),

ranked as (
    select
        candidates.*,
        row_number() over (
            partition by candidates.opportunity_id
            order by candidates.preference, candidates.last_engaged_at desc nulls last, candidates.contact_id
        ) as contact_rank
    from candidates
    -- Roles can point at deleted contacts; a contact we cannot name is no use to a rep.
    inner join contacts on candidates.contact_id = contacts.contact_id
),

final as (
    select
        opportunity_id,
        contact_id,
        contact_role,
        last_engaged_at
    from ranked
    where contact_rank = 1
)

select * from final
