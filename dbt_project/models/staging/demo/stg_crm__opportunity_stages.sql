with source as (
    select * from {{ source('raw_crm', 'opportunity_stage') }}
),

deduped as (
    {{ latest_row_per_key('source', 'stage_name', 'system_modstamp desc, _extracted_at desc') }}
),

final as (
    select
        -- Trimmed only, never re-cased: stage names are the join key to opportunities and
        -- their history, which get the same treatment.
        trim(stage_name) as stage_name,
        sort_order,
        is_closed,
        is_won,
        -- The CRM stores percent (Salesforce convention); everything downstream uses 0-1.
        cast(default_probability as {{ dbt.type_float() }}) / 100 as default_probability,
        {{ clean_picklist('forecast_category', ['Pipeline', 'Best Case', 'Commit', 'Closed', 'Omitted']) }}
            as forecast_category,
        system_modstamp,
        _extracted_at as extracted_at
    from deduped
)

select * from final
