"""README's « Captures d'écran »: every screen a journey per user kind saves (`make screenshots`)
is committed in docs/screenshots/ and shown in the README, and nothing else is."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_the_readme_shows_every_screen_the_journeys_save():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    shown = re.findall(r"\]\(docs/screenshots/([\w-]+)\.png\)", readme)
    saved = []
    for journey in sorted((ROOT / "tests" / "e2e").glob("test_journey_*.py")):
        saved += re.findall(r'screenshot\(page, "([\w-]+)"\)', journey.read_text(encoding="utf-8"))
    committed = {path.stem for path in (ROOT / "docs" / "screenshots").glob("*.png")}
    assert len(saved) == len(set(saved)), "deux écrans du même nom"
    assert len(saved) >= 10
    assert sorted(shown) == sorted(saved)
    assert committed == set(saved)
