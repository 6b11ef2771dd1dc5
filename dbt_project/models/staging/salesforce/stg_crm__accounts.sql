{% set raw_account = source('raw_salesforce', 'account') %}

with source as (
    select * from {{ raw_account }}
    -- Deleted in the org (the extract stamps _deleted_at): gone from every model built on today's CRM.
    where _deleted_at is null
),

deduped as (
    {{ latest_row_per_key('source', 'left(id, 15)', 'systemmodstamp desc, _extracted_at desc') }}
),

final as (
    select
        {{ salesforce_id('id') }} as account_id,
        {{ clean_text('name') }} as account_name,
        {{ clean_text('industry') }} as industry,
        -- Segment__c and Region__c are custom fields Momentum suggests: null in an org without them.
        {{ clean_picklist(salesforce_field(raw_account, 'Segment__c'), ['SMB', 'MM', 'ENT']) }} as segment,
        numberofemployees as employee_count,
        {{ clean_text(salesforce_field(raw_account, 'Region__c')) }} as region,
        {{ salesforce_id('ownerid') }} as owner_id,
        createddate as created_at,
        systemmodstamp as system_modstamp,
        _extracted_at as extracted_at
    from deduped
)

select * from final
