"""The demo CRM: Salesforce-shaped objects as PostgreSQL tables in one schema (default `crm`)."""
