with source as (
    select * from {{ source('raw_crm', 'opportunity_history') }}
),

deduped as (
    {{ latest_row_per_key('source', 'history_id', 'system_modstamp desc, _extracted_at desc') }}
),

final as (
    select
        history_id,
        opportunity_id,
        created_date as created_at,
        trim(stage_name) as stage_name,
        amount,
        close_date,
        cast(probability as {{ dbt.type_float() }}) / 100 as probability,
        {{ clean_picklist('forecast_category', ['Pipeline', 'Best Case', 'Commit', 'Closed', 'Omitted']) }}
            as forecast_category,
        system_modstamp,
        _extracted_at as extracted_at
    from deduped
)

select * from final
