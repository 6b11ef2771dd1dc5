{#
    One row per CRM contact: who they are, their account, the deals they hold a role on and
    when a rep last engaged them (activities known before the as-of date). CRMs collect duplicate
    contacts (same person entered twice): all but the oldest of a (account, email or name)
    group are flagged, not dropped, so their activity still counts.
#}
with contacts as (
    select * from {{ ref('stg_crm__contacts') }}
),

accounts as (
    select * from {{ ref('stg_crm__accounts') }}
),

contact_roles as (
    select contact_id, count(distinct opportunity_id) as deal_role_count
    from {{ ref('stg_crm__opportunity_contact_roles') }}
    where {{ utc_date('created_at') }} < {{ as_of_date() }}
    group by contact_id
),

engagements as (
    select contact_id, max(activity_at) as last_engaged_at, count(*) as activity_count
    from {{ ref('int_activities_unioned') }}
    where known_date < {{ as_of_date() }} and contact_id is not null
    group by contact_id
),

ranked as (
    select
        contacts.*,
        row_number() over (
            partition by contacts.account_id, coalesce(contacts.email, lower(contacts.contact_name))
            order by contacts.created_at, contacts.contact_id
        ) as duplicate_rank
    from contacts
),

final as (
    select
        ranked.contact_id,
        ranked.contact_name,
        ranked.email,
        ranked.title,
        ranked.seniority,
        ranked.department,
        ranked.timezone,
        ranked.account_id,
        accounts.account_name,
        accounts.segment,
        coalesce(contact_roles.deal_role_count, 0) as deal_role_count,
        coalesce(engagements.activity_count, 0) as activity_count,
        engagements.last_engaged_at,
        ranked.duplicate_rank > 1 and coalesce(ranked.email, ranked.contact_name) is not null
            as is_possible_duplicate,
        ranked.created_at
    from ranked
    left join accounts on ranked.account_id = accounts.account_id
    left join contact_roles on ranked.contact_id = contact_roles.contact_id
    left join engagements on ranked.contact_id = engagements.contact_id
)

select * from final
