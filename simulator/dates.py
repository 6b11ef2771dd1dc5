"""Dates for the demo CRM: business days, Mondays, quarters and office-hour timestamps."""

from __future__ import annotations

import datetime as dt
from functools import lru_cache
from zoneinfo import ZoneInfo

import numpy as np

UTC = dt.UTC
DAYS_PER_MONTH = 30.44


def history_start(today: dt.date, months: int) -> dt.date:
    return today - dt.timedelta(days=round(months * DAYS_PER_MONTH))


def business_days(start: dt.date, end_exclusive: dt.date) -> np.ndarray:
    """Weekdays in [start, end): the days the simulator steps (no holidays, a simplification)."""
    days = np.arange(np.datetime64(start, "D"), np.datetime64(end_exclusive, "D"))
    return days[np.is_busday(days)]


def is_monday(days: np.ndarray) -> np.ndarray:
    # 1970-01-01 was a Thursday, so Monday is day number 4 modulo 7.
    return (days.astype("int64") - 4) % 7 == 0


def month_end(days: np.ndarray) -> np.ndarray:
    return (days.astype("datetime64[M]") + 1).astype("datetime64[D]") - 1


def to_date(day: np.datetime64) -> dt.date:
    return day.astype("datetime64[D]").item()


def fiscal_quarter_end(days: np.ndarray, start_month: int) -> np.ndarray:
    """The last day of the fiscal quarter holding each day (datetime64[D]); the fiscal year starts on
    the first of `start_month` (1 = calendar quarters). Same arithmetic as dbt's fiscal_quarter_start."""
    months = np.asarray(days, dtype="datetime64[D]").astype("datetime64[M]").astype(np.int64)
    shift = start_month - 1
    quarter_start = (months - shift) // 3 * 3 + shift
    return (quarter_start + 3).astype("datetime64[M]").astype("datetime64[D]") - np.timedelta64(1, "D")


def business_days_through(days: np.ndarray, last: np.ndarray) -> np.ndarray:
    """Business days in [day, last], both ends included; 0 when `last` is before `day`."""
    return np.maximum(np.busday_count(days, np.asarray(last, dtype="datetime64[D]") + 1), 0)


def business_days_left_in_quarter(days: np.ndarray, start_month: int) -> np.ndarray:
    """For each day: the business days from it to its fiscal quarter's end, the day itself included."""
    days = np.asarray(days, dtype="datetime64[D]")
    return business_days_through(days, fiscal_quarter_end(days, start_month))


@lru_cache(maxsize=64)
def _zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


def local_time(day: dt.date, hour: float, timezone: str) -> dt.datetime:
    """A wall-clock time on `day` in `timezone`, as an aware UTC datetime.

    Exact for hours from 03:00 local on: the UTC offset is taken at local noon, and daylight-saving
    switches happen at 02:00-03:00. The generator only stamps office hours (8-18 local), about 600k
    times at the demo preset, so the offset is looked up once per (day, zone) instead of every time.
    """
    return _local_midnight_in_utc(day, timezone) + dt.timedelta(minutes=round(hour * 60))


@lru_cache(maxsize=65_536)
def _local_midnight_in_utc(day: dt.date, timezone: str) -> dt.datetime:
    noon = dt.datetime(day.year, day.month, day.day, 12, tzinfo=_zone(timezone)).astimezone(UTC)
    return noon - dt.timedelta(hours=12)


def utc_time(day: dt.date, hour: float) -> dt.datetime:
    seconds = round(hour * 3600)
    return dt.datetime(day.year, day.month, day.day, tzinfo=UTC) + dt.timedelta(seconds=seconds)
