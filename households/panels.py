"""The household file's panels from the apps above households (diagnostics, housing,
accompaniments, coordination), which households does not import.

Each of those apps registers its panel in its `AppConfig.ready()`: a template and a function
`build(user, household)` returning what that template reads as `panel` (each with a few
queries, however long the household's history). The file's view gathers every panel before
rendering (`households.views._detail`); `templates/households/detail.html` includes each
template with its data and runs no query of its own. The panels come in the order of
INSTALLED_APPS, the order of the pathway.
"""

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Panel:
    template: str
    build: Callable


_PANELS: dict[str, Panel] = {}


def register(template: str, build: Callable) -> None:
    """Called once per app, in its AppConfig.ready() (again: replaced, not repeated)."""
    _PANELS[template] = Panel(template, build)


def gather(user, household) -> list[dict]:
    """Each panel's template and data, for `user` reading `household`'s file."""
    return [
        {"template": panel.template, "panel": panel.build(user, household)}
        for panel in _PANELS.values()
    ]
