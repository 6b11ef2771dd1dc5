{#
    The day Momentum's extracts first held each deal-to-contact association (the contact roles' first-extract
    date, which stg_crm__opportunity_contact_roles says how it uses). HubSpot keeps no date on an association,
    and raw_hubspot.deal_contact keeps only the latest extract of each (a re-extract of a deal replaces its
    rows), so this model remembers the first: append-only, an association already here keeps its day.

    The day is the as-of date of the run that first saw it (its extract and this model run together), or the
    extract's own day when earlier: the extract is stamped by the machine's clock, which a demo CRM's clock
    need not match. A run whose dbt failed after its extract leaves its associations to the next run's day,
    and a full refresh forgets every day (roles then date from the next run): later, never earlier.
#}
{{
    config(
        materialized='incremental',
        incremental_strategy='append',
        on_schema_change='fail',
        indexes=[{'columns': ['deal_contact_id'], 'unique': True}],
    )
}}

select
    id as deal_contact_id,
    deal_id,
    contact_id,
    least({{ utc_date('_extracted_at') }}, {{ as_of_date() }}) as first_seen_on
from {{ source('raw_hubspot', 'deal_contact') }} as raw
{% if is_incremental() %}
where not exists (select 1 from {{ this }} as seen where seen.deal_contact_id = raw.id)
{% endif %}
