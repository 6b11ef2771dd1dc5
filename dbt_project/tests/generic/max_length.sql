{#
    Rows whose text is longer than a CRM text field holds (255 characters by default): the CRM would refuse
    the record, or cut the text mid-word.
#}
{% test max_length(model, column_name, max_length=255) %}
select {{ column_name }}
from {{ model }}
where length({{ column_name }}) > {{ max_length }}
{% endtest %}
