from django.urls import path

from . import views

app_name = "accompaniments"

urlpatterns = [
    path("mon-suivi/", views.caseload, name="caseload"),
    path("accompagnements/nouveau/<int:household_pk>/", views.start, name="start"),
    path("accompagnements/<int:pk>/", views.detail, name="detail"),
    path("accompagnements/<int:pk>/modifier/", views.edit_plan, name="edit_plan"),
    path(
        "accompagnements/<int:pk>/objectifs/nouveau/", views.objective_edit, name="objective_create"
    ),
    path(
        "accompagnements/<int:pk>/objectifs/<int:objective_pk>/",
        views.objective_edit,
        name="objective_edit",
    ),
    path("accompagnements/<int:pk>/contacts/nouveau/", views.contact_create, name="contact_create"),
    path(
        "accompagnements/<int:pk>/prolongation/", views.extension_request, name="extension_request"
    ),
    path(
        "accompagnements/<int:pk>/prolongation/<int:extension_pk>/decision/",
        views.extension_decide,
        name="extension_decide",
    ),
    path("accompagnements/<int:pk>/referent/", views.referent_change, name="referent_change"),
    path("accompagnements/<int:pk>/adhesion/", views.adhesion, name="adhesion"),
    path(
        "accompagnements/<int:pk>/entretiens/nouveau/",
        views.interview_create,
        name="interview_create",
    ),
    path(
        "accompagnements/<int:pk>/entretiens/<int:interview_pk>/",
        views.interview_detail,
        name="interview_detail",
    ),
    path(
        "accompagnements/<int:pk>/entretiens/<int:interview_pk>/pdf/",
        views.interview_pdf,
        name="interview_pdf",
    ),
    path("accompagnements/<int:pk>/cloture/", views.close, name="close"),
    path("accompagnements/<int:pk>/enquetes/nouvelle/", views.survey_create, name="survey_create"),
    path("enquetes/", views.surveys, name="surveys"),
    path("signalements/", views.signals, name="signals"),
    path("signalements/nouveau/", views.signal_create, name="signal_create"),
    path(
        "signalements/perte-adhesion/<int:household_pk>/",
        views.adhesion_loss_create,
        name="adhesion_loss_create",
    ),
    path("signalements/<int:pk>/", views.signal_detail, name="signal_detail"),
    path(
        "signalements/<int:pk>/prise-en-compte/",
        views.signal_acknowledge,
        name="signal_acknowledge",
    ),
]
