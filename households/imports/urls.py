# Included by households/urls.py without a namespace: names live in "households:".
from django.urls import path  # noqa: F401

urlpatterns = []
