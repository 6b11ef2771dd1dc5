{#
    Buying-committee features per deal snapshot, from contact roles created before the as-of
    date (the CRM at the start of that day). (The CRM does not keep deleted roles, so a role removed later is missed.)

    Incremental by as-of date like int_opportunities_spined_weekly (7-day lookback, a date is
    rebuilt whole): role creation stamps are the CRM's, not typed, so no role can reach a date
    after that date was built.
#}
{{
    config(
        materialized='incremental',
        incremental_strategy='delete+insert',
        unique_key='as_of_date',
        on_schema_change='append_new_columns',
        pre_hook="{{ delete_snapshot_dates_to_rebuild(ref('int_as_of_dates')) }}",
    )
}}
with snapshots as (
    select opportunity_id, as_of_date from {{ ref('int_opportunities_spined_weekly') }}
    where as_of_date in ({{ snapshot_dates_to_build() }})
),

contact_roles as (
    select * from {{ ref('stg_crm__opportunity_contact_roles') }}
),

final as (
    select
        snapshots.opportunity_id,
        snapshots.as_of_date,
        coalesce({{ dbt.bool_or('contact_roles.is_economic_buyer') }}, false) as has_economic_buyer,
        coalesce({{ dbt.bool_or('contact_roles.is_champion') }}, false) as has_champion,
        count(distinct contact_roles.contact_id) as contact_role_count
    from snapshots
    left join contact_roles
        on snapshots.opportunity_id = contact_roles.opportunity_id
        and {{ utc_date('contact_roles.created_at') }} < snapshots.as_of_date
    group by snapshots.opportunity_id, snapshots.as_of_date
)

select * from final
