"""HubSpot: the API source (api_source.py) and where it lands (layout.py)."""
