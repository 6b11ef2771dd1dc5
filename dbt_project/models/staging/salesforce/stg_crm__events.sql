{#
    A table, rebuilt whole on every run, as staging/demo/stg_crm__events.sql says why.
#}
{{ config(materialized='table', post_hook="{{ analyze_table() }}") }}

with source as (
    select * from {{ source('raw_salesforce', 'event') }}
),

deduped as (
    {{ latest_row_per_key('source', 'left(id, 15)', 'systemmodstamp desc, _extracted_at desc') }}
),

final as (
    select
        {{ salesforce_id('id') }} as event_id,
        -- WhatId may name an account, a case or a campaign too: only an opportunity's ('006') is a deal's.
        {{ salesforce_id_of('whatid', '006') }} as opportunity_id,
        -- WhoId names a contact ('003') or a lead ('00Q'): only contacts are in the contract.
        {{ salesforce_id_of('whoid', '003') }} as contact_id,
        {{ salesforce_id('accountid') }} as account_id,
        {{ salesforce_id('ownerid') }} as owner_id,
        {{ clean_text('subject') }} as subject,
        {{ clean_picklist('type', ['Meeting', 'Demo', 'Onsite']) }} as event_type,
        startdatetime as start_at,
        enddatetime as end_at,
        {{ clean_text('description') }} as description,
        createddate as created_at,
        systemmodstamp as system_modstamp,
        _extracted_at as extracted_at
    from deduped
)

select * from final
