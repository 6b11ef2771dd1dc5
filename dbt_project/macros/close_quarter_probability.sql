{#
    A deal's probability of being won inside its close date's fiscal quarter, from one scoring row: the
    quarter-win model's p_won_in_quarter when that quarter is the one the deal was scored in (the same event,
    and the probability the AI forecast counts), else p_win x (1 - p_slip) (p_close_in_quarter). On the demo's
    backtest the quarter-win model is the better calibrated of the two for deals dated inside the quarter
    (seed 7, 2026-Q2: their amounts x p_won_in_quarter summed to 55M, x p_close_in_quarter to 80M, for 57M won),
    so the CRM field, the AI forecast category and the forecast agree on such a deal. Null without either.
#}
{% macro close_quarter_probability(scores, close_date_in_scored_quarter) -%}
    case
        when {{ close_date_in_scored_quarter }}
            then coalesce({{ scores }}.p_won_in_quarter, {{ scores }}.p_close_in_quarter)
        else {{ scores }}.p_close_in_quarter
    end
{%- endmacro %}
