{#
    Rows where the column is NaN or +-Infinity. PostgreSQL's numeric and float hold both, and
    every range check passes them (NaN >= 0 is true: NaN sorts above every number), so one NaN
    amount would turn every forecast sum it joins into NaN with no other test firing.
#}
{% test finite(model, column_name) %}
select {{ column_name }}
from {{ model }}
where cast({{ column_name }} as double precision) in ('NaN', 'Infinity', '-Infinity')
{% endtest %}
