{#
    Post-hook of every intermediate and mart: fresh planner statistics before the next model
    joins the table (autovacuum would analyze it only later, and without statistics the planner
    guesses; see latest_row_per_key.sql for what a bad guess cost). Views have no statistics of
    their own, so they are skipped.
#}
{% macro analyze_table() -%}
    {%- if config.get('materialized') != 'view' -%}
        analyze {{ this }}
    {%- endif -%}
{%- endmacro %}
