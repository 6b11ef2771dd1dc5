{#
    Folder = layer = schema: a model's custom schema (staging, intermediate, marts, reverse_etl) is
    used verbatim instead of dbt's default `<target_schema>_<custom>`, so the names analysts,
    Dagster and the reverse ETL see are the same in every environment.
#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {%- if custom_schema_name is none -%}
        {{ target.schema }}
    {%- else -%}
        {{ custom_schema_name | trim }}
    {%- endif -%}
{%- endmacro %}
