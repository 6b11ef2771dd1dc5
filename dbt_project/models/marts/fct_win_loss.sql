{#
    One row per closed deal (won or lost, closed before the as-of date): the outcome with what explains it, for win/loss
    analysis by segment, lead source, furthest open stage reached, cycle length and loss
    reason. Won/lost and stage order come from the stage table, never from stage names.
#}
with opportunities as (
    select * from {{ ref('stg_crm__opportunities') }}
),

stages as (
    select * from {{ ref('stg_crm__opportunity_stages') }}
),

accounts as (
    select * from {{ ref('stg_crm__accounts') }}
),

users as (
    select * from {{ ref('stg_crm__users') }}
),

furthest_stages as (
    -- The furthest OPEN stage in the deal's history: a lost deal's last open stage is where it died.
    select
        history.opportunity_id,
        history.stage_name as furthest_stage_name,
        stages.sort_order as furthest_stage_sort_order,
        row_number() over (
            partition by history.opportunity_id order by stages.sort_order desc, history.created_at desc
        ) as furthest_rank
    from {{ ref('stg_crm__opportunity_history') }} as history
    inner join stages on history.stage_name = stages.stage_name
    where not stages.is_closed
),

pushes as (
    select opportunity_id, max(close_date_push_count) as close_date_push_count
    from {{ ref('int_opportunity_history_versioned') }}
    group by opportunity_id
),

final as (
    select
        opportunities.opportunity_id,
        opportunities.owner_id,
        opportunities.account_id,
        coalesce(accounts.segment, users.segment) as segment,
        opportunities.opportunity_type,
        opportunities.lead_source,
        case when stages.is_won then 'won' else 'lost' end as outcome,
        stages.is_won,
        opportunities.amount,
        {{ utc_date('opportunities.created_at') }} as created_date,
        opportunities.closed_date,
        {{ fiscal_quarter_label('opportunities.closed_date') }} as closed_fiscal_quarter,
        {{ dbt.datediff(utc_date('opportunities.created_at'), 'opportunities.closed_date', 'day') }}
            as cycle_length_days,
        furthest_stages.furthest_stage_name,
        furthest_stages.furthest_stage_sort_order,
        coalesce(pushes.close_date_push_count, 0) as close_date_push_count,
        case when not stages.is_won then opportunities.loss_reason end as loss_reason
    from opportunities
    inner join stages on opportunities.stage_name = stages.stage_name
    left join accounts on opportunities.account_id = accounts.account_id
    left join users on opportunities.owner_id = users.user_id
    left join furthest_stages
        on opportunities.opportunity_id = furthest_stages.opportunity_id and furthest_stages.furthest_rank = 1
    left join pushes on opportunities.opportunity_id = pushes.opportunity_id
    where stages.is_closed and opportunities.closed_date < {{ as_of_date() }}
)

select * from final
