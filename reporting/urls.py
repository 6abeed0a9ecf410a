from django.urls import path

from . import views

app_name = "reporting"

urlpatterns = [
    path("tableaux-de-bord/", views.dashboard, name="dashboard"),
    path("tableaux-de-bord/actualiser/", views.dashboard_refresh, name="dashboard_refresh"),
    path("tableaux-de-bord/menages/", views.households, name="households"),
    path("tableaux-de-bord/budget/", views.budget, name="budget"),
    path("bilans/", views.bilans, name="bilans"),
    path("bilans/<int:year>/", views.bilan_year, name="bilan_year"),
    path("bilans/<int:year>/approuver/", views.bilan_publish, name="bilan_publish"),
    path("bilans/<int:year>/bilan.<str:fmt>", views.bilan_download, name="bilan_download"),
    path(
        "bilans/<int:year>/v<int:version>/bilan.<str:fmt>",
        views.published_download,
        name="published_download",
    ),
]
