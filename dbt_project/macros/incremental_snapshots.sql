{#
    Post-hooks of the incremental fct_deal_snapshots (see that model for why). Both are no-ops
    after a full refresh, so a full refresh and an incremental run end with the same table.
#}

{# Labels of existing rows that changed since they were written (deals closed since). #}
{% macro refresh_snapshot_labels(snapshots, labels) -%}
    update {{ snapshots }} as snapshots
    set label_won = labels.label_won, label_slipped = labels.label_slipped
    from {{ labels }} as labels
    where snapshots.opportunity_id = labels.opportunity_id
        and snapshots.as_of_date = labels.as_of_date
        and (
            snapshots.label_won is distinct from labels.label_won
            or snapshots.label_slipped is distinct from labels.label_slipped
        )
{%- endmacro %}

{#
    Rows the spine no longer has: the date left it (a non-Monday "today" once it is yesterday,
    the Monday past the 52-week window), or the deal was not open on that date after all (a
    deal closed later on the day its row was built as "today"). delete+insert only replaces
    keys the new rows carry, so these would otherwise stay behind.
#}
{% macro delete_snapshots_not_in_spine(snapshots, spine) -%}
    delete from {{ snapshots }} as snapshots
    where not exists (
        select 1 from {{ spine }} as spine
        where spine.opportunity_id = snapshots.opportunity_id and spine.as_of_date = snapshots.as_of_date
    )
{%- endmacro %}
