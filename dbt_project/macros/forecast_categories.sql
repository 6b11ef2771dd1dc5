{#
    How committed a forecast category is, lowest to highest (Salesforce's ForecastCategoryName order; staging
    spells every source's categories this way). Null for a category outside the picklist, so comparing it
    with another is unknown, never a raise.
#}
{% macro forecast_category_rank(column) -%}
    case {{ column }}
        when 'Omitted' then 0
        when 'Pipeline' then 1
        when 'Best Case' then 2
        when 'Commit' then 3
        when 'Closed' then 4
    end
{%- endmacro %}
