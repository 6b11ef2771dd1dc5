"""Salesforce: its objects as Momentum reads them, from the REST/Bulk API or from a data export's CSV files."""
