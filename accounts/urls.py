from django.urls import path

from . import views

app_name = "accounts"

urlpatterns = [
    path("connexion/", views.LoginView.as_view(), name="login"),
    path("deconnexion/", views.logout_view, name="logout"),
    path("double-authentification/", views.two_factor_verify, name="two_factor_verify"),
    path(
        "double-authentification/activation/",
        views.two_factor_setup,
        name="two_factor_setup",
    ),
    path("mon-compte/", views.account, name="account"),
    path("mon-compte/mot-de-passe/", views.PasswordChangeView.as_view(), name="password_change"),
    path("mon-compte/codes-de-secours/", views.backup_codes, name="backup_codes"),
]
