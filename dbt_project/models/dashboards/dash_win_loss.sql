{#
    Win-loss by one dimension at a time (leadership's dashboard, Win-loss): fct_win_loss counted per fiscal
    quarter closed, rep and segment for each of segment, lead source, deal type, rep and furthest open stage
    reached. Every measure is a count or a sum, so the page adds up the rows its filters select and divides
    (win rate = won_count / closed_count, mean cycle = cycle_days_sum / closed_count).
#}
with win_loss as (
    select * from {{ ref('fct_win_loss') }}
),

reps as (
    select * from {{ ref('dim_reps') }}
),

deals as (
    select
        win_loss.*,
        reps.rep_name,
        coalesce(reps.team, '(no team)') as team
    from win_loss
    left join reps on win_loss.owner_id = reps.user_id
),

by_dimension as (
    {% set dimensions = {
        'segment': 'segment',
        'lead_source': 'lead_source',
        'opportunity_type': 'opportunity_type',
        'rep': 'rep_name',
        'furthest_stage': 'furthest_stage_name',
    } %}
    {% for dimension, column in dimensions.items() %}
    select
        '{{ dimension }}' as dimension,
        coalesce(cast({{ column }} as text), '(none)') as dimension_value,
        {{ 'min(furthest_stage_sort_order)' if dimension == 'furthest_stage' else 'null::integer' }}
            as dimension_sort_order,
        closed_fiscal_quarter,
        owner_id,
        rep_name,
        team,
        segment,
        count(*) as closed_count,
        count(*) filter (where is_won) as won_count,
        count(*) filter (where not is_won) as lost_count,
        coalesce(sum(amount) filter (where is_won), 0) as won_amount,
        coalesce(sum(amount) filter (where not is_won), 0) as lost_amount,
        coalesce(sum(cycle_length_days), 0) as cycle_days_sum
    from deals
    group by 1, 2, 4, 5, 6, 7, 8
    {% if not loop.last %}union all{% endif %}
    {% endfor %}
)

select * from by_dimension
