"""The task rules a Salesforce destination needs beyond the warehouse stage (reverse_etl/api_stage.py): which of
Momentum's tasks are still Momentum's to rewrite, and which retire.

Shared by the API destination (destination.py, which reads the org's tasks by SOQL) and the Data Loader files
destination (data_loader/destination.py, which reads them from the latest export).
"""

from __future__ import annotations

from collections.abc import Mapping

from reverse_etl.api_stage import WarehouseStage


class StagedRecords(WarehouseStage):
    """The engine's stage of one run's changed records, plus the rules that need the CRM's current tasks."""

    def _writable(self, existing: tuple[str, str | None] | None) -> bool:
        """Whether a task (Id, Status) is still Momentum's to rewrite: a rep's completed one is theirs."""
        rule = self.mapping.writable_when
        return existing is None or rule is None or existing[1] in rule.values

    def _stale(self, existing: Mapping[str, tuple[str, str | None]]) -> list[tuple[str, str]]:
        """(external id, Id) of Momentum's tasks in a retirable status whose key left today's payload."""
        rule = self.mapping.retire_missing
        if rule is None:
            return []
        in_payload = self._payload_keys()
        return sorted(
            (external_id, task_id)
            for external_id, (task_id, status) in existing.items()
            if status in rule.from_values and external_id not in in_payload
        )
