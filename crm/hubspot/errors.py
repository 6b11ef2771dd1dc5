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
