"""What the going-forward check (bench/forecast_going_forward.py) reads and moves: the home's first morning run,
the forecast it published (saved before the CRM moves), the demo CRM advanced through the quarter, and the
quarter's closed-won per owner."""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import psycopg

from simulator.advance import advance_demo_crm
from simulator.build import demo_crm_exists, demo_today

MOMENTUM = Path(sys.executable).with_name("momentum")

FIRST_DAY_SQL = """
select s.forecast_level, s.forecast_group, s.owner_id, s.team, s.week_of_quarter,
       cast(s.ai_forecast_amount as double precision) as ai,
       cast(s.ai_forecast_p10_amount as double precision) as ai_p10,
       cast(s.ai_forecast_p90_amount as double precision) as ai_p90,
       cast(s.commit_amount as double precision) as commit,
       cast(s.stage_weighted_forecast_amount as double precision) as stage_weighted,
       cast(s.closed_won_amount as double precision) as closed_won
from marts.fct_forecast_snapshots as s
where s.is_current and s.as_of_date = %(as_of)s
order by s.forecast_level, s.forecast_group
"""

# The quarter's closed-won as the CRM holds it: won by the stage's meaning (as the forecast marts read it), closed
# inside the quarter, per current owner.
WON_BY_OWNER_SQL = """
select o.owner_id, cast(sum(o.amount) as double precision) as won_amount
from crm.opportunity as o
join crm.opportunity_stage as s on s.stage_name = o.stage_name
where s.is_won and o.closed_date between %(start)s and %(end)s and o.amount is not null
group by o.owner_id
"""


@dataclass(frozen=True)
class FirstDay:
    as_of: dt.date
    quarter: str
    quarter_start: dt.date
    quarter_end: dt.date
    week_of_quarter: int
    rows: pd.DataFrame


@dataclass(frozen=True)
class DemoSpec:
    """The demo CRM to build when the home has none (`momentum sim init` options)."""

    preset: str
    seed: int
    fiscal_year_start_month: int | None  # None: the preset's (January)
    today: dt.date | None  # None: the machine's today, as `momentum demo` builds it


def ensure_morning_run(url: str, home: Path, demo: DemoSpec, say: Callable) -> None:
    """Build the demo CRM (`momentum sim init`) and its first morning (`momentum demo`: retrain, then the morning
    job), unless the home has them."""
    if not demo_crm_exists(url):
        build = ["sim", "init", "--preset", demo.preset, "--seed", str(demo.seed)]
        if demo.fiscal_year_start_month:
            config = home / "going_forward" / "demo_config.yml"
            config.parent.mkdir(parents=True, exist_ok=True)
            config.write_text(f"fiscal_year_start_month: {demo.fiscal_year_start_month}\n")
            build += ["--config", str(config)]
        if demo.today:
            build += ["--today", demo.today.isoformat()]
        say(f"building the demo CRM: momentum {' '.join(build)} ...")
        _momentum(*build)
    morning = _morning_as_of(url)
    if morning is None:
        say("running the first morning: momentum demo (retrain, then the morning job) ...")
        _momentum("demo")
    else:
        say(f"reusing the home's demo CRM and its morning run as of {morning} (build options unused)")


def first_day_forecast(url: str, saved: Path, say: Callable) -> FirstDay:
    """The forecast the morning job published on the CRM's first day: read from the marts while the CRM still stands
    on the morning's as-of date (and saved), else the saved one."""
    today, morning = demo_today(url), _morning_as_of(url)
    kept = _load(saved) if saved.exists() else None
    if today == morning and (kept is None or today <= kept.quarter_end):
        first_day = _read_first_day(url, morning)
        _save(first_day, saved)
        return first_day
    if kept is not None and today > kept.as_of:
        say(f"the demo CRM is at {today}: comparing the first day saved in {saved} (as of {kept.as_of})")
        return kept
    raise SystemExit(
        f"the demo CRM's today ({today}) is past its last morning run ({morning}) and {saved} does not exist:"
        " the first day's forecast is gone; start from a new --home"
    )


def advance_through(url: str, quarter_end: dt.date, say: Callable) -> None:
    """Simulate every day up to and including the quarter's last day (the clock then stands on the next day)."""
    days = (quarter_end - demo_today(url)).days + 1
    if days <= 0:
        say(f"the demo CRM is already past {quarter_end}: not advanced")
        return
    say(f"advancing the demo CRM {days} days, through {quarter_end} (no morning run) ...")
    summary = advance_demo_crm(url, days)
    say(
        f"  {summary.from_date} -> {summary.to_date}: {summary.deals_won} won, {summary.deals_lost} lost,"
        f" {summary.deals_created} created ({summary.seconds:.0f} s)"
    )


def won_by_owner(url: str, start: dt.date, end: dt.date) -> pd.DataFrame:
    with psycopg.connect(url) as conn:
        cursor = conn.execute(WON_BY_OWNER_SQL, {"start": start, "end": end})
        return pd.DataFrame(cursor.fetchall(), columns=["owner_id", "won_amount"])


def oracle_expected(url: str, first_day: FirstDay) -> pd.Series | None:
    """Per rep, what the oracle (someone who knew each deal's true odds) expected on the first day of the open and
    not-yet-created deals (simulator/oracle_by_rep.py, as the backtest report's oracle); None off the demo CRM."""
    from ml.evaluation.truth import truth_readable
    from simulator.oracle_by_rep import oracle_open_and_new_by_rep

    if not truth_readable(url):
        return None
    oracle = oracle_open_and_new_by_rep(url, [(first_day.as_of, first_day.quarter_end)])
    return oracle.set_index("owner_id")["oracle_expected_amount"]


def crm_records_agreeing(url: str, first_day: FirstDay) -> dict:
    """How many of the quarter's momentum_forecast records in the CRM carry the first day's AI, P10 and P90 (to the
    currency unit: the sync rounds to whole units) and its as-of date. Records a later morning rewrote disagree."""
    rows = first_day.rows[first_day.rows["forecast_level"].isin(["rep", "team"])]
    expected = {
        f"momentum-forecast:{row.forecast_level}:{row.forecast_group}:{first_day.quarter}": row
        for row in rows.itertuples()
    }
    with psycopg.connect(url) as conn:
        records = conn.execute(
            "select ai_external_id, ai_forecast, ai_forecast_p10, ai_forecast_p90, ai_as_of_date"
            " from crm.momentum_forecast where ai_fiscal_quarter = %s",
            (first_day.quarter,),
        ).fetchall()
    agreeing = 0
    for external_id, ai, p10, p90, as_of in records:
        row = expected.get(external_id)
        pairs = () if row is None else ((ai, row.ai), (p10, row.ai_p10), (p90, row.ai_p90))
        agreeing += bool(pairs) and as_of == first_day.as_of and all(_same(w, p) for w, p in pairs)
    return {"compared": len(records), "agreeing": agreeing}


def _same(written, published) -> bool:
    if written is None or published is None or published != published:
        return written is None and (published is None or published != published)
    return abs(float(written) - float(published)) <= 1


def _morning_as_of(url: str) -> dt.date | None:
    with psycopg.connect(url) as conn:
        if conn.execute("select to_regclass('marts.fct_forecast_snapshots')").fetchone()[0] is None:
            return None
        return conn.execute(
            "select max(as_of_date) from marts.fct_forecast_snapshots where is_current and ai_forecast_amount is not null"
        ).fetchone()[0]


def _read_first_day(url: str, as_of: dt.date) -> FirstDay:
    with psycopg.connect(url) as conn:
        quarter, start, end, week = conn.execute(
            "select fiscal_quarter, fiscal_quarter_start_date, fiscal_quarter_end_date, week_of_quarter"
            " from intermediate.int_forecast_weeks where as_of_date = %s",
            (as_of,),
        ).fetchone()
        cursor = conn.execute(FIRST_DAY_SQL, {"as_of": as_of})
        rows = pd.DataFrame(cursor.fetchall(), columns=[c.name for c in cursor.description])
    return FirstDay(as_of, quarter, start, end, int(week), rows)


def _save(first_day: FirstDay, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    payload = {
        "as_of_date": first_day.as_of.isoformat(),
        "fiscal_quarter": first_day.quarter,
        "fiscal_quarter_start_date": first_day.quarter_start.isoformat(),
        "fiscal_quarter_end_date": first_day.quarter_end.isoformat(),
        "week_of_quarter": first_day.week_of_quarter,
        "rows": json.loads(first_day.rows.to_json(orient="records")),
    }
    path.write_text(json.dumps(payload, indent=1))


def _load(path: Path) -> FirstDay:
    payload = json.loads(path.read_text())
    return FirstDay(
        dt.date.fromisoformat(payload["as_of_date"]),
        payload["fiscal_quarter"],
        dt.date.fromisoformat(payload["fiscal_quarter_start_date"]),
        dt.date.fromisoformat(payload["fiscal_quarter_end_date"]),
        int(payload["week_of_quarter"]),
        pd.DataFrame(payload["rows"]),
    )


def _momentum(*args: str) -> None:
    subprocess.run([str(MOMENTUM), *args], check=True, stdout=sys.stderr)
