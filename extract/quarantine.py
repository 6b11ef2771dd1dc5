"""Split an extract's staged rows into loadable rows and rejects, in SQL.

A row is rejected when its id is missing, when it has no system_modstamp (the
watermark needs one), when a value does not parse as the raw table's type
(PostgreSQL 16 `pg_input_is_valid`), or when a later version of the same id
arrived in the same extract. Rejected rows go to `raw_crm._rejects` with every
reason and the source row as jsonb, so nothing is ever silently dropped:
received = loaded + rejected.
"""

from __future__ import annotations

from psycopg import sql

REJECTS_TABLE = "_rejects"

REJECTS_DDL = """
create table if not exists raw_crm._rejects (
    object_name     text not null,
    reason          text not null,
    source_row      jsonb not null,
    extracted_at    timestamptz not null,
    extract_run_id  text not null
)
"""

# Reason codes (stable: tests, RevOps queries and the run summary use them).
MISSING_ID = "missing_id"
MISSING_MODSTAMP = "missing_system_modstamp"
DUPLICATE_ID = "duplicate_id"
UNPARSEABLE = "unparseable:{column}"
ISO_DATE_PREFIX = r"^\s*\d{4}-\d{2}-\d{2}"


def classify_incoming(warehouse, primary_key: str, typed_checks: dict[str, str]) -> None:
    """Fill incoming._reject_reason; typed_checks maps a staged-as-text column to its raw type."""
    reasons = [
        sql.SQL("case when nullif(btrim({key}::text), '') is null then {reason} end").format(
            key=sql.Identifier(primary_key), reason=sql.Literal(MISSING_ID)
        ),
        sql.SQL("case when system_modstamp is null then {} end").format(sql.Literal(MISSING_MODSTAMP)),
    ]
    for column, data_type in typed_checks.items():
        col = sql.Identifier(column)
        invalid = sql.SQL("not pg_input_is_valid({}, {})").format(col, sql.Literal(data_type))
        if data_type.startswith(("date", "timestamp")):
            # Dates as text must be ISO 8601: PostgreSQL would also read 03/04/2026, as March or April
            # depending on DateStyle, so a mixed-format export would load silently wrong dates.
            invalid = sql.SQL("({} or {} !~ {})").format(invalid, col, sql.Literal(ISO_DATE_PREFIX))
        reasons.append(
            sql.SQL("case when {} is not null and {} then {} end").format(
                col, invalid, sql.Literal(UNPARSEABLE.format(column=column))
            )
        )
    warehouse.execute(
        sql.SQL("update incoming set _reject_reason = nullif(concat_ws('; ', {}), '')").format(
            sql.SQL(", ").join(reasons)
        )
    )
    # Among rows that parse, one version per id survives: the latest system_modstamp, and on a tie the
    # row that came later in the extract. The earlier versions are kept as rejects, not dropped.
    modstamp = (
        sql.SQL("system_modstamp::timestamptz")
        if "system_modstamp" in typed_checks
        else sql.SQL("system_modstamp")
    )
    warehouse.execute(
        sql.SQL(
            "update incoming i set _reject_reason = {reason} from ("
            " select _source_row, row_number() over (partition by {key} order by {modstamp} desc, _source_row desc)"
            " as version from incoming where _reject_reason is null) v"
            " where v._source_row = i._source_row and v.version > 1"
        ).format(reason=sql.Literal(DUPLICATE_ID), key=sql.Identifier(primary_key), modstamp=modstamp)
    )


def quarantine_rejects(warehouse, object_name: str, run_id: str) -> int:
    """Move the rows classified as rejects to raw_crm._rejects; returns how many."""
    return warehouse.execute(
        "insert into raw_crm._rejects (object_name, reason, source_row, extracted_at, extract_run_id) "
        "select %s, _reject_reason, to_jsonb(i) - '_source_row' - '_reject_reason', now(), %s "
        "from incoming i where _reject_reason is not null",
        (object_name, run_id),
    ).rowcount
