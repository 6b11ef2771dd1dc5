{#
    Deal history, cleaned. A table, incremental on the extract's _extracted_at like stg_crm__tasks:
    at the large preset it holds 1.5M rows (5 per deal), and int_opportunity_history_versioned,
    fct_win_loss and three tests read it on every run; as a view each read sorted all of it again
    to drop superseded versions. A run takes the raw rows extracted after the newest extracted_at
    here and replaces those history rows by key. The opportunity_id index serves the versioned
    model, which rebuilds only the deals whose history was extracted since its last run.
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
    select * from {{ source('raw_crm', 'opportunity_history') }}
    {%- if is_incremental() %}
    where {{ extracted_since_last_run('_extracted_at') }}
    {%- endif %}
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
