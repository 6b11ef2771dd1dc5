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
        factors_against
    from deduped
)

select * from final
