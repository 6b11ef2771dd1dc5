{#
    The deal pipelines' stages. What a stage means comes from its metadata (macros/hubspot.sql,
    hubspot_stages). HubSpot stages carry no forecast category: closed stages read Closed (won) or
    Omitted (lost), open ones none, so a deal's own hs_forecast_category is what the forecast reads.
#}
with stages as (
    {{ hubspot_stages() }}
),

final as (
    select
        stage_name,
        sort_order,
        is_closed,
        is_won,
        cast(probability as {{ dbt.type_float() }}) as default_probability,
        case when is_won then 'Closed' when is_closed then 'Omitted' end as forecast_category,
        updatedat as system_modstamp,
        _extracted_at as extracted_at
    from stages
)

select * from final
