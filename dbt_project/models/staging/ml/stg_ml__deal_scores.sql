{%- set source_columns = adapter.get_columns_in_relation(source('ml', 'deal_scores')) | map(attribute='name') | list
    if execute else [] %}
with source as (
    select * from {{ source('ml', 'deal_scores') }}
),

deduped as (
    -- A re-run of scoring for the same day appends; the latest scored_at wins.
    {{ latest_row_per_key('source', 'opportunity_id, as_of_date', 'scored_at desc') }}
),

final as (
    select
        opportunity_id,
        as_of_date,
        cast(p_win as double precision) as p_win,
        score_source,
        model_name,
        model_version,
        top_factors_for,
        top_factors_against,
        scored_at,
        cast(p_slip as double precision) as p_slip,
        cast(p_close_in_quarter as double precision) as p_close_in_quarter,
        slip_model_version,
        factors_for,
        factors_against,
        {#- Scores written before the quarter-win model have no p_won_in_quarter until the next scoring adds it. #}
        {%- if 'p_won_in_quarter' in source_columns %}
        cast(p_won_in_quarter as double precision) as p_won_in_quarter
        {%- else %}
        cast(null as double precision) as p_won_in_quarter
        {%- endif %}
    from deduped
)

select * from final
