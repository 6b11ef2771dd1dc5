"""Small DataFrame helpers over psycopg, for the modest tables Python reads (one row per open deal)."""

from __future__ import annotations

from decimal import Decimal

import pandas as pd
import psycopg


def read_frame(url: str, query: str, params: tuple | dict | None = None) -> pd.DataFrame:
    """Run a query and return its rows; numeric (Decimal) columns come back as floats."""
    with psycopg.connect(url) as conn, conn.cursor() as cursor:
        cursor.execute(query, params)
        columns = [description.name for description in cursor.description]
        frame = pd.DataFrame(cursor.fetchall(), columns=columns)
    for column in frame.columns:
        if frame[column].map(lambda value: isinstance(value, Decimal)).any():
            frame[column] = frame[column].astype(float)
    return frame


def relation_exists(url: str, relation: str) -> bool:
    with psycopg.connect(url) as conn:
        return conn.execute("select to_regclass(%s) is not null", (relation,)).fetchone()[0]
