"""Shorthands for marts and model outputs: rows per as-of date stable from week to week, and
exactly one row per row of another relation (one score per open deal)."""

from __future__ import annotations

import great_expectations as gx

from expectations.shorthand import unexpected_rows


def rows_per_date_stable(kwargs: dict, **_) -> gx.expectations.Expectation:
    """Each of the latest `last_dates` dates has between min_ratio and max_ratio times the rows of
    the date before it: open pipeline moves a few percent a week, a join that lost or doubled
    rows moves it by half or more."""
    column = kwargs["column"]
    last_dates, low, high = int(kwargs["last_dates"]), float(kwargs["min_ratio"]), float(kwargs["max_ratio"])
    query = (
        f"with batch as (select * from {{batch}}), per_date as (select {column} as snapshot_date, "
        f"count(*) as snapshot_rows from batch "
        f"group by {column}), ordered as (select snapshot_date, snapshot_rows, "
        f"lag(snapshot_rows) over (order by snapshot_date) as previous_rows, "
        f"row_number() over (order by snapshot_date desc) as recency from per_date) "
        f"select snapshot_date, snapshot_rows, previous_rows from ordered "
        f"where recency <= {last_dates} and previous_rows is not null "
        f"and (snapshot_rows < {low} * previous_rows or snapshot_rows > {high} * previous_rows)"
    )
    return unexpected_rows(
        query,
        name="momentum_rows_per_date_stable",
        column=column,
        description=f"rows per {column} between {low}x and {high}x the date before, on the last {last_dates} dates",
    )


def one_row_per_row_of(kwargs: dict, **_) -> gx.expectations.Expectation:
    """Exactly one validated row per row of `relation` (matched on `key`), on `relation`'s
    `date_column` date: every open deal scored once today, and nothing scored that is not open."""
    key, relation, date_column = kwargs["key"], kwargs["relation"], kwargs["date_column"]
    query = (
        f"with batch as (select * from {{batch}}), expected as (select {key}, {date_column} from {relation}), "
        f"found as (select b.{key}, count(*) as found_rows from batch b "
        f"where b.{date_column} in (select {date_column} from expected) group by b.{key}) "
        f"select coalesce(e.{key}, f.{key}) as {key}, coalesce(f.found_rows, 0) as found_rows, "
        f"e.{key} is not null as is_expected from expected e full join found f on f.{key} = e.{key} "
        f"where e.{key} is null or coalesce(f.found_rows, 0) <> 1"
    )
    return unexpected_rows(
        query,
        name="momentum_one_row_per_row_of",
        column=key,
        description=f"exactly one row per {key} of {relation}, on its {date_column}",
    )
