"""Stream rows between two PostgreSQL sessions with COPY, block by block, never holding a table in memory."""

from __future__ import annotations

import psycopg
from psycopg import sql


def stream_copy(
    source: psycopg.Connection, target: psycopg.Connection, copy_out: sql.Composable, copy_in: sql.Composable
) -> None:
    """Feed `COPY ... TO STDOUT` on `source` into `COPY ... FROM STDIN` on `target` (same column order)."""
    with (
        source.cursor() as out_cursor,
        target.cursor() as in_cursor,
        out_cursor.copy(copy_out) as copy_from,
        in_cursor.copy(copy_in) as copy_to,
    ):
        for block in copy_from:
            copy_to.write(block)
