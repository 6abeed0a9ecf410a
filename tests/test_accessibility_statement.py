"""/accessibilite/: the RGAA statement says what was tested, on which pages, with which tools,
when, whom to contact and where to appeal; its level is the one the tests support."""

from django.urls import reverse
from django.utils.html import escape

from caen_accompagnement.accessibility import CRITERIA


def test_the_statement_lists_criteria_sample_tools_date_contact_and_recourse(db, client, settings):
    settings.ACCESSIBILITY_CONTACT_EMAIL = "accessibilite@test.caen.fr"
    response = client.get(reverse("accessibility"))  # public: no login
    assert response.status_code == 200
    html = response.content.decode()
    # Only the criteria the sweep checks are listed, each with its result: partially conformant,
    # never "totalement conforme" while the other criteria are not evaluated.
    assert "<strong>partiellement conforme</strong>" in html
    assert "totalement conforme" not in html.replace("pas se déclarer totalement conforme", "")
    for number, subject, result, _ in CRITERIA:
        assert f"<td>{number}</td>" in html and escape(subject) in html and result in html
    for expected in (
        "10.7",
        "10.11",
        "11.10",
        "/mon-suivi/",
        "axe-core 4.12",
        "29/11/2026",
        'href="mailto:accessibilite@test.caen.fr"',
        "Défenseur des droits",
        "Libre réponse",
    ):
        assert expected in html, expected
