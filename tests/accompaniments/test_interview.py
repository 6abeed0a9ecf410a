import datetime

import pytest
from django.urls import reverse

from accompaniments.models import Interview
from audit.models import AuditEntry
from households.enums import Status
from tests.factories import HouseholdFactory

from .factories import AccompanimentFactory


@pytest.mark.django_db
def test_joint_interview_produces_the_social_report(
    client, social_worker, tenancy_officer, other_social_worker, letting_officer
):
    acc = AccompanimentFactory(
        household=HouseholdFactory(referent=social_worker, status=Status.ACCOMPANIED)
    )
    client.force_login(social_worker)
    url = reverse("accompaniments:interview_create", args=[acc.pk])
    data = {
        "kind": "during",
        "held_on": datetime.date.today().isoformat(),
        "social_worker": social_worker.pk,
        "tenancy_officer": tenancy_officer.pk,
        "difficulties": "Retards de loyer",
        "changes": "Prélèvement mis en place",
        "outcome": "Budget stabilisé",
        "autonomy_words": "Je m'en sors seule",
        "worries": "La fin des aides",
    }
    response = client.post(url, {**data, "tenancy_officer": ""})
    assert response.status_code == 200 and not Interview.objects.exists()
    response = client.post(url, data)
    interview = Interview.objects.get()
    assert (interview.social_worker, interview.tenancy_officer) == (social_worker, tenancy_officer)
    report = client.get(response.url)
    text = report.content.decode()
    assert "Prélèvement mis en place" in text and "La fin des aides" in text
    assert AuditEntry.objects.filter(object_type="accompaniments.Interview", action="view").exists()
    client.force_login(letting_officer)
    assert client.get(response.url).status_code == 403
    client.force_login(other_social_worker)
    assert client.post(url, data).status_code == 404


@pytest.mark.django_db
def test_social_report_pdf(client, social_worker, tenancy_officer):
    import io

    from pypdf import PdfReader

    acc = AccompanimentFactory(
        household=HouseholdFactory(referent=social_worker, status=Status.ACCOMPANIED)
    )
    interview = acc.interviews.create(
        kind="end",
        held_on=datetime.date(2027, 3, 1),
        social_worker=social_worker,
        tenancy_officer=tenancy_officer,
        difficulties="Retards de loyer",
        changes="Prélèvement automatique",
        outcome="Budget stabilisé",
        worries="La fin des aides",
    )
    client.force_login(social_worker)
    response = client.get(reverse("accompaniments:interview_pdf", args=[acc.pk, interview.pk]))
    assert response["Content-Type"] == "application/pdf"
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(response.content)).pages)
    assert "Rapport social" in text and "Prélèvement automatique" in text
    assert acc.household.display_name not in text  # reference and initials only
    assert AuditEntry.objects.filter(action="export", object_type="accompaniments.Interview")
