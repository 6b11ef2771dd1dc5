{#
    Past sales activity on deals: completed tasks (calls, emails, other) and meetings, one row
    each, with the date it happened and the date the CRM knew of it. Momentum's own TMVA tasks
    are left out: they are advice, and counting them would feed the model its own output.

    Incremental on the extract time, like stg_crm__tasks (about 20 tasks per deal make this the
    largest intermediate): a run reads only the tasks and events extracted after the newest
    extracted_at here. The pre-hook first deletes every activity whose task or event was extracted
    again, so a task that changed and no longer counts (reopened, now Momentum's, moved off its
    deal) leaves; those that still count come back from the model, replaced by key. A table built
    before this model had extracted_at (or any other documented column) gets the column appended
    (on_schema_change) and is rebuilt whole by the pre-hook, so an existing warehouse needs no full
    refresh. The indexes serve the
    daily run: the newest extracted_at, and the few thousand activities replaced by key.
#}
{{
    config(
        materialized='incremental',
        unique_key=['activity_source', 'activity_id'],
        incremental_strategy='delete+insert',
        on_schema_change='append_new_columns',
        indexes=[
            {'columns': ['activity_source', 'activity_id'], 'unique': True},
            {'columns': ['extracted_at']},
        ],
        pre_hook="{{ delete_activities_extracted_again(ref('stg_crm__tasks'), ref('stg_crm__events')) }}",
    )
}}

with tasks as (
    select * from {{ ref('stg_crm__tasks') }}
    where is_completed and not is_momentum_task and opportunity_id is not null
        {%- if is_incremental() %}
        and {{ extracted_since_last_run('extracted_at') }}
        {%- endif %}
),

events as (
    select * from {{ ref('stg_crm__events') }}
    where opportunity_id is not null
        {%- if is_incremental() %}
        and {{ extracted_since_last_run('extracted_at') }}
        {%- endif %}
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
        is_connected_call,
        {{ note_signal('description') }} as note_signal,
        extracted_at
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
        false as is_connected_call,
        {{ note_signal('description') }} as note_signal,
        extracted_at
    from events
),

final as (
    select
        activity_source,
        activity_id,
        opportunity_id,
        contact_id,
        owner_id,
        subject,
        activity_at,
        activity_date,
        created_at,
        activity_kind,
        is_connected_call,
        note_signal,
        -- A call logged two days late was unknown until it was logged: point-in-time features
        -- count an activity only from the later of the two dates.
        greatest(activity_date, {{ utc_date('created_at') }}) as known_date,
        extracted_at
    from unioned
    where activity_date is not null
)

select * from final
