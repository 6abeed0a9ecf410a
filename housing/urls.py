from django.urls import path

from .views import board, documents, pathway, stock

app_name = "housing"

urlpatterns = [
    path("", stock.dwelling_list, name="dwelling_list"),
    path("suivi/", board.letting_board, name="letting_board"),
    path("import/", stock.import_upload, name="import"),
    path("import/<int:pk>/", stock.import_detail, name="import_detail"),
    path("import/<int:pk>/appliquer/", stock.import_apply, name="import_apply"),
    path("menage/<int:pk>/", pathway.pathway, name="pathway"),
    path("menage/<int:pk>/rapprochement/", pathway.matching, name="matching"),
    path("menage/<int:pk>/souhaits/", pathway.wishes, name="wishes"),
    path("menage/<int:pk>/proposer/<int:dwelling_pk>/", pathway.propose, name="propose"),
    path("menage/<int:pk>/relogement/", pathway.rehousing_create, name="rehousing_create"),
    path(
        "menage/<int:pk>/documents/<str:kind>/generer/",
        documents.document_generate,
        name="document_generate",
    ),
    path("propositions/<int:pk>/reponse/", pathway.proposal_decide, name="proposal_decide"),
    path("relogements/<int:pk>/glissement/", pathway.glide, name="glide"),
    path("documents/<int:pk>/", documents.document_download, name="document_download"),
    path("documents/<int:pk>/signature/", documents.document_sign, name="document_sign"),
    path("documents/<int:pk>/exemplaire-signe/", documents.document_scan, name="document_scan"),
]
