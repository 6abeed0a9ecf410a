import gc
import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "caen_accompagnement.settings")
application = get_wsgi_application()


def tune_garbage_collector():
    """The cyclic garbage collector, tuned for a long-lived server process (gunicorn's worker,
    `runserver`): what start-up built (modules, settings, models: some 120,000 objects) is frozen
    out of its scans (`gc.freeze`), and a young-generation collection runs every 50,000
    net allocations instead of 700. A request frees almost everything it builds by reference
    counting; the collector's passes over it and over the start-up objects were 1.5 ms of a
    list page (docs/performance.md, « The cost every page pays »)."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(50_000, 20, 10)


tune_garbage_collector()
