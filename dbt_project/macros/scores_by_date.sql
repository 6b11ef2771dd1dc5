{#
    Each scored (deal, date) once: the morning job's scores on the dates it scored, the walk-forward
    backtest's on the others. `scores` and `backtest_scores` name relations or CTEs shaped like
    stg_ml__deal_scores and stg_ml__deal_scores_backtest; `columns` are the score columns wanted.
#}
{% macro scores_by_date(scores, backtest_scores, columns) -%}
    select opportunity_id, as_of_date, {{ columns | join(', ') }} from {{ scores }}
    union all
    select opportunity_id, as_of_date, {{ columns | join(', ') }} from {{ backtest_scores }}
    where as_of_date not in (select as_of_date from {{ scores }})
{%- endmacro %}
