"""The SOQL the local Salesforce server understands: exactly what Momentum's API source sends.

    SELECT Field, Field FROM Object [WHERE condition [AND ...]] [ORDER BY Field [ASC|DESC]] [LIMIT n]
    condition: Field op literal, or Field IN (literal, literal, ...)
    SELECT COUNT() FROM Object [WHERE ...]

Literals: datetimes (`2026-12-04T10:00:00Z`, `...+01:00`), dates, 'quoted strings', numbers, true, false,
null. Anything else is answered as Salesforce answers it, MALFORMED_QUERY; a field the object does not
have (or that field-level security hides) is INVALID_FIELD. Keeping it this strict means a change in
what the source sends shows up in the tests instead of being silently half-understood.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime

_QUERY = re.compile(
    r"^\s*select\s+(?P<fields>.+?)\s+from\s+(?P<object>\w+)"
    r"(?:\s+where\s+(?P<where>.+?))?"
    r"(?:\s+order\s+by\s+(?P<order>\w+)(?:\s+(?P<direction>asc|desc))?)?"
    r"(?:\s+limit\s+(?P<limit>\d+))?\s*$",
    re.IGNORECASE | re.DOTALL,
)
_CONDITION = re.compile(
    r"^\s*(?P<field>\w+)\s*(?P<op>=|!=|<=|>=|<|>)\s*(?P<literal>'(?:[^'\\]|\\.)*'|\S+)\s*$"
)
_IN_CONDITION = re.compile(r"^\s*(?P<field>\w+)\s+in\s*\((?P<literals>.*)\)\s*$", re.IGNORECASE | re.DOTALL)
_LITERAL = re.compile(r"'(?:[^'\\]|\\.)*'|[^\s,]+")
_OPERATORS = {"=": "=", "!=": "<>", "<": "<", "<=": "<=", ">": ">", ">=": ">="}


class SoqlError(ValueError):
    """A query Salesforce would refuse: `error_code` is MALFORMED_QUERY or INVALID_FIELD."""

    def __init__(self, error_code: str, message: str):
        super().__init__(message)
        self.error_code = error_code


@dataclass(frozen=True)
class Condition:
    field: str
    operator: str  # the SQL operator; "in" with a tuple of values
    value: object


@dataclass(frozen=True)
class Query:
    object_name: str
    fields: tuple[str, ...]
    conditions: tuple[Condition, ...] = ()
    order_by: str | None = None
    descending: bool = False
    limit: int | None = None
    count: bool = False  # SELECT COUNT(): only totalSize is answered


def parse_soql(text: str) -> Query:
    match = _QUERY.match(text)
    if match is None:
        raise SoqlError("MALFORMED_QUERY", f"unexpected token in query: {text[:80]}")
    fields = tuple(field.strip() for field in match["fields"].split(","))
    count = re.fullmatch(r"count\(\s*\)", match["fields"].strip(), re.IGNORECASE) is not None
    if count:
        fields = ()
    elif not all(re.fullmatch(r"\w+", field) for field in fields):
        raise SoqlError("MALFORMED_QUERY", f"only plain field names are supported: {match['fields'][:80]}")
    conditions = ()
    if match["where"]:
        conditions = tuple(_condition(part) for part in re.split(r"\s+and\s+", match["where"], flags=re.I))
    return Query(
        object_name=match["object"],
        fields=fields,
        conditions=conditions,
        order_by=match["order"],
        descending=(match["direction"] or "").lower() == "desc",
        limit=int(match["limit"]) if match["limit"] else None,
        count=count,
    )


def _condition(text: str) -> Condition:
    listed = _IN_CONDITION.match(text)
    if listed is not None:
        values = tuple(_literal(literal) for literal in _LITERAL.findall(listed["literals"]))
        if not values:
            raise SoqlError("MALFORMED_QUERY", f"an IN list needs a value: {text[:80]}")
        return Condition(listed["field"], "in", values)
    match = _CONDITION.match(text)
    if match is None:
        raise SoqlError("MALFORMED_QUERY", f"unexpected condition: {text[:80]}")
    return Condition(match["field"], _OPERATORS[match["op"]], _literal(match["literal"]))


def _literal(text: str) -> object:
    if text.startswith("'"):
        return re.sub(r"\\(.)", r"\1", text[1:-1])
    lowered = text.lower()
    if lowered in ("true", "false"):
        return lowered == "true"
    if lowered == "null":
        return None
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})", text):
        return datetime.fromisoformat(text.replace("Z", "+00:00"))
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
        return date.fromisoformat(text)
    if re.fullmatch(r"-?\d+(\.\d+)?", text):
        return float(text) if "." in text else int(text)
    # Salesforce refuses a datetime without its zone, or a quoted one, as malformed.
    raise SoqlError("MALFORMED_QUERY", f"value of filter criterion is not of the expected type: {text}")
