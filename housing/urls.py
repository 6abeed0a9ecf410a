from django.urls import path

from . import views

app_name = "housing"

urlpatterns = [
    path("", views.dwelling_list, name="dwelling_list"),
    path("suivi/", views.letting_board, name="letting_board"),
    path("import/", views.import_upload, name="import"),
    path("import/<int:pk>/", views.import_detail, name="import_detail"),
    path("import/<int:pk>/appliquer/", views.import_apply, name="import_apply"),
    path("menage/<int:pk>/", views.pathway, name="pathway"),
    path("menage/<int:pk>/rapprochement/", views.matching, name="matching"),
    path("menage/<int:pk>/souhaits/", views.wishes, name="wishes"),
    path("menage/<int:pk>/proposer/<int:dwelling_pk>/", views.propose, name="propose"),
    path("menage/<int:pk>/relogement/", views.rehousing_create, name="rehousing_create"),
    path(
        "menage/<int:pk>/documents/<str:kind>/generer/",
        views.document_generate,
        name="document_generate",
    ),
    path("propositions/<int:pk>/reponse/", views.proposal_decide, name="proposal_decide"),
    path("relogements/<int:pk>/glissement/", views.glide, name="glide"),
    path("documents/<int:pk>/", views.document_download, name="document_download"),
    path("documents/<int:pk>/signature/", views.document_sign, name="document_sign"),
    path("documents/<int:pk>/exemplaire-signe/", views.document_scan, name="document_scan"),
]
