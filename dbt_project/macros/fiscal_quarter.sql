{#
    Fiscal quarters for var('fiscal_year_start_month') (1 = calendar quarters).

    Shifting the date back by (start month - 1) months maps the fiscal calendar onto the
    calendar one, where date_trunc('quarter') works; shifting forward again gives the
    fiscal quarter's first day. Example, start month 2 (Feb): 2026-01-15 -> 2025-12-15 ->
    quarter 2025-10-01 -> 2025-11-01, so Q = Nov-Jan and its last day is 2026-01-31.
#}
{% macro fiscal_quarter_start(date_expr) -%}
    {%- set shift = (var('fiscal_year_start_month') | int) - 1 -%}
    {%- if shift < 0 or shift > 11 -%}
        {{ exceptions.raise_compiler_error("var fiscal_year_start_month must be 1..12") }}
    {%- endif -%}
    cast(
        {{ dbt.dateadd('month', shift, dbt.date_trunc('quarter', dbt.dateadd('month', -shift, date_expr))) }}
        as date
    )
{%- endmacro %}

{% macro fiscal_quarter_end(date_expr) -%}
    cast({{ dbt.dateadd('day', -1, dbt.dateadd('month', 3, fiscal_quarter_start(date_expr))) }} as date)
{%- endmacro %}

{#
    The fiscal quarter's name as the CRM's forecast submissions spell it, e.g. '2026-Q3'. The
    fiscal year is named by the calendar year it starts in (start month 2: Feb 2026 - Jan 2027
    is '2026'), the convention of the demo CRM.
#}
{% macro fiscal_quarter_label(date_expr) -%}
    {%- set shift = (var('fiscal_year_start_month') | int) - 1 -%}
    {%- set shifted = dbt.dateadd('month', -shift, date_expr) -%}
    cast(extract(year from {{ shifted }}) as integer) || '-Q' || cast(extract(quarter from {{ shifted }}) as integer)
{%- endmacro %}
