"""Shorthands for raw Salesforce tables (raw_salesforce), where ids are not compared as plain text.

A reference may hold the 18-character form of an id and the record the 15 (an export mixes both),
Salesforce's empty reference is '000000000000000AAA' rather than null, and a polymorphic field (Task.WhatId)
points at several objects, told apart by the id's 3-character key prefix. Staging reads them the same way
(dbt_project/macros/salesforce.sql).
"""

from __future__ import annotations

import great_expectations as gx

from expectations.shorthand import unexpected_rows

# Salesforce's empty reference in its 15-character form (crm/salesforce/ids.py; the 18 is ...AAA).
NULL_KEY_15 = "000000000000000"


def salesforce_references(kwargs: dict, **_) -> gx.expectations.Expectation:
    """As momentum_references (a share of `column` found in `table`.`key`), on the ids' 15-character form,
    with the null key as no reference, and with `key_prefix` only the references to that object."""
    column, target, key = kwargs["column"], kwargs["table"], kwargs["key"]
    mostly = float(kwargs.get("mostly", 1.0))
    prefix = kwargs.get("key_prefix")
    reference = f"left(btrim(b.{column}), 15)"
    of_object = f" and left(b.{column}, 3) = '{prefix}'" if prefix else ""
    query = (
        f"with batch as (select * from {{batch}}), unresolved as (select b.{column} from batch b "
        f"where nullif(btrim(b.{column}), '') is not null and {reference} <> '{NULL_KEY_15}'{of_object} "
        f"and not exists (select 1 from {target} t where left(t.{key}, 15) = {reference})) "
        f"select * from unresolved where (select count(*) from unresolved) > "
        f"{1 - mostly:.6f} * (select count({column}) from batch)"
    )
    described = f"{column}" + (f" ({prefix}...)" if prefix else "")
    return unexpected_rows(
        query,
        name="momentum_salesforce_references",
        column=column,
        description=f"{described} found in {target}.{key} for at least {mostly:.0%} of rows (15-character ids)",
    )
