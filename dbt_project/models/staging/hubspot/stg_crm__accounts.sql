{% set raw_company = source('raw_hubspot', 'company') %}

with source as (
    select * from {{ raw_company }}
    where _deleted_at is null
),

deduped as (
    {{ latest_row_per_key('source', 'id', 'hs_lastmodifieddate desc, _extracted_at desc') }}
),

final as (
    select
        id as account_id,
        {{ clean_text('name') }} as account_name,
        {{ clean_text('industry') }} as industry,
        {{ clean_picklist(hubspot_property(raw_company, 'segment'), ['SMB', 'MM', 'ENT']) }} as segment,
        numberofemployees as employee_count,
        {{ clean_text(hubspot_property(raw_company, 'region')) }} as region,
        {{ clean_text('hubspot_owner_id') }} as owner_id,
        createdate as created_at,
        hs_lastmodifieddate as system_modstamp,
        _extracted_at as extracted_at
    from deduped
)

select * from final
