"""The day the data is judged against: the data's own as-of date, never the machine's clock.

Freshness ("the newest system_modstamp within 168 hours") and relative bounds ("created at most 10 years
after the load date") count from the day the rows describe. Inside a run that is the run's as-of date, or
the CRM's own today when it is earlier (an export judged by the day it was exported:
orchestration/expectations/checks.py). Outside a run (`python -m expectations.validate_all`), it is the
as-of date the warehouse was last built for, so a demo CRM whose today runs ahead of the machine's, or an
export from months ago, is judged by its own day.
"""

from __future__ import annotations

import datetime as dt

import psycopg

SNAPSHOTS_RELATION = "marts.fct_deal_snapshots"


def warehouse_as_of_date(warehouse_url: str) -> dt.date:
    """The newest as-of date of the snapshots (the last run's), or the machine's today (UTC) before any
    run built them."""
    with psycopg.connect(warehouse_url) as conn:
        if conn.execute("select to_regclass(%s)", (SNAPSHOTS_RELATION,)).fetchone()[0] is not None:
            newest = conn.execute(f"select max(as_of_date) from {SNAPSHOTS_RELATION}").fetchone()[0]
            if newest is not None:
                return newest
    return dt.datetime.now(dt.UTC).date()
