from django.urls import path

from . import views

app_name = "coordination"

urlpatterns = [
    path("", views.meeting_list, name="list"),
    path("planifier/", views.plan, name="plan"),
    path("membres-permanents/", views.standing_members, name="standing_members"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/ordre-du-jour/", views.agenda, name="agenda"),
    path("<int:pk>/ordre-du-jour/inscrire/", views.agenda_add, name="agenda_add"),
    path("<int:pk>/ordre-du-jour/point/", views.agenda_manual, name="agenda_manual"),
    path(
        "<int:pk>/ordre-du-jour/<int:item_pk>/retirer/",
        views.agenda_remove,
        name="agenda_remove",
    ),
    path("<int:pk>/publier/", views.publish, name="publish"),
    path("<int:pk>/membres/ajouter/", views.member_add, name="member_add"),
    path("<int:pk>/membres/<int:user_pk>/retirer/", views.member_remove, name="member_remove"),
    path("<int:pk>/presences/", views.attendance, name="attendance"),
    path("<int:pk>/pre-lecture/", views.preread, name="preread"),
    path("<int:pk>/pre-lecture.pdf", views.preread_pdf, name="preread_pdf"),
    path("<int:pk>/points/<int:item_pk>/decision/", views.decide, name="decide"),
    path("<int:pk>/projet-compte-rendu.pdf", views.minutes_preview, name="minutes_preview"),
    path("<int:pk>/compte-rendu/approuver/", views.minutes_approve, name="minutes_approve"),
    path("<int:pk>/compte-rendu/corriger/", views.minutes_correct, name="minutes_correct"),
    path("comptes-rendus/<int:minutes_pk>/", views.minutes_download, name="minutes_download"),
    path("comite/<int:pk>/", views.comite, name="comite"),
    path("comite/<int:pk>/membres/", views.comite_participant_add, name="comite_participant_add"),
    path("comite/<int:pk>/ajustements/", views.adjustment_add, name="adjustment_add"),
    path(
        "comite/<int:pk>/ajustements/<int:adjustment_pk>/",
        views.adjustment_status,
        name="adjustment_status",
    ),
    path("comite/<int:pk>/bilan/", views.bilan_upload, name="bilan_upload"),
    path("comite/<int:pk>/bilan.pdf", views.bilan_download, name="bilan_download"),
    path("partenaires/", views.partner_list, name="partners"),
    path("partenaires/nouveau/", views.partner_create, name="partner_create"),
    path("partenaires/<int:pk>/", views.partner_detail, name="partner"),
    path(
        "menages/<int:household_pk>/orienter/",
        views.orientation_create,
        name="orientation_create",
    ),
    path("orientations/<int:pk>/suite/", views.orientation_outcome, name="orientation_outcome"),
]
