from django.urls import path

from .views import comite, decisions, meetings, partners

app_name = "coordination"

urlpatterns = [
    path("", meetings.meeting_list, name="list"),
    path("planifier/", meetings.plan, name="plan"),
    path("membres-permanents/", meetings.standing_members, name="standing_members"),
    path("<int:pk>/", meetings.detail, name="detail"),
    path("<int:pk>/ordre-du-jour/", meetings.agenda, name="agenda"),
    path("<int:pk>/ordre-du-jour/inscrire/", meetings.agenda_add, name="agenda_add"),
    path("<int:pk>/ordre-du-jour/point/", meetings.agenda_manual, name="agenda_manual"),
    path(
        "<int:pk>/ordre-du-jour/<int:item_pk>/retirer/",
        meetings.agenda_remove,
        name="agenda_remove",
    ),
    path("<int:pk>/publier/", meetings.publish, name="publish"),
    path("<int:pk>/membres/ajouter/", meetings.member_add, name="member_add"),
    path("<int:pk>/membres/<int:user_pk>/retirer/", meetings.member_remove, name="member_remove"),
    path("<int:pk>/presences/", meetings.attendance, name="attendance"),
    path("<int:pk>/pre-lecture/", decisions.preread, name="preread"),
    path("<int:pk>/pre-lecture.pdf", decisions.preread_pdf, name="preread_pdf"),
    path("<int:pk>/points/<int:item_pk>/decision/", decisions.decide, name="decide"),
    path("<int:pk>/projet-compte-rendu.pdf", decisions.minutes_preview, name="minutes_preview"),
    path("<int:pk>/compte-rendu/approuver/", decisions.minutes_approve, name="minutes_approve"),
    path("<int:pk>/compte-rendu/corriger/", decisions.minutes_correct, name="minutes_correct"),
    path("comptes-rendus/<int:minutes_pk>/", decisions.minutes_download, name="minutes_download"),
    path("comite/<int:pk>/", comite.comite, name="comite"),
    path("comite/<int:pk>/membres/", comite.comite_participant_add, name="comite_participant_add"),
    path("comite/<int:pk>/ajustements/", comite.adjustment_add, name="adjustment_add"),
    path(
        "comite/<int:pk>/ajustements/<int:adjustment_pk>/",
        comite.adjustment_status,
        name="adjustment_status",
    ),
    path("comite/<int:pk>/bilan.pdf", comite.bilan_download, name="bilan_download"),
    path("partenaires/", partners.partner_list, name="partners"),
    path("partenaires/nouveau/", partners.partner_create, name="partner_create"),
    path("partenaires/<int:pk>/", partners.partner_detail, name="partner"),
    path(
        "menages/<int:household_pk>/orienter/",
        partners.orientation_create,
        name="orientation_create",
    ),
    path("orientations/<int:pk>/suite/", partners.orientation_outcome, name="orientation_outcome"),
]
