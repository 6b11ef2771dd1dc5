"""A warehouse built from one CRM must not be updated from another without a rebuild.

Everything after staging is the same for every source, and much of it is incremental (the task and history
staging tables, the weekly deal snapshots): switching MOMENTUM_CRM (from the demo CRM to a Salesforce export,
say) and running on would mix the old CRM's snapshots with the new one's. The extract remembers which staging
folder the warehouse was last built for (`staging._crm_source`) and refuses a switch unless the run rebuilds
everything (`--full-refresh`), saying so.
"""

from __future__ import annotations

import psycopg

from extract.layout import RawLayout
from warehouse.schemas import ensure_schema

MARKER_TABLE = "staging._crm_source"


class CrmSourceSwitched(RuntimeError):
    """The warehouse was built from another CRM source; only a full refresh may switch it."""


def check_source_switch(
    warehouse_url: str, layout: RawLayout, *, full_refresh: bool, record: bool = True
) -> None:
    """Refuse a run on another source than the warehouse was built from, unless it is a full refresh; with
    `record`, remember the source the warehouse is now built from (the extract does; the CLI only asks)."""
    with psycopg.connect(warehouse_url, autocommit=True) as conn:
        ensure_schema(conn, "staging")
        conn.execute(
            f"create table if not exists {MARKER_TABLE} (dbt_staging text not null, raw_schema text not null)"
        )
        row = conn.execute(f"select dbt_staging, raw_schema from {MARKER_TABLE}").fetchone()
        if row is not None and row[0] != layout.dbt_staging and not full_refresh:
            raise CrmSourceSwitched(
                f"this warehouse was built from {row[1]} and MOMENTUM_CRM now reads into {layout.schema}: run "
                "`momentum run --full-refresh` once to rebuild every model from the new CRM (or set MOMENTUM_CRM "
                "back, or use another MOMENTUM_HOME / MOMENTUM_WAREHOUSE_URL)"
            )
        if not record:
            return
        with conn.transaction():
            conn.execute(f"delete from {MARKER_TABLE}")
            conn.execute(f"insert into {MARKER_TABLE} values (%s, %s)", (layout.dbt_staging, layout.schema))
