from django.urls import path

from .views import accompaniment, caseload, closure, plan, signals, visits

app_name = "accompaniments"

urlpatterns = [
    path("mon-suivi/", caseload.caseload, name="caseload"),
    path("accompagnements/nouveau/<int:household_pk>/", plan.start, name="start"),
    path("accompagnements/<int:pk>/", accompaniment.detail, name="detail"),
    path("accompagnements/<int:pk>/modifier/", plan.edit_plan, name="edit_plan"),
    path(
        "accompagnements/<int:pk>/objectifs/nouveau/", plan.objective_edit, name="objective_create"
    ),
    path(
        "accompagnements/<int:pk>/objectifs/<int:objective_pk>/",
        plan.objective_edit,
        name="objective_edit",
    ),
    path(
        "accompagnements/<int:pk>/contacts/nouveau/",
        accompaniment.contact_create,
        name="contact_create",
    ),
    path(
        "accompagnements/<int:pk>/prolongation/", plan.extension_request, name="extension_request"
    ),
    path(
        "accompagnements/<int:pk>/prolongation/<int:extension_pk>/decision/",
        plan.extension_decide,
        name="extension_decide",
    ),
    path("accompagnements/<int:pk>/referent/", plan.referent_change, name="referent_change"),
    path("accompagnements/<int:pk>/adhesion/", accompaniment.adhesion, name="adhesion"),
    path(
        "accompagnements/<int:pk>/entretiens/nouveau/",
        closure.interview_create,
        name="interview_create",
    ),
    path(
        "accompagnements/<int:pk>/entretiens/<int:interview_pk>/",
        closure.interview_detail,
        name="interview_detail",
    ),
    path(
        "accompagnements/<int:pk>/entretiens/<int:interview_pk>/pdf/",
        closure.interview_pdf,
        name="interview_pdf",
    ),
    path("accompagnements/<int:pk>/cloture/", closure.close, name="close"),
    path(
        "accompagnements/<int:pk>/enquetes/nouvelle/", closure.survey_create, name="survey_create"
    ),
    path("accompagnements/<int:pk>/rendez-vous/nouveau/", visits.visit_plan, name="visit_plan"),
    path(
        "accompagnements/<int:pk>/rendez-vous/<int:visit_pk>/deplacer/",
        visits.visit_move,
        name="visit_move",
    ),
    path(
        "accompagnements/<int:pk>/rendez-vous/<int:visit_pk>/annuler/",
        visits.visit_cancel,
        name="visit_cancel",
    ),
    path("menages/<int:household_pk>/rappels/", visits.reminder_consent, name="reminder_consent"),
    path("enquetes/", caseload.surveys, name="surveys"),
    path("signalements/", signals.signals, name="signals"),
    path("signalements/nouveau/", signals.signal_create, name="signal_create"),
    path(
        "signalements/perte-adhesion/<int:household_pk>/",
        signals.adhesion_loss_create,
        name="adhesion_loss_create",
    ),
    path("signalements/<int:pk>/", signals.signal_detail, name="signal_detail"),
    path(
        "signalements/<int:pk>/prise-en-compte/",
        signals.signal_acknowledge,
        name="signal_acknowledge",
    ),
]
