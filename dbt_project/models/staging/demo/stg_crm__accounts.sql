with source as (
    select * from {{ source('raw_crm', 'account') }}
    -- Deleted in the CRM (the extract stamps _deleted_at): gone from every model built on today's CRM.
    where _deleted_at is null
),

deduped as (
    {{ latest_row_per_key('source', 'account_id', 'system_modstamp desc, _extracted_at desc') }}
),

final as (
    select
        account_id,
        {{ clean_text('name') }} as account_name,
        {{ clean_text('industry') }} as industry,
        {{ clean_picklist('segment', ['SMB', 'MM', 'ENT']) }} as segment,
        employees as employee_count,
        {{ clean_text('region') }} as region,
        {{ clean_text('owner_id') }} as owner_id,
        created_date as created_at,
        system_modstamp,
        _extracted_at as extracted_at
    from deduped
)

select * from final
