"""The house's shape (docs/architecture.md): apps import downward only, with no cycle."""

from pathlib import Path

from importlinter.cli import lint_imports

ROOT = Path(__file__).resolve().parent.parent


def test_import_contracts_are_kept(monkeypatch):
    """The contracts in pyproject.toml ([tool.importlinter]): an upward import fails here."""
    monkeypatch.chdir(ROOT)
    assert lint_imports(no_cache=True) == 0


def test_code_cites_only_documents_in_the_repository():
    """Comments cite docs/*.md, which ship with the code — not design notes kept elsewhere."""
    outside = ("ACCESS.md", "DOMAIN.md", "STYLE.md", "seed §")
    offenders = [
        f"{path.relative_to(ROOT)}: {needle}"
        for pattern in ("*.py", "*.html")
        for path in ROOT.rglob(pattern)
        if not {".venv", "node_modules", ".git"} & set(path.parts) and path != Path(__file__)
        for needle in outside
        if needle in path.read_text(encoding="utf-8", errors="ignore")
    ]
    assert not offenders, offenders
