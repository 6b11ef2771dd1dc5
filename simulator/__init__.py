"""The demo CRM simulator: builds and advances a Salesforce-shaped sales org in schema `crm`, with its truth
in `sim_truth`. Only the CLI, the benchmarks and tests import it; the pipeline reads the `crm`
schema through crm/demo like any CRM."""
