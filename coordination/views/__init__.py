"""The cellule and comité pages, one module per page family (docs/architecture.md)."""
