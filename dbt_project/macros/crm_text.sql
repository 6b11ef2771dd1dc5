{#
    A '; '-joined list of sentences cut to the CRM's text-field limit at a sentence boundary: the longest
    run of whole leading sentences that fits (a CRM text field of 255 characters refuses or truncates
    more). A first sentence longer than the limit on its own is cut to the limit with an ellipsis, so a
    value is never lost for being long. Null stays null.
#}
{% macro crm_sentences(column, max_length=255) %}
    case
        when {{ column }} is null then null
        when length({{ column }}) <= {{ max_length }} then {{ column }}
        else coalesce(
            (
                select string_agg(sentence, '; ' order by position)
                from (
                    select
                        sentence,
                        position,
                        sum(length(sentence) + 2) over (order by position) - 2 as length_so_far
                    from unnest(string_to_array({{ column }}, '; ')) with ordinality as s (sentence, position)
                ) as sentences
                where length_so_far <= {{ max_length }}
            ),
            left({{ column }}, {{ max_length }} - 1) || '…'
        )
    end
{% endmacro %}
