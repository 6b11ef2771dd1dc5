"""Source connectors: copy CRM objects into the warehouse's `raw_crm` schema, incrementally."""
