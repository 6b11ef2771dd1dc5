{#
    Everyone who can own a deal or manage someone who does: one row per CRM user, with role,
    team, manager and segment. is_manager comes from the reporting lines, not the role name.
#}
with users as (
    select * from {{ ref('stg_crm__users') }}
),

final as (
    select
        users.user_id,
        users.user_name as rep_name,
        users.email,
        users.role,
        users.team,
        users.segment,
        users.timezone,
        users.manager_id,
        managers.user_name as manager_name,
        exists (select 1 from users as reports where reports.manager_id = users.user_id) as is_manager,
        users.is_active,
        users.created_at
    from users
    left join users as managers on users.manager_id = managers.user_id
)

select * from final
