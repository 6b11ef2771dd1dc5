{#
    Data tests of the large incremental tables check the rows this run wrote, not every row.

    A daily run rewrites a few days of a 1.5M-row snapshot table, yet a plain `unique` test groups
    all of it: at the large preset the key tests of the per-snapshot models took about 50 s of a
    136 s incremental `dbt build` (measured 2026-12-01, bench/dbt_timings.py). Rows a run did not
    rewrite were tested by the run that wrote them and cannot have changed since (every write is a
    delete+insert by date or key). So a model opts in with `config: {meta: {test_scope: ...}}`:

    - `snapshot_dates_rebuilt`: rows whose as_of_date is in the lookback window the incremental
      snapshot models rebuild on every run (macros/incremental_snapshots.sql). After a pause of
      more than the window the run rebuilds older dates too; the same SQL built them, so a defect
      there shows on the dates in the window.
    - `newest_extract`: rows with the newest extracted_at, the ones the last extract brought in
      (tables incremental on extract time, whose keys also have a unique index).

    A full refresh (`--full-refresh`) tests every row, as does any test with its own `where`
    (`where: "true"` on the label tests of fct_deal_snapshots, whose post-hook rewrites labels of
    old dates too).
    This overrides dbt's get_where_subquery, which wraps the model of every generic test.
#}
{% macro get_where_subquery(relation) -%}
    {%- set where = config.get('where', '') or test_scope_condition(relation) -%}
    {%- if where -%}
        {%- set filtered -%}
            (select * from {{ relation }} where {{ where }}) dbt_subquery
        {%- endset -%}
        {%- do return(filtered) -%}
    {%- else -%}
        {%- do return(relation) -%}
    {%- endif -%}
{%- endmacro %}

{# The tested model's test_scope as a condition; '' to test every row. #}
{% macro test_scope_condition(relation) -%}
    {%- if flags.FULL_REFRESH or not execute -%}
        {%- do return('') -%}
    {%- endif -%}
    {%- set tested_node = graph.nodes.get(model.attached_node) if model.attached_node else none -%}
    {%- set scope = tested_node.config.meta.get('test_scope') if tested_node else none -%}
    {%- if scope == 'snapshot_dates_rebuilt' -%}
        {%- do return(
            'as_of_date >= cast(' ~ dbt.dateadd('day', -var('snapshot_lookback_days'), as_of_date()) ~ ' as date)'
        ) -%}
    {%- elif scope == 'newest_extract' -%}
        {%- do return('extracted_at = (select max(newest.extracted_at) from ' ~ relation ~ ' as newest)') -%}
    {%- elif scope -%}
        {%- do exceptions.raise_compiler_error(
            tested_node.name ~ ": unknown meta test_scope '" ~ scope ~ "' (snapshot_dates_rebuilt or newest_extract)"
        ) -%}
    {%- endif -%}
    {%- do return('') -%}
{%- endmacro %}
