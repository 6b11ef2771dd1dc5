{# label_slipped is defined for deals that were finally won only; anything else is a labelling bug. #}
select snapshot_id
from {{ ref('fct_deal_snapshots') }}
where label_slipped is not null and coalesce(label_won, 0) <> 1
