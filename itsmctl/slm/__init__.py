"""Service level management: SLA compliance, DORA metrics, problem candidates."""
