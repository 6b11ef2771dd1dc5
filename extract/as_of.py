"""Can the live CRM still serve an as-of date? Only its own today, or a later day.

An as-of date D is the CRM as it stood at the start of D (docs/ARCHITECTURE.md, "As-of dates and labels").
Momentum reads the CRM as it is now, so a morning run for a day before the CRM's today (a backfill after a
missed morning) would score as "open" deals whose outcome the CRM now knows, and fail on the label check of
today's features with nothing saying why. Such a run is refused up front instead: the CRM cannot be seen as
it stood then. (Training and evaluation may still use past as-of dates: they read the snapshots, which are
point in time.)
"""

from __future__ import annotations

from datetime import date

from extract.source import CrmSource


class AsOfNotServable(ValueError):
    """The as-of date is before the CRM's today: it cannot be read as it stood then."""

    def __init__(self, as_of: date, crm_today: date):
        self.as_of = as_of
        self.crm_today = crm_today
        super().__init__(
            f"--as-of {as_of} is before the CRM's today ({crm_today}): the live CRM cannot be seen as it stood "
            f"then (deals closed since would be scored with their outcome known); run without --as-of, or with "
            f"--as-of {crm_today}"
        )


def check_as_of_servable(source: CrmSource, as_of: date) -> None:
    """Raise AsOfNotServable when `as_of` is before the CRM's own today."""
    crm_today = source.today()
    if as_of < crm_today:
        raise AsOfNotServable(as_of, crm_today)
