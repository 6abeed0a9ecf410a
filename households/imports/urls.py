# Included by households/urls.py without a namespace: names live in "households:".
from django.urls import path

from . import views

urlpatterns = [
    path("", views.upload, name="import"),
    path("<int:pk>/", views.preview, name="import_preview"),
    path("<int:pk>/avancement/", views.progress, name="import_progress"),
    path("<int:pk>/confirmer/", views.confirm, name="import_confirm"),
    path("<int:pk>/annuler/", views.cancel, name="import_cancel"),
]
