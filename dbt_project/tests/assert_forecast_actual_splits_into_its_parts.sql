{#
    Once a quarter is over, its actual is exactly closed-won so far + what the pipeline won + what pulled-in
    deals won + what deals not created yet won (int_forecast_rep_weeks): the backtest report measures each part
    of the AI forecast against these, so a row where they do not add up is a bug in the split. Company level:
    a rep's parts follow the deal's owner on the date, the actual its owner today.
#}
select forecast_snapshot_id
from {{ ref('fct_forecast_snapshots') }}
where forecast_level = 'company'
    and is_quarter_complete
    and abs(
        closed_won_amount + pipeline_won_amount + pull_in_won_amount + not_yet_created_won_amount
        - quarter_closed_won_amount
    ) > 0.01
