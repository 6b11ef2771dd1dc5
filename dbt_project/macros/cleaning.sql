{#
    Small cleaning helpers used by the staging models, so every source column is cleaned the
    same way.
#}

{# Trimmed text, with blanks ('', '  ') as null: CRMs store "cleared" fields as empty strings. #}
{% macro clean_text(column) -%}
    nullif(trim({{ column }}), '')
{%- endmacro %}

{#
    A picklist value in its canonical spelling. Matching is case- and space-insensitive
    (' smb' -> 'SMB', 'left voicemail' -> 'Left Voicemail'); values outside the list are kept,
    trimmed, so a new picklist value in the CRM shows up instead of vanishing. initcap() is
    not used because it breaks acronyms ('SMB' -> 'Smb', 'VP' -> 'Vp').
#}
{% macro clean_picklist(column, canonical_values) -%}
    case lower(trim({{ column }}))
        {%- for value in canonical_values %}
        when '{{ value | lower }}' then '{{ value }}'
        {%- endfor %}
        else {{ clean_text(column) }}
    end
{%- endmacro %}

{#
    An IANA time zone name, or null when Postgres does not know it: a single bad value
    ('EST5', 'America/New_york') would otherwise make every `at time zone` query fail.
#}
{% macro valid_timezone(column) -%}
    case
        when {{ clean_text(column) }} in (select name from pg_catalog.pg_timezone_names)
            then {{ clean_text(column) }}
    end
{%- endmacro %}

{# The UTC calendar date of a timestamptz, independent of the session's time zone. #}
{% macro utc_date(column) -%}
    cast(timezone('UTC', {{ column }}) as date)
{%- endmacro %}

{# The day after a date, as a date (dateadd returns a timestamp on Postgres). #}
{% macro next_day(date_expr) -%}
    cast({{ dbt.dateadd('day', 1, date_expr) }} as date)
{%- endmacro %}
