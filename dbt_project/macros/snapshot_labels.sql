{#
    The labels (docs/ARCHITECTURE.md, "As-of dates and labels"), defined once for the two places that write them:
    int_snapshots_labelled labels every snapshot, and fct_deal_snapshots' post-hook relabels
    the rows it already holds (macros/incremental_snapshots.sql, refresh_snapshot_labels).
#}

{# Each deal's final outcome: label_won 1 closed won, 0 closed lost, null while open. #}
{% macro deal_outcomes(opportunities, stages) -%}
    select
        opportunities.opportunity_id,
        opportunities.closed_date,
        case when stages.is_closed then case when stages.is_won then 1 else 0 end end as label_won
    from {{ opportunities }} as opportunities
    left join {{ stages }} as stages on opportunities.stage_name = stages.stage_name
{%- endmacro %}

{# Won deals only: 1 when the win came after the fiscal quarter that held the snapshot's close date. #}
{% macro label_slipped(label_won, closed_date, close_date) -%}
    case
        when {{ label_won }} = 1 and {{ closed_date }} is not null and {{ close_date }} is not null
            then case when {{ closed_date }} > {{ fiscal_quarter_end(close_date) }} then 1 else 0 end
    end
{%- endmacro %}
