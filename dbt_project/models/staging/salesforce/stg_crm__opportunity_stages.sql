{% set raw_stage = source('raw_salesforce', 'opportunitystage') %}

with source as (
    select * from {{ raw_stage }}
),

deduped as (
    {{ latest_row_per_key('source', 'left(id, 15)', 'systemmodstamp desc, _extracted_at desc') }}
),

final as (
    select
        -- The name Opportunity.StageName and OpportunityHistory.StageName hold: the picklist value's API
        -- name, which stays when an admin relabels the stage (MasterLabel, the label, when the org or
        -- export gives no ApiName). Trimmed only, never re-cased: it is the join key to the deals.
        coalesce({{ clean_text(salesforce_field(raw_stage, 'ApiName')) }}, trim(masterlabel)) as stage_name,
        sortorder as sort_order,
        isclosed as is_closed,
        iswon as is_won,
        -- Salesforce stores percent; everything downstream uses 0-1.
        cast(defaultprobability as {{ dbt.type_float() }}) / 100 as default_probability,
        {{ clean_picklist('forecastcategoryname', ['Pipeline', 'Best Case', 'Commit', 'Closed', 'Omitted']) }}
            as forecast_category,
        systemmodstamp as system_modstamp,
        _extracted_at as extracted_at
    from deduped
)

select * from final
