"""The house's shape (docs/architecture.md): apps import downward only, with no cycle."""

from pathlib import Path

from importlinter.cli import lint_imports

ROOT = Path(__file__).resolve().parent.parent


def test_import_contracts_are_kept(monkeypatch):
    """The contracts in pyproject.toml ([tool.importlinter]): an upward import fails here."""
    monkeypatch.chdir(ROOT)
    assert lint_imports(no_cache=True) == 0
