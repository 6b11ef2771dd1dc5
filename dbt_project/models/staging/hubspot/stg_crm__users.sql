{#
    HubSpot owners. An owner carries no role, manager, segment or time zone: HubSpot keeps none, so
    those contract columns are null (advice to an inactive owner is then held, not sent to a manager).
#}
with source as (
    select * from {{ source('raw_hubspot', 'owner') }}
    where _deleted_at is null
),

deduped as (
    {{ latest_row_per_key('source', 'id', 'updatedat desc, _extracted_at desc') }}
),

final as (
    select
        id as user_id,
        nullif(concat_ws(' ', {{ clean_text('firstname') }}, {{ clean_text('lastname') }}), '') as user_name,
        lower({{ clean_text('email') }}) as email,
        cast(null as text) as role,
        cast(null as text) as manager_id,
        {{ clean_text('primary_team') }} as team,
        cast(null as text) as segment,
        cast(null as text) as timezone,
        -- A deactivated user is an archived owner; it still owns its deals.
        not archived as is_active,
        createdat as created_at,
        updatedat as system_modstamp,
        _extracted_at as extracted_at
    from deduped
)

select * from final
