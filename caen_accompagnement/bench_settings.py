"""Settings of the bench's own gunicorn (caen_accompagnement/benchmark.py), never of a deployment:
the app's settings, plus a stock Django admin changelist of households as the peer to compare
with (caen_accompagnement/bench_urls.py)."""

from .settings import *  # noqa: F403

ROOT_URLCONF = "caen_accompagnement.bench_urls"
