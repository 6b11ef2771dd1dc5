"""Momentum's shorthand expectations: each YAML entry `momentum_<name>` compiles to one native GX
expectation that runs as SQL in PostgreSQL (see expectations/shorthand.py).

They cover what GX has no expectation for: references as a share, volume against the previous
validation, freshness, columns the extract stopped receiving (raw data; Salesforce references by
their 15-character ids); rows per as-of date
and coverage of another relation (marts and scores); allow-listed columns, nulls over values the
CRM holds and the share of records changing (CRM payloads).
"""

from __future__ import annotations

import datetime as dt

from expectations import mart_extensions, payload_extensions, raw_extensions, salesforce_extensions
from expectations.as_of import warehouse_as_of_date

BUILDERS = {
    "momentum_references": raw_extensions.references,
    "momentum_volume_near_previous": raw_extensions.volume_near_previous,
    "momentum_fresh": raw_extensions.fresh,
    "momentum_source_columns_received": raw_extensions.source_columns_received,
    "momentum_salesforce_references": salesforce_extensions.salesforce_references,
    "momentum_rows_per_date_stable": mart_extensions.rows_per_date_stable,
    "momentum_one_row_per_row_of": mart_extensions.one_row_per_row_of,
    "momentum_payload_columns_allowed": payload_extensions.payload_columns_allowed,
    "momentum_no_null_over_crm_value": payload_extensions.no_null_over_crm_value,
    "momentum_change_share": payload_extensions.change_share,
}


def is_shorthand(expectation_type: str) -> bool:
    return expectation_type.startswith("momentum_")


def build_shorthand(
    expectation_type: str,
    kwargs: dict,
    *,
    warehouse_url: str,
    schema: str,
    table: str,
    suite: str,
    load_date: dt.date | None = None,
    released_syncs: frozenset[str] = frozenset(),
):
    """The native expectation for one YAML entry of `suite`, validating `schema.table` as loaded for
    `load_date` (the run's as-of date; default the warehouse's, expectations/as_of.py). `released_syncs`: the
    CRM syncs whose change-share guard this run releases (or runs dry), which the payload's check leaves alone."""
    if expectation_type not in BUILDERS:
        raise ValueError(f"unknown Momentum expectation {expectation_type!r}; known: {', '.join(BUILDERS)}")
    return BUILDERS[expectation_type](
        dict(kwargs),
        warehouse_url=warehouse_url,
        schema=schema,
        table=table,
        suite=suite,
        load_date=load_date or warehouse_as_of_date(warehouse_url),
        released_syncs=released_syncs,
    )


def resolve_relative_dates(kwargs: dict, load_date: dt.date) -> dict:
    """`{days_from_load_date: 3650}` as a bound becomes that many days after the load date (the as-of
    date of the run that extracted the rows), so plausible ranges neither rot as the CRM moves on nor
    depend on the machine's clock: a CRM whose today runs ahead of it (the demo CRM after `sim advance`,
    a source in a time zone east of UTC) creates records dated after the machine's today."""
    return {
        key: (load_date + dt.timedelta(days=value["days_from_load_date"])).isoformat()
        if isinstance(value, dict) and "days_from_load_date" in value
        else value
        for key, value in kwargs.items()
    }
