"""What the HubSpot source raises for the user to fix, each said in one line by the CLI
(orchestration/failures.py). Kept apart from the source so the CLI can name them without importing the
HubSpot client."""

from __future__ import annotations

from crm.connectors import CrmNotConfigured


class HubSpotSetupError(CrmNotConfigured):
    """The MOMENTUM_HUBSPOT_* settings are incomplete, or HubSpot refused the access token."""


class HubSpotApiLimitReached(RuntimeError):
    """The portal's daily API limit is spent: stop, keep what was extracted, resume next run."""


class HubSpotPropertyMissing(LookupError):
    """A property Momentum requires is not readable with the access token (absent, or not in its scopes)."""


class HubSpotSyncUnsupported(CrmNotConfigured):
    """A sync writes a CRM object or field Momentum does not write to HubSpot: nothing was written."""


class HubSpotPropertiesMissing(HubSpotPropertyMissing):
    """The portal lacks properties a sync writes: nothing was written."""


class HubSpotSyncStopped(RuntimeError):
    """HubSpot kept refusing a write after the retries, or the sync's API-call ceiling was reached: the sync
    stopped; what HubSpot confirmed is recorded and the next run sends the rest."""
