"""The SQL statements that stage and write one mapping's records into the demo CRM.

Kept in one place so the write and the dry-run count visibly share their predicates
(`_writable`, `_changed`): a dry run counts exactly what a write would do.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from psycopg import sql

from reverse_etl.mapping import Mapping

STAGE = "_retl_stage"
KEYS = "_retl_keys"
SYSTEM_MODSTAMP = "system_modstamp"
CREATED_DATE = "created_date"
# Salesforce-like ids: the prefix plus 15 hex characters of md5(external id) is 60 bits, so two
# external ids collide with probability ~n^2 / 2^61: about 1e-6 at a billion tasks.
NEW_ID_HEX_CHARS = 15


@dataclass(frozen=True)
class Column:
    name: str
    type_name: str
    """As format_type() prints it, e.g. numeric(5,4); valid SQL in a cast."""
    required: bool
    """NOT NULL without a default: an insert must provide it."""


class SyncSql:
    def __init__(self, mapping: Mapping, schema: str, columns: dict[str, Column], clock: sql.Composable):
        self.mapping = mapping
        self.columns = columns
        self.retires = mapping.retire_missing is not None
        self.dest = sql.Identifier(schema, mapping.object)
        self.key = sql.Identifier(mapping.match_key)
        self.fields = mapping.written_fields
        self.clock = clock
        """SQL for the CRM's current time, stamped into system_modstamp of every written record."""

    def create_stage(self) -> sql.Composed:
        text_columns = [sql.SQL("{} text").format(sql.Identifier(c)) for c in ("record_key", "payload_hash")]
        text_columns += [sql.SQL("{} text").format(sql.Identifier(f)) for f in self.fields]
        statement = sql.SQL("create temp table {} ({}, error text) on commit drop").format(
            sql.Identifier(STAGE), sql.SQL(", ").join(text_columns)
        )
        if self.retires:
            keys = sql.SQL("create temp table {} (record_key text primary key) on commit drop")
            statement = sql.SQL("; ").join([statement, keys.format(sql.Identifier(KEYS))])
        return statement

    def stage_copy(self) -> sql.Composed:
        names = ["record_key", "payload_hash", *self.fields]
        return sql.SQL("copy {} ({}) from stdin").format(sql.Identifier(STAGE), _idents(names))

    def keys_copy(self) -> sql.Composed:
        return sql.SQL("copy {} (record_key) from stdin").format(sql.Identifier(KEYS))

    def count_writes(self) -> sql.Composed:
        return sql.SQL(
            "select count(*) filter (where d.{key} is null),"
            " count(*) filter (where d.{key} is not null and {writable} and {changed})"
            " from {stage} as s left join {dest} as d on {match} where s.error is null"
        ).format(
            key=self.key,
            writable=self._writable(),
            changed=self._changed(self.staged),
            stage=sql.Identifier(STAGE),
            dest=self.dest,
            match=self.match(),
        )

    def apply(self) -> sql.Composed:
        """One set-based statement; returns one row per record written, true when inserted."""
        if self.mapping.operation == "update":
            return sql.SQL(
                "update {dest} as d set {assign}, {modstamp} = {clock} from {stage} as s"
                " where s.error is null and {match} and {writable} and {changed} returning false"
            ).format(
                dest=self.dest,
                assign=self._assignments(self.staged),
                modstamp=sql.Identifier(SYSTEM_MODSTAMP),
                clock=self.clock,
                stage=sql.Identifier(STAGE),
                match=self.match(),
                writable=self._writable(),
                changed=self._changed(self.staged),
            )
        id_column = self.mapping.new_record_id_column
        new_id = sql.SQL("{} || upper(left(md5(s.record_key), {}))").format(
            sql.Literal(self.mapping.new_record_id_prefix), sql.Literal(NEW_ID_HEX_CHARS)
        )
        values = [new_id, self.staged(self.mapping.match_key, "record_key")]
        values += [self.staged(f) for f in self.fields] + [self.clock, self.clock]
        return sql.SQL(
            "insert into {dest} as d ({columns}) select {values} from {stage} as s where s.error is null"
            " on conflict ({key}) do update set {assign}, {modstamp} = {clock}"
            " where {writable} and {changed} returning (d.xmax = 0)"
        ).format(
            dest=self.dest,
            columns=_idents([id_column, self.mapping.match_key, *self.fields, CREATED_DATE, SYSTEM_MODSTAMP]),
            values=sql.SQL(", ").join(values),
            stage=sql.Identifier(STAGE),
            key=self.key,
            assign=self._assignments(_excluded),
            modstamp=sql.Identifier(SYSTEM_MODSTAMP),
            clock=self.clock,
            writable=self._writable(),
            changed=self._changed(_excluded),
        )

    def retire(self) -> sql.Composed:
        rule = self.mapping.retire_missing
        return sql.SQL("update {dest} as d set {column} = {to}, {modstamp} = {clock} where {stale}").format(
            dest=self.dest,
            column=sql.Identifier(rule.column),
            to=sql.Literal(rule.to_value),
            modstamp=sql.Identifier(SYSTEM_MODSTAMP),
            clock=self.clock,
            stale=self._stale(),
        )

    def count_retire(self) -> sql.Composed:
        return sql.SQL("select count(*) from {dest} as d where {stale}").format(
            dest=self.dest, stale=self._stale()
        )

    def select_sample(self) -> sql.Composed:
        pairs = [sql.SQL("d.{}, {}").format(sql.Identifier(f), self.staged(f)) for f in self.fields]
        return sql.SQL(
            "select s.record_key, d.{key} is not null, {pairs} from {stage} as s left join {dest} as d on {match}"
            " where s.error is null order by s.record_key limit %s"
        ).format(
            key=self.key,
            pairs=sql.SQL(", ").join(pairs),
            stage=sql.Identifier(STAGE),
            dest=self.dest,
            match=self.match(),
        )

    # -- shared pieces -------------------------------------------------------------------------

    def staged(self, field: str, staged_name: str | None = None) -> sql.Composed:
        """A staged text value cast to the destination column's type."""
        return sql.SQL("s.{}::{}").format(
            sql.Identifier(staged_name or field), sql.SQL(self.columns[field].type_name)
        )

    def match(self) -> sql.Composed:
        return sql.SQL("d.{} = {}").format(self.key, self.staged(self.mapping.match_key, "record_key"))

    def _writable(self) -> sql.Composable:
        rule = self.mapping.writable_when
        if rule is None:
            return sql.SQL("true")
        return sql.SQL("d.{} = any({})").format(sql.Identifier(rule.column), _text_array(rule.values))

    def _changed(self, new: Callable[[str], sql.Composable]) -> sql.Composed:
        """Would the write change a compared value? A null in the payload never overwrites (but clears a field
        of clear_when_absent), so compare the merged value with old; records the CRM already holds are left
        alone (no modstamp)."""
        compared = self.mapping.destination_compared_fields
        merged = [self._merged(f, new) for f in compared]
        old = [sql.SQL("d.{}").format(sql.Identifier(f)) for f in compared]
        return sql.SQL("row({}) is distinct from row({})").format(
            sql.SQL(", ").join(merged), sql.SQL(", ").join(old)
        )

    def _assignments(self, new: Callable[[str], sql.Composable]) -> sql.Composed:
        return sql.SQL(", ").join(
            sql.SQL("{} = {}").format(sql.Identifier(f), self._merged(f, new)) for f in self.fields
        )

    def _merged(self, field: str, new: Callable[[str], sql.Composable]) -> sql.Composable:
        """The value a write leaves in `field`: the payload's, or the CRM's own where the payload has a null,
        except for the fields Momentum owns outright (clear_when_absent), which a null clears."""
        if field in self.mapping.clear_when_absent:
            return new(field)
        return sql.SQL("coalesce({}, d.{})").format(new(field), sql.Identifier(field))

    def _stale(self) -> sql.Composed:
        rule = self.mapping.retire_missing
        return sql.SQL(
            "d.{key} is not null and d.{column} = any({from_values})"
            " and not exists (select 1 from {keys} as k where k.record_key = d.{key}::text)"
        ).format(
            key=self.key,
            column=sql.Identifier(rule.column),
            from_values=_text_array(rule.from_values),
            keys=sql.Identifier(KEYS),
        )


def _excluded(field: str) -> sql.Composed:
    return sql.SQL("excluded.{}").format(sql.Identifier(field))


def _idents(names: list[str]) -> sql.Composed:
    return sql.SQL(", ").join(sql.Identifier(n) for n in names)


def _text_array(values: tuple[str, ...]) -> sql.Composed:
    return sql.SQL("array[{}]::text[]").format(sql.SQL(", ").join(sql.Literal(v) for v in values))
