{#
    One row per CRM account with its deals rolled up as of today: open pipeline, wins, losses
    and whether it is a customer (won at least once). Stage meaning comes from the stage table.
#}
with accounts as (
    select * from {{ ref('stg_crm__accounts') }}
),

opportunities as (
    select * from {{ ref('stg_crm__opportunities') }}
),

stages as (
    select * from {{ ref('stg_crm__opportunity_stages') }}
),

deal_rollups as (
    select
        opportunities.account_id,
        sum(case when not coalesce(stages.is_closed, false) then 1 else 0 end) as open_deal_count,
        sum(case when not coalesce(stages.is_closed, false) then opportunities.amount end) as open_pipeline_amount,
        sum(case when stages.is_won then 1 else 0 end) as won_deal_count,
        sum(case when stages.is_won then opportunities.amount end) as won_amount,
        sum(case when stages.is_closed and not stages.is_won then 1 else 0 end) as lost_deal_count,
        min(case when stages.is_won then opportunities.closed_date end) as first_won_date,
        max(case when stages.is_won then opportunities.closed_date end) as last_won_date
    from opportunities
    left join stages on opportunities.stage_name = stages.stage_name
    where opportunities.account_id is not null
    group by opportunities.account_id
),

final as (
    select
        accounts.account_id,
        accounts.account_name,
        accounts.industry,
        accounts.segment,
        accounts.employee_count,
        accounts.region,
        accounts.owner_id,
        accounts.created_at,
        coalesce(deal_rollups.open_deal_count, 0) as open_deal_count,
        coalesce(deal_rollups.open_pipeline_amount, 0) as open_pipeline_amount,
        coalesce(deal_rollups.won_deal_count, 0) as won_deal_count,
        coalesce(deal_rollups.won_amount, 0) as won_amount,
        coalesce(deal_rollups.lost_deal_count, 0) as lost_deal_count,
        deal_rollups.first_won_date,
        deal_rollups.last_won_date,
        coalesce(deal_rollups.won_deal_count, 0) > 0 as is_customer
    from accounts
    left join deal_rollups on accounts.account_id = deal_rollups.account_id
)

select * from final
