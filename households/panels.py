"""The household file's tabs: its own (« Situation ») and one per app above households
(diagnostics, coordination, housing, accompaniments, privacy), which households does not import.

Each of those apps registers its panel in its `AppConfig.ready()`: the tab's key (in
`?onglet=`) and label, a template, `visible(user, household)` (whether the user has anything
to read there: the policy alone, no query) and `build(user, household)` returning what that
template reads as `panel` (a few queries, however long the household's history). The file
shows one tab at a time and builds only that one's panel (`households.views._detail`); by
default the tab of the household's step in the pathway (`steps`: the statuses it is the
current one for), else « Situation ». The tabs come in the order of INSTALLED_APPS, the order
of the pathway.
"""

from collections.abc import Callable
from dataclasses import dataclass

# The households app's own tab: identity, members, lists, pathway, référent.
SITUATION = "situation"
SITUATION_LABEL = "Situation"


@dataclass(frozen=True)
class Panel:
    key: str
    label: str
    template: str
    visible: Callable
    build: Callable
    steps: frozenset


_PANELS: dict[str, Panel] = {}


def register(key, label, template, *, visible, build, steps=()) -> None:
    """Called once per app, in its AppConfig.ready() (again: replaced, not repeated)."""
    _PANELS[key] = Panel(key, label, template, visible, build, frozenset(steps))


def tabs(user, household, asked=None) -> tuple[list[dict], Panel | None]:
    """The file's tabs `user` may read, the current one marked, and the current tab's panel
    (None for « Situation »): `asked` if it is one of them, else the household's step's."""
    shown = [panel for panel in _PANELS.values() if panel.visible(user, household)]
    keys = {panel.key for panel in shown}
    if asked not in keys and asked != SITUATION:
        step = (panel.key for panel in shown if household.status in panel.steps)
        asked = next(step, SITUATION)
    current = _PANELS.get(asked)
    entries = [(SITUATION, SITUATION_LABEL)] + [(panel.key, panel.label) for panel in shown]
    return [
        {"key": key, "label": label, "href": f"?onglet={key}", "current": key == asked}
        for key, label in entries
    ], current
