{#
    Deal history, cleaned: incremental on the extract's _extracted_at, as
    staging/demo/stg_crm__opportunity_history.sql says why.

    OpportunityHistory gets a row when stage, amount, probability or close date change, each carrying the
    forecast category of that moment; a forecast category changed on its own writes none. Where the org
    tracks ForecastCategoryName (field history tracking), each such change is a row of
    OpportunityFieldHistory, and becomes a history row here: the new category, with the stage, amount,
    close date and probability of the deal's latest OpportunityHistory row before it. Without tracking,
    such a change is seen at the deal's next OpportunityHistory row, never before it happened: a
    point-in-time feature reads the category late, not today's value (`momentum crm check` says so).
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

category_changes as (
    select field_history.*
    from (
        {{ salesforce_optional_source('opportunityfieldhistory', {
            'id': 'text', 'opportunityid': 'text', 'field': 'text', 'newvalue': 'text', 'createddate': 'timestamptz',
        }) }}
    ) as field_history
    -- The editable field is ForecastCategoryName (labels); ForecastCategory (API values) is read alike, as
    -- which of the two an org's field history names is not confirmed by Salesforce's documentation.
    where field_history.field in ('ForecastCategoryName', 'ForecastCategory')
    {%- if is_incremental() %}
        and {{ extracted_since_last_run('field_history._extracted_at') }}
    {%- endif %}
),

category_changes_deduped as (
    {{ latest_row_per_key('category_changes', 'left(id, 15)', '_extracted_at desc') }}
),

-- The changed deals' history rows of every extract (not only this run's): the values a rebuilt row carries.
changed_deals_history as (
    {{ latest_row_per_key(
        "(select * from " ~ source('raw_salesforce', 'opportunityhistory')
        ~ " where left(opportunityid, 15) in (select left(opportunityid, 15) from category_changes_deduped)) as h",
        'left(id, 15)', 'systemmodstamp desc, _extracted_at desc') }}
),

events as (
    select left(opportunityid, 15) as deal, createddate, id, stagename, amount, closedate, probability,
        cast(null as text) as new_category, 0 as is_category_change, _extracted_at
    from changed_deals_history
    union all
    select left(opportunityid, 15), createddate, id, null, null, null, null, newvalue, 1, _extracted_at
    from category_changes_deduped
),

events_grouped as (
    select
        *,
        -- Each category change joins the group of the history row before it (the same moment counts as before).
        count(*) filter (where is_category_change = 0)
            over (partition by deal order by createddate, is_category_change, id) as history_group,
        -- A change OpportunityHistory recorded too (a stage change moving the category) is there already.
        bool_or(is_category_change = 0) over (partition by deal, createddate) as history_row_at_that_moment
    from events
),

rebuilt as (
    select
        changes.id,
        changes.deal as opportunityid,
        changes.createddate,
        max(changes.stagename) over carried as stagename,
        max(changes.amount) over carried as amount,
        max(changes.closedate) over carried as closedate,
        max(changes.probability) over carried as probability,
        {{ salesforce_forecast_category('changes.new_category') }} as forecast_category,
        changes.createddate as systemmodstamp,
        changes._extracted_at,
        changes.is_category_change,
        changes.history_row_at_that_moment
    from events_grouped as changes
    window carried as (partition by changes.deal, changes.history_group)
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
    union all
    select
        {{ salesforce_id('id') }},
        {{ salesforce_id('opportunityid') }},
        createddate,
        trim(stagename),
        amount,
        closedate,
        cast(probability as {{ dbt.type_float() }}) / 100,
        forecast_category,
        systemmodstamp,
        _extracted_at
    from rebuilt
    where is_category_change = 1 and not history_row_at_that_moment
)

select * from final
