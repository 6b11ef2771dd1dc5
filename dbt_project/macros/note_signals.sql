{#
    What a rep's activity note says about the deal, from phrases in it: 'risk' (the buyer went
    quiet, a competitor, no budget, the budget holder not engaged), 'commitment' (budget approved,
    an economic buyer or champion engaged, a verbal yes, contract redlines), else null. Risk wins
    when a note has both. The phrase lists are vars (dbt_project.yml), so a team can add the words
    its reps use; matching is case-insensitive `like`, which every warehouse has.
#}
{% macro note_signal(note_column) -%}
    case
        when {{ _note_mentions(note_column, var('note_risk_phrases')) }} then 'risk'
        when {{ _note_mentions(note_column, var('note_commitment_phrases')) }} then 'commitment'
    end
{%- endmacro %}

{% macro _note_mentions(note_column, phrases) -%}
    (
    {%- for phrase in phrases %}
        {% if not loop.first %}or {% endif %}lower({{ note_column }}) like '%{{ phrase | lower | replace("'", "''") }}%'
    {%- endfor %}
    )
{%- endmacro %}
