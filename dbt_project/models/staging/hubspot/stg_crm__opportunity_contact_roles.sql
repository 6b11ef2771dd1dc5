{#
    Contact roles are HubSpot's deal-to-contact associations: the role is the association's label
    (Economic Buyer, Champion, ...), `Primary` marks the primary contact. Each extract of a deal lands its
    whole set of contacts stamped with the deal's modified date, so the latest set is the deal's current
    one and a contact removed since is gone. HubSpot does not say when an association was made: a role
    counts from the deal's creation (where most roles are set; one added later counts in the deal's earlier
    snapshots too).

    A table, rebuilt whole on every run, as staging/demo/stg_crm__opportunity_contact_roles.sql says why.
#}
{{ config(materialized='table', post_hook="{{ analyze_table() }}") }}

with source as (
    select
        *,
        max(deal_lastmodifieddate) over (partition by deal_id) as latest_set
    from {{ source('raw_hubspot', 'deal_contact') }}
),

current_set as (
    select * from source where deal_lastmodifieddate = latest_set
),

deduped as (
    {{ latest_row_per_key('current_set', 'id', '_extracted_at desc') }}
),

deals as (
    {{ hubspot_live_deals() }}
),

contacts as (
    select id
    from (
        {{ latest_row_per_key(source('raw_hubspot', 'contact'), 'id', 'lastmodifieddate desc, _extracted_at desc') }}
    ) as latest
    where _deleted_at is null
),

cleaned as (
    select
        deduped.id as opportunity_contact_role_id,
        deduped.deal_id as opportunity_id,
        deduped.contact_id,
        {{ clean_picklist(
            "nullif(trim(both ';' from replace(';' || deduped.labels || ';', ';Primary;', ';')), '')",
            ['Economic Buyer', 'Champion', 'Decision Maker', 'Technical Buyer', 'Influencer']
        ) }} as contact_role,
        coalesce(';' || deduped.labels || ';' like '%;Primary;%', false) as is_primary,
        deals.createdate as created_at,
        deduped.deal_lastmodifieddate as system_modstamp,
        deduped._extracted_at as extracted_at
    from deduped
    inner join deals on deduped.deal_id = deals.id
    inner join contacts on deduped.contact_id = contacts.id
),

final as (
    select
        *,
        {{ contact_role_flags() }}
    from cleaned
)

select * from final
