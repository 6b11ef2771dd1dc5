{#
    A table, rebuilt whole on every run, as staging/demo/stg_crm__opportunity_contact_roles.sql says why.
#}
{{ config(materialized='table', post_hook="{{ analyze_table() }}") }}

with source as (
    select * from {{ source('raw_salesforce', 'opportunitycontactrole') }}
    -- Deleted in the org (the extract stamps _deleted_at): gone from every model built on today's CRM.
    where _deleted_at is null
),

deduped as (
    {{ latest_row_per_key('source', 'left(id, 15)', 'systemmodstamp desc, _extracted_at desc') }}
),

cleaned as (
    select
        {{ salesforce_id('id') }} as opportunity_contact_role_id,
        {{ salesforce_id('opportunityid') }} as opportunity_id,
        {{ salesforce_id('contactid') }} as contact_id,
        {{ clean_picklist('role', [
            'Economic Buyer', 'Champion', 'Decision Maker', 'Technical Buyer', 'Influencer'
        ]) }} as contact_role,
        isprimary as is_primary,
        createddate as created_at,
        systemmodstamp as system_modstamp,
        _extracted_at as extracted_at
    from deduped
),

final as (
    select
        *,
        {{ contact_role_flags() }}
    from cleaned
)

select * from final
