{#
    The incremental per-snapshot models (int_opportunities_spined_weekly, the int_snapshot_*
    aggregates, int_rep_win_rates_trailing, fct_deal_snapshots, fct_pipeline_changes) share one rule: an as-of date is
    the unit of work. A run deletes the dates it recomputes (pre-hook), then builds every spine
    date its table lacks; a full refresh builds all of them. So an incremental run ends with the
    rows a full refresh would write, except where the CRM rewrote the past (see each model).

    Why dates can change after they were built, and so the lookback:
    - closed_date is typed by reps and often backdated a few days (won on Friday, entered on
      Monday): it moves the rep win rate of the dates just before. var('snapshot_lookback_days')
      = 7 days of dates are recomputed on every run (the last Monday, the previous today).
    - The previous run's "today" row must lose is_current (or leave the spine when it was not a
      Monday). The window therefore also starts no later than the newest date already built,
      so a job that did not run for 10 days still recomputes its last today.
    - Dates that left the spine (a Monday past the 52-week window that is not one of the
      training history's one-in-four, a non-Monday today once it is yesterday) are deleted.
#}

{# The date rows of `relation` are recomputed from: 7 days back, or the newest date built. #}
{% macro snapshot_rebuild_from_date(relation) -%}
    least(
        cast({{ dbt.dateadd('day', -var('snapshot_lookback_days'), as_of_date()) }} as date),
        coalesce((select max(as_of_date) from {{ relation }}), {{ as_of_date() }})
    )
{%- endmacro %}

{#
    Pre-hook: the rows of the dates this run recomputes, and of dates no longer in the spine.
    Runs in the model's transaction, so a failed build keeps the old rows. A model of periods
    between consecutive dates (fct_pipeline_changes) has no rows on the spine's first date:
    first_date_has_rows=false deletes them once the window slides and that date becomes first.
    spine_where narrows the spine (fct_pipeline_changes: 'is_weekly', the weekly calendar only).
#}
{% macro delete_snapshot_dates_to_rebuild(spine, first_date_has_rows=true, spine_where='true') -%}
    {%- if is_incremental() and documented_columns_missing(this) -%}
    {#- A new Momentum version added a column: rebuild every date (on_schema_change adds the column), so
        old rows never hold null where a new row holds a value and no one has to run a full refresh. -#}
    delete from {{ this }}
    {%- elif is_incremental() -%}
    delete from {{ this }}
    where as_of_date >= {{ snapshot_rebuild_from_date(this) }}
        or as_of_date not in (select as_of_date from {{ spine }} where {{ spine_where }})
        {%- if not first_date_has_rows %}
        or as_of_date = (select min(as_of_date) from {{ spine }} where {{ spine_where }})
        {%- endif %}
    {%- endif -%}
{%- endmacro %}

{#
    The spine dates this model builds in this run: all on a full refresh, else those its table
    lacks (after the pre-hook: the recomputed window, plus any date a skipped or failed run left out).
    Use as `where as_of_date in ({{ snapshot_dates_to_build() }})`.
#}
{% macro snapshot_dates_to_build() -%}
    select as_of_date from {{ ref('int_as_of_dates') }}
    {%- if is_incremental() %}
    where as_of_date not in (select distinct as_of_date from {{ this }})
    {%- endif %}
{%- endmacro %}

{#
    Post-hook of fct_deal_snapshots: labels of existing rows that changed since they were
    written (deals closed since). A no-op after a full refresh. The labels come straight from
    the deals' outcomes and each row's own close date (macros/snapshot_labels.sql), not from
    int_snapshots_labelled: that view labels every spine row again, and joining it to the table
    cost 13.9 s a run at the large preset (2.1M rows) against 3.6 s this way. A deal no longer in
    the CRM (its history in `versions`, no opportunity row) loses its labels, as a full refresh
    (left join to the outcomes) would leave them: 1.0 s, as those few deals are found in the
    versions first (an anti-join of every labelled row with the opportunities took 3.7 s).
#}
{% macro refresh_snapshot_labels(snapshots, opportunities, stages, versions) -%}
    {%- set slipped = label_slipped('outcomes.label_won', 'outcomes.closed_date', 'snapshots.close_date') -%}
    update {{ snapshots }} as snapshots
    set label_won = outcomes.label_won, label_slipped = {{ slipped }}
    from ({{ deal_outcomes(opportunities, stages) }}) as outcomes
    where snapshots.opportunity_id = outcomes.opportunity_id
        and (
            snapshots.label_won is distinct from outcomes.label_won
            or snapshots.label_slipped is distinct from {{ slipped }}
        );
    update {{ snapshots }} as snapshots
    set label_won = null, label_slipped = null
    where (snapshots.label_won is not null or snapshots.label_slipped is not null)
        and snapshots.opportunity_id in (
            select versions.opportunity_id from {{ versions }} as versions
            where not exists (
                select 1 from {{ opportunities }} as opportunities
                where opportunities.opportunity_id = versions.opportunity_id
            )
        )
{%- endmacro %}

{#
    Extract-time increments (stg_crm__tasks, int_activities_unioned): rows the extract loaded after
    the newest load this table has seen. Strictly after: the extract stamps every row of a load with
    its transaction's time and loads run one after the other, so a later load has a later stamp;
    ">=" would read the previous load again, which after a full extract is every row (measured: all
    540k tasks re-read, 40 s, on the first daily run after a full build at a tenth of large).
    Every row is read once where the table lacks extracted_at or a column its YAML documents (an
    upgrade added it): the rows it already holds would otherwise keep null there.
#}
{% macro extracted_since_last_run(column) -%}
    {%- if has_extracted_at(this) and not documented_columns_missing(this) -%}
    {#- One scalar bound (no OR), so an index on the column can serve it; 1900 when the table is empty. -#}
    {{ column }} > coalesce(
        (select max(built.extracted_at) from {{ this }} as built),
        cast('1900-01-01' as {{ dbt.type_timestamp() }})
    )
    {%- else -%}
    true
    {%- endif -%}
{%- endmacro %}

{% macro has_extracted_at(relation) -%}
    {{ return('extracted_at' in adapter.get_columns_in_relation(relation) | map(attribute='name') | list) }}
{%- endmacro %}

{#
    Pre-hook of int_activities_unioned: the activities whose task or event was extracted again (all
    of them in a table built before the model had extracted_at or another documented column, which
    on_schema_change then adds).
#}
{% macro delete_activities_extracted_again(tasks, events) -%}
    {%- if is_incremental() and (not has_extracted_at(this) or documented_columns_missing(this)) -%}
    {#- Rebuilt whole: extracted_since_last_run then reads every row (no extracted_at, or an empty table). -#}
    delete from {{ this }}
    {%- elif is_incremental() -%}
    {#- = any(array(...)), not in (...): the planner cannot know how few rows were extracted since the
        last run, guesses a third of the table, and for `in` gives up hashing and rescans that guess for
        every activity (287 s at the large preset); an array is built once and probed through the
        unique index (1.4 s). -#}
    delete from {{ this }}
    where (activity_source = 'task' and activity_id = any(array(
            select task_id from {{ tasks }} where {{ extracted_since_last_run('extracted_at') }})))
        or (activity_source = 'event' and activity_id = any(array(
            select event_id from {{ events }} where {{ extracted_since_last_run('extracted_at') }})))
    {%- endif -%}
{%- endmacro %}

{# Columns the model's YAML documents that its table does not have yet (an upgrade added them). #}
{% macro documented_columns_missing(relation) -%}
    {%- set existing = adapter.get_columns_in_relation(relation) | map(attribute='name') | list -%}
    {{ return(model.columns.keys() | reject('in', existing) | list) }}
{%- endmacro %}
