"""What the Salesforce sources raise for the user to fix, each said in one line by the CLI
(orchestration/failures.py). Kept apart from the sources so the CLI can name them without importing the
Salesforce client."""

from __future__ import annotations

from crm.connectors import CrmNotConfigured


class SalesforceSetupError(CrmNotConfigured):
    """The MOMENTUM_SALESFORCE_* settings are incomplete, invalid, or refused by the org."""


class SalesforceApiLimitReached(RuntimeError):
    """The org's daily API budget (or Momentum's ceiling within it) is spent: stop, keep what was extracted."""


class SalesforceBusy(SalesforceApiLimitReached):
    """REQUEST_LIMIT_EXCEEDED while the daily budget is not spent: the org's concurrent-request limit, which
    passes; a writer retries it with backoff, the extract stops as for the daily limit."""


class SalesforceFieldMissing(LookupError):
    """A field Momentum requires is not visible to the integration user."""
