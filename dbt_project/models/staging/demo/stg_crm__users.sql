with source as (
    select * from {{ source('raw_crm', 'user') }}
    -- Deleted in the CRM (the extract stamps _deleted_at): gone from every model built on today's CRM.
    where _deleted_at is null
),

deduped as (
    -- The extract appends changed rows; the latest modstamp is the user's current state.
    {{ latest_row_per_key('source', 'user_id', 'system_modstamp desc, _extracted_at desc') }}
),

final as (
    select
        user_id,
        {{ clean_text('name') }} as user_name,
        lower({{ clean_text('email') }}) as email,
        {{ clean_picklist('role', ['Account Executive', 'Sales Manager']) }} as role,
        {{ clean_text('manager_id') }} as manager_id,
        {{ clean_text('team') }} as team,
        {{ clean_picklist('segment', ['SMB', 'MM', 'ENT']) }} as segment,
        {{ valid_timezone('timezone') }} as timezone,
        is_active,
        created_date as created_at,
        system_modstamp,
        _extracted_at as extracted_at
    from deduped
)

select * from final
