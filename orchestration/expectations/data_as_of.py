"""The day a run's data checks judge the data against: the run's as-of date, or the CRM's own today when it
is earlier.

A run for today over an export taken weeks ago (a CRM whose today is the export's day) would otherwise find
every object stale against the wall clock, every morning, though the data is exactly as fresh as the export.
The CRM's today comes from its source (`CrmSource.today`), asked once per run: a live CRM's today is the
run's as-of date (a run for an earlier day is refused up front, extract/as_of.py), so nothing changes there.
`momentum run` already defaults to the CRM's today; this covers a run for a later day (`--as-of`, or the
morning schedule, which runs for the wall clock's date) over an export.
"""

from __future__ import annotations

from datetime import date

from crm.connectors import crm_source
from warehouse.settings import Settings

_crm_today_by_run: dict[str, date | None] = {}


def data_as_of_date(run_as_of: date, crm_today: date | None) -> date:
    """The earlier of the run's as-of date and the CRM's today (when known)."""
    return run_as_of if crm_today is None else min(run_as_of, crm_today)


def crm_today_of_run(run_id: str, settings: Settings, warehouse_url: str) -> date | None:
    """The CRM's today, asked once per run; None when the source cannot say (the checks then count from
    the run's as-of date, as before)."""
    if run_id not in _crm_today_by_run:
        try:
            with crm_source(settings, warehouse_url) as source:
                _crm_today_by_run[run_id] = source.today()
        except Exception:  # a check must not fail for want of the CRM's clock; the run's date stands in
            _crm_today_by_run[run_id] = None
    return _crm_today_by_run[run_id]
