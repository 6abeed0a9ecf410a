from django.urls import path

from . import views

app_name = "privacy"

urlpatterns = [
    path("donnees-personnelles/", views.personal_data, name="personal_data"),
    path("archives/", views.archive_list, name="archive_list"),
    path("archives/<int:pk>/", views.archive_read, name="archive_read"),
    path("menages/<int:pk>/droit-d-acces/", views.access_request, name="access_request"),
    path(
        "menages/<int:pk>/droit-d-acces/dossier.pdf",
        views.access_request_pdf,
        name="access_request_pdf",
    ),
    path(
        "menages/<int:pk>/droit-d-acces/dossier.json",
        views.access_request_json,
        name="access_request_json",
    ),
    path("menages/<int:pk>/notice-information/", views.record_notice, name="record_notice"),
]
