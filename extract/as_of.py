"""Can the live CRM still serve an as-of date? Not once it has changed after that day.

An as-of date D is the CRM as it stood at the start of D (docs/ARCHITECTURE.md, "As-of dates and labels").
Momentum reads the CRM as it is now, so a morning run for a day the CRM has already lived past (a backfill
after a missed morning) would score as "open" deals whose outcome the CRM now knows, and fail on the label
check of today's features with nothing saying why. Such a run is refused up front instead: the CRM cannot
be seen as it stood then.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from extract.source import CrmSource

# Deals are what a morning run scores; a change to one after the as-of day means its state then is gone.
WATCHED_OBJECT = "opportunity"


class AsOfNotServable(ValueError):
    """The CRM changed after the as-of date: it cannot be read as it stood then."""

    def __init__(self, as_of: date, latest_change: datetime):
        self.as_of = as_of
        self.latest_change = latest_change
        super().__init__(
            f"--as-of {as_of} is before the CRM's latest data ({latest_change.date()}): the live CRM cannot be "
            f"seen as it stood then (deals closed since would be scored with their outcome known); run without "
            f"--as-of, or with --as-of {latest_change.date()} or later"
        )


def check_as_of_servable(source: CrmSource, as_of: date) -> None:
    """Raise AsOfNotServable when the CRM holds a deal changed on or after the day after `as_of`."""
    latest = source.latest_modstamp(WATCHED_OBJECT)
    if latest is None:
        return
    end_of_as_of_day = datetime.combine(as_of + timedelta(days=1), time.min, tzinfo=UTC)
    if latest.astimezone(UTC) >= end_of_as_of_day:
        raise AsOfNotServable(as_of, latest.astimezone(UTC))
