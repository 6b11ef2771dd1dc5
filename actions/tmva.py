"""Build today's TMVAs for every rep and store them in `actions.tmva_daily`.

Reads the deals to score today (marts.ml_open_deals__features), values every play the
deal triggers, keeps each rep's top actions and renders them into an action,
context, script and timing. The table is the source of the CRM task sync.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import psycopg

from actions.acted_on import read_closed_tasks, without_advice_acted_on
from actions.coverage import TmvaGaps, tmva_gaps
from actions.owners import REPS_COLUMNS, REPS_RELATION, OwnerRouting, route_to_active_owners
from actions.playbook import Playbook, load_playbook
from actions.ranking import select_top_actions
from actions.templates import deal_facts, render
from actions.timing import DEFAULT_LOCAL_HOUR, best_hours_by_seniority, recommended_at
from actions.valuation import Predict, value_candidates_or_priors
from warehouse.frames import read_frame, relation_exists
from warehouse.schemas import ensure_schema

FEATURES_RELATION = "marts.ml_open_deals__features"
CONNECT_RATES_RELATION = "intermediate.int_calls__connect_rate_by_hour"
TMVA_COLUMNS = (
    "tmva_id", "as_of_date", "owner_id", "opportunity_id", "contact_id", "play_id", "action_type", "action_title",
    "context", "script", "recommended_at", "expected_impact_amount", "rank", "model_version",
)  # fmt: skip
TMVA_DDL = """
create table if not exists actions.tmva_daily (
    tmva_id text not null, as_of_date date not null, owner_id text not null, opportunity_id text not null,
    contact_id text, play_id text not null, action_type text not null, action_title text not null,
    context text not null, script text not null, recommended_at timestamptz not null,
    expected_impact_amount numeric(14, 2) not null, rank integer not null, model_version text not null,
    primary key (as_of_date, tmva_id)
)
"""


@dataclass(frozen=True)
class TmvaSummary:
    deals_considered: int
    candidates: int
    written: int
    reps: int
    owners: OwnerRouting = OwnerRouting()  # deals advised to the owner's manager, or held (actions/owners.py)
    gaps: TmvaGaps = TmvaGaps()  # deals without an amount, and why reps got no TMVA (actions/coverage.py)


def build_tmvas(
    warehouse_url: str,
    *,
    as_of_date: date,
    predict: Predict | None,
    model_version: str,
    playbook: Playbook | None = None,
    fiscal_year_start_month: int = 1,
) -> TmvaSummary:
    playbook = playbook or load_playbook()
    deals = read_frame(warehouse_url, f"select * from {FEATURES_RELATION}")
    deals_considered = len(deals)
    deals, owners = route_to_active_owners(
        deals, read_frame(warehouse_url, f"select {REPS_COLUMNS} from {REPS_RELATION}")
    )
    candidates, valued_by_model = value_candidates_or_priors(
        deals, playbook, predict, as_of_date, fiscal_year_start_month
    )
    # Advice a rep already completed or dismissed is not chosen again (actions/acted_on.py), so its slot
    # goes to the rep's next most valuable action.
    candidates = without_advice_acted_on(
        candidates,
        deals,
        read_closed_tasks(warehouse_url, as_of_date),
        as_of_date,
        playbook.repeat_after_days,
    )
    if predict is not None and not valued_by_model:
        model_version = f"playbook-priors ({model_version} valued no play above zero)"
    top = select_top_actions(
        candidates, per_rep=playbook.actions_per_rep, holdout_share=playbook.holdout_share
    )
    best_hours = _best_hours(warehouse_url)
    plays = {play.id: play for play in playbook.plays}
    deals_by_id = deals.set_index("opportunity_id", drop=False)

    rows = []
    for action in top.itertuples():
        deal = deals_by_id.loc[action.opportunity_id]
        play = plays[action.play_id]
        text = render(play, deal_facts(deal, as_of_date))
        hour = best_hours.get(str(deal.get("contact_seniority")), DEFAULT_LOCAL_HOUR)
        timezone_name = deal.get("contact_timezone") or deal.get("owner_timezone")
        rows.append(
            (
                action.tmva_id,
                as_of_date,
                action.owner_id,
                action.opportunity_id,
                deal.get("contact_id"),
                play.id,
                play.action_type,
                text["title"],
                text["context"],
                text["script"],
                recommended_at(as_of_date, hour, timezone_name if isinstance(timezone_name, str) else None),
                float(action.expected_impact_amount),
                int(action.rank),
                model_version,
            )
        )
    _write(warehouse_url, as_of_date, rows)
    return TmvaSummary(
        deals_considered,
        len(candidates),
        len(rows),
        top["owner_id"].nunique() if len(top) else 0,
        owners,
        tmva_gaps(deals, candidates, top, holdout_share=playbook.holdout_share),
    )


def _best_hours(warehouse_url: str) -> dict[str, int]:
    if not relation_exists(warehouse_url, CONNECT_RATES_RELATION):
        return {}
    return best_hours_by_seniority(read_frame(warehouse_url, f"select * from {CONNECT_RATES_RELATION}"))


def _write(warehouse_url: str, as_of_date: date, rows: list[tuple]) -> None:
    with psycopg.connect(warehouse_url) as conn:
        ensure_schema(conn, "actions")
        conn.execute(TMVA_DDL)
        conn.execute("delete from actions.tmva_daily where as_of_date = %s", (as_of_date,))
        with conn.cursor().copy(f"copy actions.tmva_daily ({', '.join(TMVA_COLUMNS)}) from stdin") as copy:
            for row in rows:
                copy.write_row(row)
