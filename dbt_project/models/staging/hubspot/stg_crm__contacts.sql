{#
    A table, rebuilt whole on every run, as staging/demo/stg_crm__contacts.sql says why.
#}
{{ config(materialized='table', post_hook="{{ analyze_table() }}") }}

{% set raw_contact = source('raw_hubspot', 'contact') %}

with source as (
    select * from {{ raw_contact }}
    where _deleted_at is null
),

deduped as (
    {{ latest_row_per_key('source', 'id', 'lastmodifieddate desc, _extracted_at desc') }}
),

final as (
    select
        id as contact_id,
        -- The contact's primary company.
        {{ clean_text('associatedcompanyid') }} as account_id,
        {{ clean_text('firstname') }} as first_name,
        {{ clean_text('lastname') }} as last_name,
        nullif(concat_ws(' ', {{ clean_text('firstname') }}, {{ clean_text('lastname') }}), '') as contact_name,
        lower({{ clean_text('email') }}) as email,
        {{ clean_text('jobtitle') }} as title,
        {{ clean_picklist(hubspot_property(raw_contact, 'seniority'), ['IC', 'Manager', 'Director', 'VP', 'C-Level']) }}
            as seniority,
        {{ clean_text(hubspot_property(raw_contact, 'department')) }} as department,
        {{ valid_timezone(hubspot_property(raw_contact, 'time_zone')) }} as timezone,
        createdate as created_at,
        lastmodifieddate as system_modstamp,
        _extracted_at as extracted_at
    from deduped
)

select * from final
