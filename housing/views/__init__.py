"""The housing pages, one module per page family (docs/architecture.md)."""
