from django.urls import include, path

from . import views

app_name = "households"

urlpatterns = [
    path("", views.household_list, name="list"),
    path("nouveau/", views.household_create, name="create"),
    path("<int:pk>/", views.household_detail, name="detail"),
    path("<int:pk>/modifier/", views.household_edit, name="edit"),
    path("<int:pk>/statut/", views.change_status, name="change_status"),
    path("<int:pk>/referent/", views.assign_referent, name="assign_referent"),
    path("import/", include("households.imports.urls")),
]
