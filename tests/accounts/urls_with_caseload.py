"""The project's URLs plus a stand-in caseload page, to test the social worker's landing page
whether or not the accompaniments app has built its own yet."""

from django.http import HttpResponse
from django.urls import include, path

from caen_accompagnement.urls import handler403  # noqa: F401
from caen_accompagnement.urls import urlpatterns as project

caseload = (
    [path("mon-suivi/", lambda request: HttpResponse("caseload"), name="caseload")],
    "accompaniments",
)

urlpatterns = [
    path("test-accompaniments/", include(caseload)),
    *(p for p in project if getattr(p, "namespace", None) != "accompaniments"),
]
