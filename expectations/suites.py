"""Load the suite registry and turn a YAML suite into a Great Expectations suite."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import great_expectations as gx
import psycopg
import yaml

from expectations.as_of import warehouse_as_of_date
from expectations.extensions import build_shorthand, is_shorthand, resolve_relative_dates

EXPECTATIONS_DIR = Path(__file__).parent
SEVERITIES = ("block", "warn")


@dataclass(frozen=True)
class Validation:
    name: str
    asset: str
    schema: str
    table: str
    suite: str
    severity: str
    where: str | None = None
    """A SQL condition choosing the rows to validate (e.g. today's scores only); None: the whole table."""

    @property
    def blocking(self) -> bool:
        return self.severity == "block"

    @property
    def relation(self) -> str:
        return f"{self.schema}.{self.table}"


def load_registry(path: Path = EXPECTATIONS_DIR / "registry.yml") -> list[Validation]:
    entries = yaml.safe_load(path.read_text())["validations"]
    validations = [Validation(**entry) for entry in entries]
    for validation in validations:
        if validation.severity not in SEVERITIES:
            raise ValueError(
                f"{path.name}: validation {validation.name!r} has severity {validation.severity!r}; "
                f"use one of {', '.join(SEVERITIES)}"
            )
    return validations


def for_raw_schema(validations: list[Validation], raw_schema: str) -> list[Validation]:
    """The validations of a warehouse whose CRM lands in `raw_schema` (extract/layout.py): that source's raw
    suites (raw_crm's or raw_salesforce's, never both) and every suite past the raw layer, which reads what
    staging made of it, the same for every source."""
    return [v for v in validations if not v.schema.startswith("raw_") or v.schema == raw_schema]


def build_suite(
    suite_name: str,
    warehouse_url: str,
    *,
    schema: str = "",
    table: str = "",
    load_date: dt.date | None = None,
    released_syncs: frozenset[str] = frozenset(),
) -> gx.ExpectationSuite:
    """The suite from expectations/suites/<name>.yml, for the table it validates.

    Our extensions: `value_set_query` (a SQL query whose first column becomes the
    value_set, so allowed values can come from CRM metadata), `{days_from_load_date: N}`
    as a bound, and the `momentum_*` shorthands of expectations/extensions.py. `load_date` is the day
    the data was extracted for (the run's as-of date), default the as-of date the warehouse was last built
    for (expectations/as_of.py), never the machine's today.
    """
    spec = yaml.safe_load((EXPECTATIONS_DIR / "suites" / f"{suite_name}.yml").read_text())
    suite = gx.ExpectationSuite(name=spec["name"])
    load_date = load_date or warehouse_as_of_date(warehouse_url)
    for entry in spec["expectations"]:
        ((expectation_type, kwargs),) = entry.items()
        kwargs = resolve_relative_dates(dict(kwargs or {}), load_date)
        if is_shorthand(expectation_type):
            suite.add_expectation(
                build_shorthand(
                    expectation_type,
                    kwargs,
                    warehouse_url=warehouse_url,
                    schema=schema,
                    table=table,
                    suite=suite_name,
                    load_date=load_date,
                    released_syncs=released_syncs,
                )
            )
            continue
        if "value_set_query" in kwargs:
            kwargs["value_set"] = _query_values(warehouse_url, kwargs.pop("value_set_query"))
        suite.add_expectation(_expectation_class(expectation_type)(**kwargs))
    return suite


def _expectation_class(expectation_type: str):
    class_name = "".join(part.capitalize() for part in expectation_type.split("_"))
    try:
        return getattr(gx.expectations, class_name)
    except AttributeError:
        raise ValueError(
            f"unknown expectation {expectation_type!r} (no gx.expectations.{class_name})"
        ) from None


def _query_values(warehouse_url: str, query: str) -> list:
    with psycopg.connect(warehouse_url) as conn:
        return [row[0] for row in conn.execute(query)]
