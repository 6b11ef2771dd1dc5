"""The demo CRM: a Salesforce-shaped sales org in schema `crm`, with its truth in `sim_truth`."""
