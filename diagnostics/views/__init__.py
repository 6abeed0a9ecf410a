"""The diagnostic pages, one module per page family (docs/architecture.md)."""
