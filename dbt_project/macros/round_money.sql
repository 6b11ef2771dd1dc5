{#
    Money to the cent, as numeric(18, 2): probability-weighted sums are floats (10000 x 0.2 x 0.8 ...),
    and a fixed scale makes equal amounts print (and compare in unit tests) alike.
#}
{% macro round_money(expression) -%}
    cast({{ expression }} as numeric(18, 2))
{%- endmacro %}
