"""When to act: the local hour with the best historical connect rate for the contact's seniority."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import pandas as pd

# Below this many calls in an hour the rate is noise (at 20 calls a 30% rate has a +-20 pt 95% interval).
MIN_CALLS_PER_HOUR = 20
BUSINESS_HOURS = range(8, 18)
DEFAULT_LOCAL_HOUR = 10


def best_hours_by_seniority(connect_rates: pd.DataFrame) -> dict[str, int]:
    """{seniority: local hour}, from rows of (seniority, contact_local_hour, call_count, connect_rate)."""
    usable = connect_rates[
        (connect_rates["call_count"] >= MIN_CALLS_PER_HOUR)
        & connect_rates["contact_local_hour"].isin(BUSINESS_HOURS)
    ]
    best = usable.sort_values(
        ["connect_rate", "contact_local_hour"], ascending=[False, True]
    ).drop_duplicates("seniority")
    return {str(row.seniority): int(row.contact_local_hour) for row in best.itertuples()}


def recommended_at(as_of: date, local_hour: int, timezone_name: str | None) -> datetime:
    """The UTC instant of `local_hour` on the as-of date in the contact's time zone (UTC if unknown)."""
    try:
        zone = ZoneInfo(timezone_name) if timezone_name else UTC
    except (ZoneInfoNotFoundError, ValueError):
        zone = UTC
    return datetime.combine(as_of, time(local_hour), tzinfo=zone).astimezone(UTC)
