"""What the simulator persists in sim_truth so `simulator.advance` can continue where it stopped.

sim_truth.sim_state holds the seed, the history start and the DemoConfig (as JSON, so a custom
config survives); sim_truth.id_counter the last number issued per record kind; sim_truth.deal_state
every open deal's hidden latent state and tracked-field values. The org (reps, accounts, contacts) is
not stored: it is rebuilt from (config, seed, history start), exactly as the build made it.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from dataclasses import dataclass

import numpy as np
import psycopg

from simulator.config import DemoConfig, StageConfig, TeamConfig
from simulator.latent import STATE_COLUMNS, LatentParams

STATE_SQL_COLUMNS = ("deal", "rep", "account", *STATE_COLUMNS, "amount", "close_date", "category")


def config_to_json(config: DemoConfig) -> str:
    return json.dumps(dataclasses.asdict(config), sort_keys=True)


def config_from_json(text: str) -> DemoConfig:
    """Tuples come back as lists from JSON; LatentParams must stay hashable (the truth table is cached on it)."""
    raw = json.loads(text)
    latent = {k: tuple(v) if isinstance(v, list) else v for k, v in raw.pop("latent").items()}
    return DemoConfig(
        **{k: v for k, v in raw.items() if k not in ("teams", "stages")},
        teams=tuple(TeamConfig(t["name"], tuple(t["rep_segments"])) for t in raw["teams"]),
        stages=tuple(StageConfig(**s) for s in raw["stages"]),
        latent=LatentParams(**latent),
    )


@dataclass
class OpenDeals:
    """Open deals, one entry per deal (arrays), ordered by deal number."""

    deal: np.ndarray
    rep: np.ndarray
    account: np.ndarray
    state: np.ndarray  # latent rows, columns as in STATE_COLUMNS
    amount: np.ndarray  # nan: no amount
    close: np.ndarray  # datetime64[D]
    category: np.ndarray

    def __len__(self) -> int:
        return len(self.deal)

    def take(self, keep: np.ndarray) -> OpenDeals:
        return OpenDeals(*(getattr(self, f.name)[keep] for f in dataclasses.fields(self)))

    @staticmethod
    def concat(*parts: OpenDeals) -> OpenDeals:
        return OpenDeals(
            *(np.concatenate([getattr(p, f.name) for p in parts]) for f in dataclasses.fields(OpenDeals))
        )


def save_state(
    conn: psycopg.Connection,
    deals: OpenDeals,
    counters: dict[str, int],
    sim: tuple[DemoConfig, int, dt.date] | None = None,
) -> None:
    """Replace the persisted open deals and counters (and, given `sim`, the build's seed and config)."""
    if sim is not None:
        config, seed, start = sim
        conn.execute("delete from sim_truth.sim_state")
        conn.execute(
            "insert into sim_truth.sim_state (seed, history_start, config_json) values (%s, %s, %s)",
            (seed, start, config_to_json(config)),
        )
    conn.execute("delete from sim_truth.id_counter")
    with conn.cursor().copy("copy sim_truth.id_counter (kind, issued) from stdin") as copy:
        for kind in sorted(counters):
            copy.write_row((kind, int(counters[kind])))
    conn.execute("delete from sim_truth.deal_state")
    columns = ", ".join(STATE_SQL_COLUMNS)
    with conn.cursor().copy(f"copy sim_truth.deal_state ({columns}) from stdin") as copy:
        for i in range(len(deals)):
            amount = deals.amount[i]
            copy.write_row(
                (
                    int(deals.deal[i]),
                    int(deals.rep[i]),
                    int(deals.account[i]),
                    *(int(v) for v in deals.state[i]),
                    None if np.isnan(amount) else float(amount),
                    deals.close[i].astype("datetime64[D]").item(),
                    int(deals.category[i]),
                )
            )


def load_state(conn: psycopg.Connection) -> tuple[DemoConfig, int, dt.date, OpenDeals, dict[str, int]]:
    if conn.execute("select to_regclass('sim_truth.sim_state')").fetchone()[0] is None:
        raise LookupError("no simulator state here (sim_truth.sim_state): run `momentum sim init` first")
    row = conn.execute("select seed, history_start, config_json from sim_truth.sim_state").fetchone()
    if row is None:
        raise LookupError("sim_truth.sim_state is empty: build the demo CRM with this version first")
    seed, start, config_json = row
    counters = dict(conn.execute("select kind, issued from sim_truth.id_counter").fetchall())
    rows = conn.execute(
        f"select {', '.join(STATE_SQL_COLUMNS)} from sim_truth.deal_state order by deal"
    ).fetchall()
    n_state = len(STATE_COLUMNS)
    table = np.array([r[: 3 + n_state] for r in rows], dtype=np.int64).reshape(len(rows), 3 + n_state)
    deals = OpenDeals(
        deal=table[:, 0],
        rep=table[:, 1],
        account=table[:, 2],
        state=table[:, 3:].copy(),
        amount=np.array([np.nan if r[-3] is None else r[-3] for r in rows], dtype=float),
        close=np.array([r[-2] for r in rows], dtype="datetime64[D]"),
        category=np.array([r[-1] for r in rows], dtype=np.int64),
    )
    return config_from_json(config_json), int(seed), start, deals, counters
