"""Reverse ETL: write Momentum's scores and TMVA tasks back into the CRM.

Mappings (YAML in `mappings/`) declare each sync; `run_sync` diffs a mapping's payload against
the state of the last sync (schema `reverse_etl` in the warehouse) and writes only new or changed
records, inside the allow-list (`allow_list.yml`), into the demo CRM.
"""

from reverse_etl.mapping import AllowListError, Mapping, MappingError, load_mappings
from reverse_etl.result import SyncResult, format_summary
from reverse_etl.sync import run_sync

__all__ = [
    "AllowListError",
    "Mapping",
    "MappingError",
    "SyncResult",
    "format_summary",
    "load_mappings",
    "run_sync",
]
