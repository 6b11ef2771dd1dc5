{#
    The backtest's deal scores (ml/backtest/store.py). The table appears with the first backtest run, so
    before it this view is empty rather than an error: a morning run on a new warehouse still builds.
#}
{%- set backtest = source('ml', 'deal_scores_backtest') %}
{%- set relation = adapter.get_relation(backtest.database, backtest.schema, backtest.identifier) if execute else none %}

{%- if relation is not none %}
select
    opportunity_id,
    as_of_date,
    cast(p_win as double precision) as p_win,
    cast(p_slip as double precision) as p_slip,
    cast(p_close_in_quarter as double precision) as p_close_in_quarter,
    {#- A table written before the quarter-win model has no p_won_in_quarter until the next backtest adds it. #}
    {%- if 'p_won_in_quarter' in adapter.get_columns_in_relation(relation) | map(attribute='name') | list %}
    cast(p_won_in_quarter as double precision) as p_won_in_quarter,
    {%- else %}
    cast(null as double precision) as p_won_in_quarter,
    {%- endif %}
    score_source,
    trained_as_of,
    backtest_run_id
from {{ backtest }}
{%- else %}
select
    cast(null as {{ dbt.type_string() }}) as opportunity_id,
    cast(null as date) as as_of_date,
    cast(null as double precision) as p_win,
    cast(null as double precision) as p_slip,
    cast(null as double precision) as p_close_in_quarter,
    cast(null as double precision) as p_won_in_quarter,
    cast(null as {{ dbt.type_string() }}) as score_source,
    cast(null as date) as trained_as_of,
    cast(null as {{ dbt.type_string() }}) as backtest_run_id
where false
{%- endif %}
