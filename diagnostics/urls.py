from django.urls import path

from .views import detail, edit, lists

app_name = "diagnostics"

urlpatterns = [
    path("", lists.worklist, name="list"),
    path("<int:pk>/", detail.detail, name="detail"),
    path("<int:pk>/saisie/", edit.edit, name="edit"),
    path("<int:pk>/etapes/", edit.add_step, name="add_step"),
    path("<int:pk>/etapes/<int:step_pk>/supprimer/", edit.delete_step, name="delete_step"),
    path("<int:pk>/rapport-codesi/", edit.upload_report, name="upload_report"),
    path("<int:pk>/rapport-codesi/fichier/", detail.social_report, name="social_report"),
    path("<int:pk>/rouvrir/", edit.reopen, name="reopen"),
    path("<int:pk>/examine/", edit.review, name="review"),
    path("<int:pk>/comparaison/", detail.compare_versions, name="compare"),
    path("<int:pk>/synthese/", detail.synthesis, name="synthesis"),
    path("<int:pk>/synthese.pdf", detail.synthesis_pdf, name="synthesis_pdf"),
    path("menage/<int:household_pk>/commencer/", edit.start, name="start"),
]
