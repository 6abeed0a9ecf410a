from django.urls import path

from . import views

app_name = "diagnostics"

urlpatterns = [
    path("", views.worklist, name="list"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/saisie/", views.edit, name="edit"),
    path("<int:pk>/etapes/", views.add_step, name="add_step"),
    path("<int:pk>/etapes/<int:step_pk>/supprimer/", views.delete_step, name="delete_step"),
    path("<int:pk>/rapport-codesi/", views.upload_report, name="upload_report"),
    path("<int:pk>/rapport-codesi/fichier/", views.social_report, name="social_report"),
    path("<int:pk>/rouvrir/", views.reopen, name="reopen"),
    path("<int:pk>/examine/", views.review, name="review"),
    path("<int:pk>/comparaison/", views.compare_versions, name="compare"),
    path("<int:pk>/synthese/", views.synthesis, name="synthesis"),
    path("<int:pk>/synthese.pdf", views.synthesis_pdf, name="synthesis_pdf"),
    path("menage/<int:household_pk>/commencer/", views.start, name="start"),
]
