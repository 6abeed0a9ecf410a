import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "caen_accompagnement.settings")

app = Celery("caen_accompagnement")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
