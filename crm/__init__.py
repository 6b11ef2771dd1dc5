"""The customer's CRM: one package per kind of CRM, each a source the extract reads and a destination
reverse ETL writes.

The engines own the interfaces (`extract.source.CrmSource`, `reverse_etl.destination.Destination`) and
never import this package; `crm.connectors` picks the implementation from MOMENTUM_CRM and the
orchestration layer hands it to them. Today there is one kind, `demo`: a Salesforce-shaped CRM held in
PostgreSQL (the simulator's, or any database laid out like `simulator/schema.sql`).
"""
