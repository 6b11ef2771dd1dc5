{#
    The as-of date of today's snapshot as a SQL date expression.

    var('as_of_date') is a 'YYYY-MM-DD' string passed with --vars; when it is unset the
    warehouse's current UTC date is used (not the session's time zone, which differs per server).
    A malformed value fails the compile instead of silently scoring the wrong day.
#}
{% macro as_of_date() -%}
    {%- set value = var('as_of_date', none) -%}
    {%- if value is none or value | string | trim == '' -%}
        cast(timezone('UTC', now()) as date)
    {%- else -%}
        {%- set text = value | string | trim -%}
        {%- if not modules.re.fullmatch('[0-9]{4}-[0-9]{2}-[0-9]{2}', text) -%}
            {{ exceptions.raise_compiler_error("var as_of_date must be 'YYYY-MM-DD', got '" ~ text ~ "'") }}
        {%- endif -%}
        cast('{{ text }}' as date)
    {%- endif -%}
{%- endmacro %}
