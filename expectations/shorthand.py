"""What every Momentum shorthand expectation is built from: a query GX runs in PostgreSQL.

A shorthand compiles to a native `UnexpectedRowsExpectation`: the query returns the offending
rows (none when the data is fine), so it runs where the data is and never pulls a table into
Python. The shorthand's own name and column go into `meta`, so results, the run summary and
Data Docs say "momentum_references on owner_id", not "unexpected_rows_expectation".
"""

from __future__ import annotations

import great_expectations as gx


def meta(name: str, column: str | None = None) -> dict:
    return {"momentum_expectation": name, "column": column}


def unexpected_rows(
    query: str, *, name: str, description: str, column: str | None = None
) -> gx.expectations.UnexpectedRowsExpectation:
    """`query` names the validated rows `{batch}`: a table name, or a subquery GX aliases unless the
    query has a join. Queries here read it once in a CTE (`with batch as (select * from {batch})`),
    which works both ways."""
    return gx.expectations.UnexpectedRowsExpectation(
        unexpected_rows_query=query, description=description, meta=meta(name, column)
    )


def passing() -> str:
    """A query that finds nothing: for a check with nothing to compare with yet (a first run)."""
    return "select 1 from {batch} where false"
