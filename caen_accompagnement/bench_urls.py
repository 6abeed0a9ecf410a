"""URLs of the bench's gunicorn only (bench_settings.py): the app's, plus `/banc-admin/`, a stock
Django admin site where households have a plain changelist (25 rows, the status and public
filters), reachable by a superuser. The app's own admin keeps households closed to the IT admin
role (households/admin.py): this site exists only on the bench's loopback server."""

from django.contrib import admin
from django.urls import path

from households.models import Household

from .urls import handler403, handler404  # noqa: F401
from .urls import urlpatterns as app_urlpatterns

site = admin.AdminSite(name="bench_admin")


class StockHouseholdAdmin(admin.ModelAdmin):
    list_display = ["reference", "public", "status", "referent"]
    list_filter = ["status", "public"]
    list_per_page = 25


site.register(Household, StockHouseholdAdmin)

urlpatterns = [path("banc-admin/", site.urls), *app_urlpatterns]
