{#
    A table, rebuilt whole on every run, as staging/demo/stg_crm__contacts.sql says why.
#}
{{ config(materialized='table', post_hook="{{ analyze_table() }}") }}

{% set raw_contact = source('raw_salesforce', 'contact') %}

with source as (
    select * from {{ raw_contact }}
    -- Deleted in the org (the extract stamps _deleted_at): gone from every model built on today's CRM.
    where _deleted_at is null
),

deduped as (
    {{ latest_row_per_key('source', 'left(id, 15)', 'systemmodstamp desc, _extracted_at desc') }}
),

final as (
    select
        {{ salesforce_id('id') }} as contact_id,
        {{ salesforce_id('accountid') }} as account_id,
        {{ clean_text('firstname') }} as first_name,
        {{ clean_text('lastname') }} as last_name,
        nullif(concat_ws(' ', {{ clean_text('firstname') }}, {{ clean_text('lastname') }}), '') as contact_name,
        lower({{ clean_text('email') }}) as email,
        {{ clean_text('title') }} as title,
        -- Seniority__c and Time_Zone__c are custom fields Momentum suggests: null in an org without them.
        {{ clean_picklist(salesforce_field(raw_contact, 'Seniority__c'), ['IC', 'Manager', 'Director', 'VP', 'C-Level']) }}
            as seniority,
        {{ clean_text('department') }} as department,
        {{ valid_timezone(salesforce_field(raw_contact, 'Time_Zone__c')) }} as timezone,
        createddate as created_at,
        systemmodstamp as system_modstamp,
        _extracted_at as extracted_at
    from deduped
)

select * from final
