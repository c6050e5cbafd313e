"""The GitOps change flow: plans of pull requests, lifecycle, approvals, gates, scaffolding."""
