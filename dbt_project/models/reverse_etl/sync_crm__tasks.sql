{#
    Today's TMVAs as CRM tasks, upserted by ai_external_id (= tmva_id) so a re-run never
    duplicates a task. activity_date is the rep's local date of the recommended time: a 09:00
    call in Sydney is the previous day in UTC. Only tasks for active CRM users.
#}
with todays_actions as (
    select * from {{ ref('stg_actions__tmva_daily') }}
    where as_of_date = {{ as_of_date() }}
        -- Only deals still open in today's CRM: never a task on a deal deleted (or held) since the
        -- TMVAs were chosen. The sync then retires the deal's open Momentum tasks (retire_missing).
        and opportunity_id in (select opportunity_id from {{ ref('ml_open_deals__features') }})
),

users as (
    select * from {{ ref('stg_crm__users') }}
),

final as (
    select
        todays_actions.tmva_id as ai_external_id,
        todays_actions.opportunity_id as what_id,
        todays_actions.contact_id as who_id,
        todays_actions.owner_id,
        todays_actions.action_title as subject,
        case todays_actions.action_type
            when 'call' then 'Call'
            when 'email' then 'Email'
            else 'Other'
        end as type,
        'Open' as status,
        case when todays_actions.action_rank = 1 then 'High' else 'Normal' end as priority,
        cast(
            timezone(coalesce(users.timezone, 'UTC'), todays_actions.recommended_at) as date
        ) as activity_date,
        concat_ws(chr(10) || chr(10), todays_actions.context, todays_actions.script) as description,
        todays_actions.action_type as ai_action_type,
        todays_actions.context as ai_context,
        todays_actions.script as ai_script,
        todays_actions.recommended_at as ai_recommended_at,
        todays_actions.expected_impact_amount as ai_expected_impact_amount,
        todays_actions.model_version as ai_model_version
    from todays_actions
    -- Never a task for an owner who is not an active CRM user: the TMVA engine routes such deals to
    -- the manager or holds them (actions/owners.py); this join keeps any other row out of the CRM.
    inner join users on todays_actions.owner_id = users.user_id and users.is_active
)

select * from final
