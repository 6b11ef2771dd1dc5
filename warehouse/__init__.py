"""The one PostgreSQL warehouse: where it is, how to start it, how to connect."""
