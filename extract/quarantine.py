"""Split an extract's staged rows into loadable rows and rejects, in SQL.

A row is rejected when its id is missing or has leading or trailing whitespace,
when it has no modstamp (the watermark needs one), when a value does not
parse as the raw table's type (PostgreSQL 16 `pg_input_is_valid`), when a number
is NaN or infinite or a money value is out of range, or when a later version of
the same id arrived in the same extract. Rejected rows go to `<raw schema>._rejects` with every
reason and the source row as jsonb, so nothing is ever silently dropped:
received = loaded + rejected.
"""

from __future__ import annotations

from psycopg import sql

from extract.objects import MONEY_RANGE

REJECTS_TABLE = "_rejects"


def rejects_ddl(schema: str) -> sql.Composable:
    return sql.SQL(
        "create table if not exists {} (object_name text not null, reason text not null, "
        "source_row jsonb not null, extracted_at timestamptz not null, extract_run_id text not null)"
    ).format(sql.Identifier(schema, REJECTS_TABLE))


# Reason codes (stable: tests, RevOps queries and the run summary use them).
MISSING_ID = "missing_id"
# "opp1 " is a different record from "opp1" to the CRM that holds both: trimming it at extract would merge
# two records and send write-backs to the wrong one, so such an id is quarantined, not normalised.
WHITESPACE_IN_ID = "whitespace_in_id"
NOT_FINITE = "not_finite:{column}"  # NaN or +-Infinity: PostgreSQL numeric and float hold them
OUT_OF_RANGE = "out_of_range:{column}"  # a money value outside MONEY_RANGE, or too large for the raw type
MISSING_MODSTAMP = "missing_system_modstamp"
DUPLICATE_ID = "duplicate_id"
UNPARSEABLE = "unparseable:{column}"
ISO_DATE_PREFIX = r"^\s*\d{4}-\d{2}-\d{2}"


def classify_incoming(
    warehouse,
    primary_key: str,
    modstamp: str,
    typed_checks: dict[str, str],
    *,
    raw_types: dict[str, str] | None = None,
    money_columns: tuple[str, ...] = (),
) -> None:
    """Fill incoming._reject_reason; typed_checks maps a staged-as-text column to its raw type, raw_types
    every incoming column to its raw type (its numbers are checked for NaN, infinity and range)."""
    key = sql.Identifier(primary_key)
    reasons = [
        sql.SQL("case when nullif(btrim({key}::text), '') is null then {reason} end").format(
            key=key, reason=sql.Literal(MISSING_ID)
        ),
        sql.SQL("case when btrim({key}::text) <> '' and {key}::text ~ '^\\s|\\s$' then {reason} end").format(
            key=key, reason=sql.Literal(WHITESPACE_IN_ID)
        ),
        sql.SQL("case when {} is null then {} end").format(
            sql.Identifier(modstamp), sql.Literal(MISSING_MODSTAMP)
        ),
    ]
    numeric_columns = {
        column: data_type
        for column, data_type in (raw_types or {}).items()
        if data_type.startswith(("numeric", "double precision", "real"))
    }
    for column, data_type in numeric_columns.items():
        reasons.extend(_number_reasons(column, data_type, column in typed_checks, column in money_columns))
    for column, data_type in typed_checks.items():
        if column in numeric_columns:
            continue  # _number_reasons said unparseable, or why a number does not fit
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
    # Among rows that parse, one version per id survives: the latest modstamp, and on a tie the
    # row that came later in the extract. The earlier versions are kept as rejects, not dropped.
    stamp = sql.SQL("{}::timestamptz" if modstamp in typed_checks else "{}").format(sql.Identifier(modstamp))
    warehouse.execute(
        sql.SQL(
            "update incoming i set _reject_reason = {reason} from ("
            " select _source_row, row_number() over (partition by {key} order by {modstamp} desc, _source_row desc)"
            " as version from incoming where _reject_reason is null) v"
            " where v._source_row = i._source_row and v.version > 1"
        ).format(reason=sql.Literal(DUPLICATE_ID), key=sql.Identifier(primary_key), modstamp=stamp)
    )


def _number_reasons(column: str, raw_type: str, staged_as_text: bool, is_money: bool) -> list[sql.Composable]:
    """Why a number cannot load: not a number, NaN or infinite, or out of range (money, or the raw type)."""
    col = sql.Identifier(column)
    # The value as an unconstrained numeric, or null when the text is no number at all.
    value = (
        sql.SQL("(case when pg_input_is_valid({c}, 'numeric') then {c}::numeric end)").format(c=col)
        if staged_as_text
        else sql.SQL("{}::numeric").format(col)
    )
    not_finite = sql.SQL("{v} in ('NaN'::numeric, 'Infinity'::numeric, '-Infinity'::numeric)").format(v=value)
    out_of_range = [sql.SQL("false")]
    if is_money:
        low, high = MONEY_RANGE
        out_of_range.append(sql.SQL("{v} < {low} or {v} >= {high}").format(v=value, low=low, high=high))
    if staged_as_text:  # a number that does not fit the raw type, e.g. 1e15 for numeric(14, 2)
        out_of_range.append(sql.SQL("not pg_input_is_valid({}, {})").format(col, sql.Literal(raw_type)))
    reasons = [
        sql.SQL("case when {v} is not null and {nf} then {r} end").format(
            v=value, nf=not_finite, r=sql.Literal(NOT_FINITE.format(column=column))
        ),
        sql.SQL("case when {v} is not null and not {nf} and ({oor}) then {r} end").format(
            v=value,
            nf=not_finite,
            oor=sql.SQL(" or ").join(out_of_range),
            r=sql.Literal(OUT_OF_RANGE.format(column=column)),
        ),
    ]
    if staged_as_text:
        reasons.append(
            sql.SQL("case when {c} is not null and {v} is null then {r} end").format(
                c=col, v=value, r=sql.Literal(UNPARSEABLE.format(column=column))
            )
        )
    return reasons


def quarantine_rejects(warehouse, schema: str, object_name: str, run_id: str) -> int:
    """Move the rows classified as rejects to <raw schema>._rejects; returns how many."""
    return warehouse.execute(
        sql.SQL(
            "insert into {} (object_name, reason, source_row, extracted_at, extract_run_id) "
            "select %s, _reject_reason, to_jsonb(i) - '_source_row' - '_reject_reason', now(), %s "
            "from incoming i where _reject_reason is not null"
        ).format(sql.Identifier(schema, REJECTS_TABLE)),
        (object_name, run_id),
    ).rowcount
