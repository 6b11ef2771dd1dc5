"""Declared syncs: which payload relation feeds which CRM object's fields, and how.

Each YAML file in `reverse_etl/mappings/` is one sync (its file name is the sync name); one
generic engine (`reverse_etl.sync`) runs them all, so adding a sync is a YAML edit. Loading
checks every field a mapping would write against `allow_list.yml` and refuses the mapping
before anything is written.
"""

from __future__ import annotations

import fnmatch
import re
from dataclasses import dataclass
from pathlib import Path

import yaml

MAPPINGS_DIR = Path(__file__).parent / "mappings"
ALLOW_LIST_PATH = Path(__file__).parent / "allow_list.yml"
OPERATIONS = ("update", "upsert")

# Names go into SQL as quoted identifiers; the pattern also keeps YAML typos out ("AI_Score ").
_IDENTIFIER = re.compile(r"^[a-z_][a-z0-9_]*$")


class MappingError(ValueError):
    """A mapping file that cannot be run as written."""


class AllowListError(MappingError):
    """A mapping names a field Momentum is not allowed to write."""


@dataclass(frozen=True)
class StatusRule:
    """`column` holds one of `values` (for example status in Open, Expired)."""

    column: str
    values: tuple[str, ...]


@dataclass(frozen=True)
class Retirement:
    """Momentum's records missing from today's payload move from `from_values` to `to_value`."""

    column: str
    from_values: tuple[str, ...]
    to_value: str


@dataclass(frozen=True)
class Mapping:
    name: str
    source: str
    """Payload relation in the warehouse, `schema.relation`; its columns carry the CRM field names."""
    object: str
    operation: str
    """`update` (existing records only, by id) or `upsert` (by external id)."""
    match_key: str
    fields: tuple[str, ...]
    """Compared for the diff and written when any of them changes."""
    stamp_fields: tuple[str, ...] = ()
    """Written along with a changed record, never compared."""
    compare_only: tuple[str, ...] = ()
    """Payload columns compared for the diff but never written: a stable key standing for a stamp field whose
    wording moves daily (the factor names behind the reasons' sentences)."""
    clear_when_absent: tuple[str, ...] = ()
    """Fields (of `fields` or `stamp_fields`) Momentum owns outright: a null in the payload clears the CRM value, because
    advice that no longer holds must not stay. Every other field keeps the rule "never a null over a value"."""
    new_record_id_column: str | None = None
    new_record_id_prefix: str = ""
    writable_when: StatusRule | None = None
    retire_missing: Retirement | None = None
    max_change_share: float = 0.6
    description: str = ""

    @property
    def written_fields(self) -> tuple[str, ...]:
        return self.fields + self.stamp_fields

    @property
    def compared_fields(self) -> tuple[str, ...]:
        """What the diff hashes: a change of any rewrites the record."""
        return self.fields + self.compare_only

    @property
    def destination_compared_fields(self) -> tuple[str, ...]:
        """What a destination compares with the CRM's values to leave alone a record it already holds (a resend
        after a crash). The compare_only keys are not in the CRM, so it compares the stamps they stand for."""
        return self.written_fields if self.compare_only else self.fields

    @property
    def source_parts(self) -> tuple[str, str]:
        schema, _, relation = self.source.partition(".")
        return schema, relation

    def destination_columns_written(self) -> tuple[str, ...]:
        """Every destination column the sync may set (system stamps aside)."""
        columns = list(self.written_fields)
        if self.operation == "upsert":
            columns += [self.match_key, self.new_record_id_column or ""]
        if self.retire_missing:
            columns.append(self.retire_missing.column)
        return tuple(dict.fromkeys(c for c in columns if c))


def load_allow_list(path: Path = ALLOW_LIST_PATH) -> dict[str, tuple[str, ...]]:
    data = yaml.safe_load(path.read_text()) or {}
    return {obj: tuple(str(p) for p in patterns or ()) for obj, patterns in data.items()}


def load_mappings(
    directory: Path = MAPPINGS_DIR, allow_list: dict[str, tuple[str, ...]] | None = None
) -> dict[str, Mapping]:
    """Every mapping in `directory`, keyed by sync name, each checked against the allow-list."""
    allowed = load_allow_list() if allow_list is None else allow_list
    mappings = {}
    for path in sorted(directory.glob("*.yml")):
        mapping = parse_mapping(path.stem, yaml.safe_load(path.read_text()) or {})
        check_allow_list(mapping, allowed)
        mappings[mapping.name] = mapping
    return mappings


def check_allow_list(mapping: Mapping, allow_list: dict[str, tuple[str, ...]]) -> None:
    patterns = allow_list.get(mapping.object, ())
    outside = [c for c in mapping.destination_columns_written() if not _allowed(c, patterns)]
    if outside:
        raise AllowListError(
            f"mapping '{mapping.name}' would write {', '.join(repr(c) for c in outside)} on CRM object "
            f"'{mapping.object}', outside its allow-list [{', '.join(patterns) or 'nothing'}]. Momentum "
            "writes only its own fields; change reverse_etl/allow_list.yml only for a field Momentum owns."
        )


def parse_mapping(name: str, data: dict) -> Mapping:
    destination = data.get("destination") or {}
    new_id = destination.get("new_record_id") or {}
    writable = destination.get("writable_when")
    retire = data.get("retire_missing")
    try:
        mapping = Mapping(
            name=name,
            source=str(data["source"]),
            object=str(destination["object"]),
            operation=str(destination.get("operation", "update")),
            match_key=str(destination["match_key"]),
            fields=tuple(data["fields"]),
            stamp_fields=tuple(data.get("stamp_fields") or ()),
            compare_only=tuple(data.get("compare_only") or ()),
            clear_when_absent=tuple(data.get("clear_when_absent") or ()),
            new_record_id_column=new_id.get("column"),
            new_record_id_prefix=str(new_id.get("prefix", "")),
            writable_when=StatusRule(writable["column"], tuple(writable["in"])) if writable else None,
            retire_missing=(
                Retirement(retire["column"], tuple(retire["from"]), str(retire["to"])) if retire else None
            ),
            max_change_share=float(data.get("max_change_share", 0.6)),
            description=str(data.get("description", "")),
        )
    except (KeyError, TypeError) as exc:
        raise MappingError(f"mapping '{name}' is missing or misnames a required key: {exc}") from exc
    _check_shape(mapping)
    return mapping


def _check_shape(m: Mapping) -> None:
    problems = []
    names = [
        *m.source_parts,
        m.object,
        m.match_key,
        *m.written_fields,
        *m.compare_only,
        m.new_record_id_column,
    ]
    names += [m.writable_when.column if m.writable_when else None]
    names += [m.retire_missing.column if m.retire_missing else None]
    problems += [
        f"{n!r} is not a lower-case SQL name" for n in names if n is not None and not _IDENTIFIER.match(n)
    ]
    if m.operation not in OPERATIONS:
        problems.append(f"operation must be one of {OPERATIONS}, not {m.operation!r}")
    if m.operation == "upsert" and not m.new_record_id_column:
        problems.append("an upsert needs destination.new_record_id.column for records it creates")
    if not m.fields:
        problems.append("fields is empty: nothing to compare")
    listed = [*m.fields, *m.stamp_fields, *m.compare_only, m.match_key]
    if len(set(listed)) < len(listed):
        problems.append(
            "a field is listed twice (fields, stamp_fields, compare_only, match_key must not overlap)"
        )
    if not set(m.clear_when_absent) <= set(m.written_fields):
        problems.append("clear_when_absent must name fields listed in fields or stamp_fields")
    if not 0 < m.max_change_share <= 1:
        problems.append(f"max_change_share must be in (0, 1], not {m.max_change_share}")
    if problems:
        raise MappingError(f"mapping '{m.name}': " + "; ".join(problems))


def _allowed(column: str, patterns: tuple[str, ...]) -> bool:
    return any(fnmatch.fnmatchcase(column, p) for p in patterns)
