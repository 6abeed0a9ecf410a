from django.contrib import admin
from django.urls import include, path

from . import views

urlpatterns = [
    path("", views.home, name="home"),
    path("sante/", views.health, name="health"),
    path("accessibilite/", views.accessibility, name="accessibility"),
    path("", include("accounts.urls")),
    path("journal/", include("audit.urls")),
    path("notifications/", include("notifications.urls")),
    path("menages/", include("households.urls")),
    path("diagnostics/", include("diagnostics.urls")),
    path("logements/", include("housing.urls")),
    path("", include("accompaniments.urls")),
    path("cellule/", include("coordination.urls")),
    path("", include("reporting.urls")),
    path("", include("privacy.urls")),
    path("admin/", admin.site.urls),
]

handler403 = "caen_accompagnement.views.permission_denied"
handler404 = "caen_accompagnement.views.page_not_found"
