{#
    Past sales activity on deals: completed tasks (calls, emails, other) and meetings, one row
    each, with the date it happened and the date the CRM knew of it. Momentum's own TMVA tasks
    are left out: they are advice, and counting them would feed the model its own output.
#}
with tasks as (
    select * from {{ ref('stg_crm__tasks') }}
    where is_completed and not is_momentum_task and opportunity_id is not null
),

events as (
    select * from {{ ref('stg_crm__events') }}
    where opportunity_id is not null
),

unioned as (
    select
        'task' as activity_source,
        task_id as activity_id,
        opportunity_id,
        contact_id,
        owner_id,
        subject,
        coalesce(completed_at, timezone('UTC', cast(activity_date as timestamp))) as activity_at,
        coalesce({{ utc_date('completed_at') }}, activity_date) as activity_date,
        created_at,
        case when is_call then 'call' when is_email then 'email' else 'other' end as activity_kind,
        is_connected_call
    from tasks

    union all

    select
        'event' as activity_source,
        event_id as activity_id,
        opportunity_id,
        contact_id,
        owner_id,
        subject,
        start_at as activity_at,
        {{ utc_date('start_at') }} as activity_date,
        created_at,
        'meeting' as activity_kind,
        false as is_connected_call
    from events
),

final as (
    select
        *,
        -- A call logged two days late was unknown until it was logged: point-in-time features
        -- count an activity only from the later of the two dates.
        greatest(activity_date, {{ utc_date('created_at') }}) as known_date
    from unioned
    where activity_date is not null
)

select * from final
