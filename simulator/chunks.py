"""Simulate and write the demo CRM's deals in chunks of consecutive deals, in worker processes.

Deals never interact in the latent process, so a chunk can be simulated on its own: it gets its own
random streams ([seed, 3, chunk] for the latent steps, [seed, 2, chunk, deal] for each deal's visible
details) and its own block of record numbers (chunk k numbers its tasks, events, ... from
k * ID_BLOCK + 1). The output then depends on the seed and the fixed chunk size only, never on how many
processes ran. Two things follow: memory is bounded by one chunk's logs and rows (the xl preset has ~1M
deals), and on this 2-core machine two workers build rows while the parent streams the previous chunk's
COPY text into PostgreSQL.
"""

from __future__ import annotations

import datetime as dt
import multiprocessing
import os
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np

from simulator.config import DemoConfig
from simulator.load import copy_text
from simulator.org import Org
from simulator.plan import DealPlan
from simulator.rows import TABLES, DealRowBuilder
from simulator.simulate import SimLog, deal_daily_rows, simulate
from simulator.state import OpenDeals
from simulator.truth_quarter import DealTruth

DEALS_PER_CHUNK = 10_000
# Record numbers per chunk and kind: a 10,000-deal chunk writes ~350k tasks at the busiest presets.
ID_BLOCK = 10_000_000
MAX_WORKERS = 2


@dataclass(frozen=True)
class BuildInputs:
    """Everything a chunk needs; inherited by forked workers, never pickled."""

    config: DemoConfig
    org: Org
    plan: DealPlan
    days: np.ndarray
    today: dt.date
    truth: DealTruth
    seed: int


@dataclass
class ChunkRows:
    """One chunk, ready to load: COPY text per table (crm.* and sim_truth.deal_daily)."""

    index: int
    copy_text: dict[str, str]
    issued: dict[str, int]  # the last record number used per kind
    open_deals: OpenDeals


def n_chunks(n_deals: int) -> int:
    return max(1, -(-n_deals // DEALS_PER_CHUNK))


def build_chunks(inputs: BuildInputs) -> Iterator[ChunkRows]:
    """Each chunk's rows, in chunk order. Several chunks: built by up to MAX_WORKERS forked processes.

    Call it before opening a database connection: the workers are forked when iteration starts.
    """
    chunks = range(n_chunks(len(inputs.plan)))
    workers = min(MAX_WORKERS, os.cpu_count() or 1, len(chunks))
    if workers == 1:
        yield from (_build_chunk(inputs, k) for k in chunks)
        return
    # fork: the workers inherit the org, plan and truth table instead of unpickling copies of them.
    with multiprocessing.get_context("fork").Pool(workers, _remember, (inputs,)) as pool:
        yield from pool.imap(_build_in_worker, chunks)


_inputs: BuildInputs | None = None


def _remember(inputs: BuildInputs) -> None:
    global _inputs
    _inputs = inputs


def _build_in_worker(k: int) -> ChunkRows:
    return _build_chunk(_inputs, k)


def _build_chunk(inputs: BuildInputs, k: int) -> ChunkRows:
    first = k * DEALS_PER_CHUNK
    plan = inputs.plan.take(slice(first, first + DEALS_PER_CHUNK))
    today = np.datetime64(inputs.today)
    rng = np.random.default_rng([inputs.seed, 3, k])
    log = simulate(inputs.config, inputs.org, plan, inputs.days, today, inputs.truth, rng)
    first_ids = {kind: k * ID_BLOCK for kind in TABLES[1:]}
    builder = DealRowBuilder(
        inputs.config, inputs.org, plan, log, inputs.days, inputs.today, inputs.seed, first, (2, k), first_ids
    )
    pieces: dict[str, list[str]] = {table: [] for table in TABLES}
    for batch in builder.batches():
        for table, batch_rows in batch.items():
            pieces[table].append(copy_text(batch_rows))
    text = {f"crm.{table}": "".join(table_pieces) for table, table_pieces in pieces.items()}
    text["sim_truth.deal_daily"] = copy_text(deal_daily_rows(log.truth, first))
    issued = {kind: sequence.issued for kind, sequence in builder.ids.items()}
    return ChunkRows(k, text, issued, _open_deals(plan, log, first))


def _open_deals(plan: DealPlan, log: SimLog, first: int) -> OpenDeals:
    """What simulator.advance needs to continue: each deal open at the start of today, as it stands."""
    deal = np.nonzero(log.is_open)[0]
    fields = log.fields
    return OpenDeals(
        first + deal,
        plan.rep[deal],
        plan.account[deal],
        log.final_state[deal],
        fields.amount[deal],
        fields.close[deal],
        fields.category[deal],
    )
