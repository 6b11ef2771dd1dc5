{#
    Deal history, cleaned: incremental on the extract's _extracted_at, as
    staging/demo/stg_crm__opportunity_history.sql says why.
#}
{{
    config(
        materialized='incremental',
        unique_key='history_id',
        incremental_strategy='delete+insert',
        on_schema_change='fail',
        indexes=[
            {'columns': ['history_id'], 'unique': True},
            {'columns': ['opportunity_id']},
            {'columns': ['extracted_at']},
        ],
        post_hook="{{ analyze_table() }}",
    )
}}

with source as (
    select * from {{ source('raw_salesforce', 'opportunityhistory') }}
    {%- if is_incremental() %}
    where {{ extracted_since_last_run('_extracted_at') }}
    {%- endif %}
),

deduped as (
    {{ latest_row_per_key('source', 'left(id, 15)', 'systemmodstamp desc, _extracted_at desc') }}
),

final as (
    select
        {{ salesforce_id('id') }} as history_id,
        {{ salesforce_id('opportunityid') }} as opportunity_id,
        createddate as created_at,
        trim(stagename) as stage_name,
        amount,
        closedate as close_date,
        cast(probability as {{ dbt.type_float() }}) / 100 as probability,
        -- The API value (BestCase, Forecast) as the label the contract uses (Best Case, Commit).
        {{ salesforce_forecast_category('forecastcategory') }} as forecast_category,
        systemmodstamp as system_modstamp,
        _extracted_at as extracted_at
    from deduped
)

select * from final
