"""Shorthands for CRM payloads (the `sync_crm__*` relations a reverse-ETL mapping reads).

Each names its sync (`reverse_etl/mappings/<sync>.yml`), so the match key, the compared fields
and the CRM object come from the mapping instead of being repeated here. The CRM's current
values are read from the staging contract's model of the object: this morning's extract of the CRM,
Momentum's own fields included, under the same names whichever CRM it came from (raw_crm or
raw_salesforce), so the checks work the same for every source and destination.
"""

from __future__ import annotations

import great_expectations as gx
import psycopg

from expectations.shorthand import passing, unexpected_rows
from reverse_etl import guard, sync_state
from reverse_etl.mapping import Mapping, load_allow_list, load_mappings

# The CRM object a mapping writes -> the staging model holding its current state (Momentum's fields keep
# their payload names there: ai_win_probability, ai_model_version, ...).
CRM_STATE = {"opportunity": "staging.stg_crm__opportunities", "task": "staging.stg_crm__tasks"}


def payload_columns_allowed(kwargs: dict, *, schema: str, table: str, **_) -> gx.expectations.Expectation:
    """Every column of the payload but the match key is in reverse_etl/allow_list.yml for its object.

    Stricter than the mapping's own check: a column the payload carries but no mapping writes yet
    (someone added `stage_name` to the model) fails here before a mapping could pick it up.
    """
    mapping = _mapping(kwargs["sync"])
    patterns = load_allow_list().get(mapping.object, ())
    allowed = ", ".join(_like_pattern(pattern) for pattern in patterns) or "''"
    # The match key and the mapping's compare-only keys are read, never written.
    unwritten = ", ".join(f"'{column}'" for column in (mapping.match_key, *mapping.compare_only))
    query = (
        f"select column_name from information_schema.columns where table_schema = '{schema}' "
        f"and table_name = '{table}' and column_name not in ({unwritten}) "
        f"and not (column_name like any (array[{allowed}])) "
        # Names {batch} only so GX knows the query is about this batch; always true.
        f"and (select count(*) from (select 1 from {{batch}} limit 1) as sample) >= 0"
    )
    return unexpected_rows(
        query,
        name="momentum_payload_columns_allowed",
        description=f"only allow-listed {mapping.object} fields ({', '.join(patterns)}) besides {mapping.match_key}",
    )


def no_null_over_crm_value(kwargs: dict, **_) -> gx.expectations.Expectation:
    """At most `max_share` of the payload's records carry a null in `column` where the CRM holds a
    value. The sync never writes such a null, so this is about what it says upstream: a score or
    a task text that vanished since yesterday means scoring or the TMVAs lost rows."""
    mapping, column = _mapping(kwargs["sync"]), kwargs["column"]
    max_share = float(kwargs.get("max_share", 0))
    key, crm = mapping.match_key, CRM_STATE[mapping.object]
    query = (
        f"with batch as (select * from {{batch}}), blanked as (select b.{key} from batch b "
        f"join {crm} c on c.{key} = b.{key} where b.{column} is null and c.{column} is not null) "
        f"select * from blanked where (select count(*) from blanked) > {max_share:.6f} * (select count(*) from batch)"
    )
    return unexpected_rows(
        query,
        name="momentum_no_null_over_crm_value",
        column=column,
        description=f"a null {column} where {crm} holds a value on at most {max_share:.0%} of records",
    )


def change_share(
    kwargs: dict,
    *,
    warehouse_url: str,
    load_date=None,
    released_syncs: frozenset[str] = frozenset(),
    **_,
) -> gx.expectations.Expectation:
    """At most `max_share` (default: the sync guard's limit, reverse_etl/guard.py: the mapping's
    max_change_share, scaled by the last morning and raised after days without a write) of the records
    already synced would change today. With `same_model_column`, only records whose model version equals
    the one the CRM shows count: a new champion rescoring every deal is expected, the same model moving
    most of its numbers overnight is not. A run that releases the sync's guard (`momentum run --force-sync`)
    or runs it dry (`--dry-run`) is not stopped here: the sync's own guard reports the diff.

    The hash is the diff's own (reverse_etl/diff.py build_diff), so this counts what the sync
    would send; tests/expectations pin the two together.
    """
    mapping = _mapping(kwargs["sync"])
    model = kwargs.get("same_model_column")
    if mapping.name in released_syncs:
        return unexpected_rows(
            passing(),
            name="momentum_change_share",
            description=f"not checked: this run releases sync {mapping.name} or runs it dry",
        )
    if not _sync_state_exists(warehouse_url):  # no sync has run yet: nothing was synced before
        return unexpected_rows(passing(), name="momentum_change_share", description="no sync has run yet")
    limit = (
        guard.Limit(float(kwargs["max_share"]))
        if "max_share" in kwargs
        else _guard_limit(warehouse_url, mapping, load_date)
    )
    description = (
        f"at most {limit.share:.0%} of the records synced before change today"
        + (f" under an unchanged {model}" if model else "")
        + (f" ({limit.why})" if limit.why else "")
        + f"; {guard.release_hint(mapping.name)}"
    )
    max_share = limit.share
    key = mapping.match_key
    compared = ", ".join(f"b.{field}" for field in mapping.compared_fields)
    same_model = ""
    if model:
        same_model = (
            f"join {CRM_STATE[mapping.object]} c on c.{key} = b.{key} "
            f"where b.{model} is not distinct from c.{model}"
        )
    query = (
        f"with batch as (select * from {{batch}}), payload as (select b.{key}::text as record_key, "
        f"md5(jsonb_build_array({compared})::text) as payload_hash from batch b {same_model}), "
        f"synced as (select p.record_key, p.payload_hash <> s.payload_hash as is_changed from payload p "
        f"join reverse_etl.sync_state s on s.sync_name = '{mapping.name}' and s.record_key = p.record_key), "
        f"changed as (select record_key from synced where is_changed) "
        f"select record_key from changed where (select count(*) from changed) > "
        f"{max_share:.6f} * (select count(*) from synced)"
    )
    return unexpected_rows(query, name="momentum_change_share", description=description)


def _mapping(sync: str) -> Mapping:
    mappings = load_mappings()
    if sync not in mappings:
        raise ValueError(f"no reverse-ETL mapping {sync!r}; known: {', '.join(mappings)}")
    return mappings[sync]


def _like_pattern(pattern: str) -> str:
    """An allow-list fnmatch pattern ("ai_*") as a SQL LIKE literal ('ai\\_%')."""
    if any(char in pattern for char in "[]'\\"):
        raise ValueError(f"allow-list pattern {pattern!r}: only * and ? wildcards are supported here")
    escaped = pattern.replace("%", "\\%").replace("_", "\\_")
    return "'" + escaped.replace("*", "%").replace("?", "_") + "'"


def _guard_limit(warehouse_url: str, mapping: Mapping, as_of) -> guard.Limit:
    """The sync guard's own limit for today (reverse_etl/guard.py), so the check and the sync never disagree
    on what a morning may change."""
    with psycopg.connect(warehouse_url, autocommit=True) as conn:
        sync_state.ensure_tables(conn)  # a log from before issue 16 lacks the columns the guard reads
        return guard.change_share_limit(mapping, guard.last_write(conn, mapping.name, as_of))


def _sync_state_exists(warehouse_url: str) -> bool:
    with psycopg.connect(warehouse_url) as conn:
        return conn.execute("select to_regclass('reverse_etl.sync_state') is not null").fetchone()[0]
