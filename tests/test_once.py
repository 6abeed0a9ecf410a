"""One-time form keys (audit/once.py): every form that creates records, posted twice with the same
key (a retried submit, a double tap, two tabs), saves once and the second post gets the first
one's answer, not an error page.

- an architecture test: every create view is decorated with `submitted_once` and every form
  posting to one renders `{% once_key %}`; a view that creates rows without it must be listed,
  with its reason, in NOT_ONCE;
- the mechanism itself: sequential and concurrent duplicates, a refused first post, a foreign key;
- double posts of the create forms, each through its real page (the key is read from the form).
"""

import ast
import datetime
import inspect
import re
import textwrap
import threading
import uuid
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from accompaniments.models import Accompaniment, Extension, Objective, Signal, SignalKind
from audit.models import FormSubmission
from coordination.models import AgendaItem, Meeting, Partner
from diagnostics.enums import StepKind
from diagnostics.models import DiagnosticStep
from households.enums import Status
from households.models import Household
from tests.accompaniments.factories import AccompanimentFactory
from tests.conftest import require_postgresql
from tests.diagnostics.factories import DiagnosticFactory
from tests.factories import HouseholdFactory
from tests.households.test_forms import household_fields, person, post_data
from tests.housing.test_documents import rehoused  # noqa: F401 (a fixture)
from tests.test_access_matrix import named_patterns

# Every view that creates records from a form; each is decorated with `submitted_once`.
CREATE_VIEWS = {
    "households:create",
    "households:import",
    "diagnostics:start",
    "diagnostics:add_step",
    "housing:import",
    "housing:propose",
    "housing:rehousing_create",
    "housing:document_generate",
    "accompaniments:start",
    "accompaniments:objective_create",
    "accompaniments:objective_edit",  # the same view as objective_create
    "accompaniments:contact_create",
    "accompaniments:extension_request",
    "accompaniments:adhesion",
    "accompaniments:interview_create",
    "accompaniments:close",
    "accompaniments:survey_create",
    "accompaniments:signal_create",
    "accompaniments:adhesion_loss_create",
    "accompaniments:visit_plan",
    "accompaniments:reminder_consent",
    "coordination:plan",
    "coordination:agenda_add",
    "coordination:agenda_manual",
    "coordination:decide",
    "coordination:comite_participant_add",
    "coordination:adjustment_add",
    "coordination:partner_create",
    "coordination:partner",  # a partner's page adds a contact person
    "coordination:orientation_create",
    "privacy:record_notice",
    "reporting:dashboard_refresh",  # recomputes the dashboard's figures (no new row: once is enough)
}

# Views whose code creates rows but need no key, and why.
NOT_ONCE = {
    "households:import_confirm": "applies one import once (the batch is locked and marked done)",
    "housing:import_apply": "applies one stock import once (the import is marked applied)",
    "housing:wishes": "update_or_create of the household's only wishes row",
    "coordination:standing_members": "get_or_create of a standing member",
    "privacy:archive_read": "each reading of an archived file is recorded, on purpose",
    "notifications:preferences": "each user's preference rows, replaced (update_or_create)",
}

# Calls that create rows, in a view's own code.
CREATING_CALLS = re.compile(
    r"\.(objects\.create|create|bulk_create|get_or_create|update_or_create|record|"
    r"add_item|begin|request_extension|generate)\(|form\.save\(|\.save\(\)"
)


def callbacks(resolver=None, namespace=""):
    """{"namespace:name": view} for every named URL pattern (as the access walk names them)."""
    found = {}
    for entry in (resolver or get_resolver()).url_patterns:
        if isinstance(entry, URLResolver):
            ns = entry.namespace or ""
            prefix = f"{namespace}:{ns}" if namespace and ns else (ns or namespace)
            found.update(callbacks(entry, prefix))
        elif isinstance(entry, URLPattern) and entry.name:
            found[f"{namespace}:{entry.name}" if namespace else entry.name] = entry.callback
    return found


def view_of(name):
    return callbacks()[name]


def own_source(view):
    while hasattr(view, "__wrapped__"):
        view = view.__wrapped__
    try:
        return textwrap.dedent(inspect.getsource(view))
    except (OSError, TypeError):
        return ""


def test_every_create_view_is_submitted_once():
    names = set(named_patterns())
    assert CREATE_VIEWS <= names, CREATE_VIEWS - names
    undecorated = sorted(n for n in CREATE_VIEWS if not getattr(view_of(n), "submitted_once", 0))
    assert not undecorated, f"sans @submitted_once : {undecorated}"
    decorated = {n for n in names if getattr(view_of(n), "submitted_once", False)}
    assert decorated == CREATE_VIEWS, decorated ^ CREATE_VIEWS


def test_a_view_that_creates_rows_is_declared():
    """A new view whose code creates rows fails here until it is in CREATE_VIEWS (with
    `@submitted_once` and `{% once_key %}`) or in NOT_ONCE with its reason."""
    assert set(NOT_ONCE) <= set(named_patterns())
    forgotten = []
    for name in sorted(set(named_patterns())):
        if name.startswith("accounts:"):
            continue  # login, password and two-factor forms: the user's own account
        source = own_source(view_of(name))
        tree = ast.parse(source) if source else None
        if tree is None or not CREATING_CALLS.search(source):
            continue
        if name not in CREATE_VIEWS and name not in NOT_ONCE:
            forgotten.append(name)
    assert not forgotten, f"vues qui créent sans clé à usage unique : {forgotten}"


def test_every_form_posting_to_a_create_view_carries_the_key():
    templates = Path(settings.BASE_DIR, "templates")
    missing = []
    for path in templates.rglob("*.html"):
        text = path.read_text()
        for form in re.findall(r"<form\b.*?</form>", text, flags=re.S):
            action = re.search(r"""action="\{% url '([\w:]+)'""", form)
            if action and action.group(1) in CREATE_VIEWS and "{% once_key %}" not in form:
                missing.append(f"{path.relative_to(templates)} → {action.group(1)}")
    assert not missing, missing


def test_every_create_view_has_its_double_post_test():
    source = Path(__file__).read_text()
    tested = set(re.findall(r'reverse\("([\w:]+)"', source.split("# --- the mechanism")[-1]))
    untested = CREATE_VIEWS - tested - {"accompaniments:objective_edit"}  # objective_create's view
    assert not untested, untested


# --- the mechanism ----------------------------------------------------------------------------
def form_key(response):
    found = re.search(r'name="once_key" value="([0-9a-f-]{36})"', response.content.decode())
    assert found, "the form carries no one-time key"
    return found.group(1)


def meeting_data(key, day=20):
    date = (timezone.localdate() + datetime.timedelta(days=day)).isoformat()
    return {"kind": "cellule", "date_1": date, "at": "10:00", "place": "Siège", "once_key": key}


@pytest.mark.django_db
def test_a_second_post_of_one_key_answers_like_the_first_without_running_the_view(
    client, letting_officer
):
    client.force_login(letting_officer)
    key = form_key(client.get(reverse("coordination:plan")))
    first = client.post(reverse("coordination:plan"), meeting_data(key))
    again = client.post(reverse("coordination:plan"), meeting_data(key))
    assert first.status_code == again.status_code == 302
    assert first.url == again.url and Meeting.objects.count() == 1
    assert FormSubmission.objects.get(key=key).location == first.url
    # Another display of the form has its own key: a second meeting is a second meeting.
    other = form_key(client.get(reverse("coordination:plan")))
    assert other != key
    client.post(reverse("coordination:plan"), meeting_data(other, day=40))
    assert Meeting.objects.count() == 2


@pytest.mark.django_db
def test_a_refused_post_does_not_spend_its_key(client, letting_officer):
    client.force_login(letting_officer)
    key = str(uuid.uuid4())
    refused = client.post(reverse("coordination:plan"), {**meeting_data(key), "at": ""})
    assert refused.status_code in (200, 400) and not Meeting.objects.exists()
    assert not FormSubmission.objects.exists()
    assert form_key(refused) != key  # shown again with a key of its own
    corrected = client.post(reverse("coordination:plan"), meeting_data(key))
    assert corrected.status_code == 302 and Meeting.objects.count() == 1


@pytest.mark.django_db
def test_a_key_of_another_user_is_refused_in_french(client, letting_officer, ccas_manager):
    key = str(uuid.uuid4())
    client.force_login(letting_officer)
    client.post(reverse("coordination:plan"), meeting_data(key))
    client.force_login(ccas_manager)
    response = client.post(reverse("coordination:plan"), meeting_data(key, day=30))
    assert response.status_code == 400
    assert "déjà été envoyé" in response.content.decode()
    assert Meeting.objects.count() == 1


@pytest.mark.django_db
def test_a_post_without_key_runs_as_before(client, letting_officer):
    client.force_login(letting_officer)
    data = meeting_data("")
    assert client.post(reverse("coordination:plan"), data).status_code == 302
    assert client.post(reverse("coordination:plan"), data).status_code == 302
    assert Meeting.objects.count() == 2 and not FormSubmission.objects.exists()


@pytest.mark.django_db
def test_old_keys_are_purged_with_the_audit_log(settings):
    from notifications.tasks import purge_expired_entries

    settings.FORM_KEY_RETENTION_DAYS = 7
    old = FormSubmission.objects.create(
        key=uuid.uuid4(), path="/", at=timezone.now() - datetime.timedelta(days=8)
    )
    recent = FormSubmission.objects.create(key=uuid.uuid4(), path="/")
    assert purge_expired_entries.apply().get() == 1
    assert not FormSubmission.objects.filter(pk=old.pk).exists()
    assert FormSubmission.objects.filter(pk=recent.pk).exists()


@pytest.mark.django_db(transaction=True)
def test_concurrent_posts_of_one_key_save_once_and_both_get_the_redirect(letting_officer):
    require_postgresql("the second INSERT waits for the first transaction on the unique key")
    url = reverse("coordination:plan")
    data = meeting_data(str(uuid.uuid4()))
    barrier = threading.Barrier(4)
    answers = []

    def post():
        client = Client(raise_request_exception=False)
        client.force_login(letting_officer)
        try:
            barrier.wait()
            response = client.post(url, data)
            answers.append((response.status_code, response.get("Location")))
        finally:
            connection.close()

    threads = [threading.Thread(target=post) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert Meeting.objects.count() == 1
    assert len(answers) == 4 and len(set(answers)) == 1 and answers[0][0] == 302


# --- each create form, posted twice -----------------------------------------------------------
def post_twice(client, page_url, data, count, post_url=None, **extra):
    """GET the page holding the form, read its key, post the form twice: one row more, the same
    answer twice."""
    key = form_key(client.get(page_url))
    before = count()
    first = client.post(post_url or page_url, {**data, "once_key": key}, **extra)
    again = client.post(post_url or page_url, {**data, "once_key": key}, **extra)
    assert first.status_code in (200, 302), re.findall(
        r"invalid-feedback[^>]*>\s*(?:<strong>)?([^<]+)", first.content.decode()
    )
    assert count() == before + 1
    assert again.status_code in (first.status_code, 200)
    if first.status_code == 302:
        assert again.status_code == 302 and again.url == first.url
    return first, again


@pytest.mark.django_db
def test_household_create_twice_saves_one_household(client, social_worker):
    client.force_login(social_worker)
    url = reverse("households:create")
    post_twice(client, url, post_data(household_fields(), [person()]), Household.objects.count)


@pytest.mark.django_db
def test_partner_create_twice_saves_one_partner(client, ccas_manager):
    client.force_login(ccas_manager)
    url = reverse("coordination:partner_create")
    data = {"name": "SIAO du Calvados", "category": "signalement", "phone": "", "email": ""}
    post_twice(client, url, data, Partner.objects.count)


@pytest.mark.django_db
def test_manual_agenda_item_twice_saves_one_item(client, letting_officer):
    meeting = Meeting.objects.create(date=timezone.now() + datetime.timedelta(days=10))
    client.force_login(letting_officer)
    page = reverse("coordination:agenda", args=[meeting.pk])
    post = reverse("coordination:agenda_manual", args=[meeting.pk])
    data = {"title": "Point sur le partenariat", "description": "Bilan des orientations."}
    post_twice(client, page, data, AgendaItem.objects.count, post_url=post)


@pytest.fixture
def acc(social_worker):
    household = HouseholdFactory(referent=social_worker, status=Status.ACCOMPANIED)
    start = timezone.localdate() - datetime.timedelta(days=200)  # may close for autonomy
    return AccompanimentFactory(household=household, start=start)


@pytest.mark.django_db
def test_objective_twice_saves_one_objective(client, social_worker, acc):
    client.force_login(social_worker)
    url = reverse("accompaniments:objective_create", args=[acc.pk])
    data = {"axis": "budget.choices", "description": "Tenir un budget", "status": "in_progress"}
    post_twice(client, url, data, Objective.objects.count)


@pytest.mark.django_db
def test_extension_request_twice_saves_one_request(client, social_worker, acc):
    client.force_login(social_worker)
    url = reverse("accompaniments:extension_request", args=[acc.pk])
    until = (acc.planned_end + datetime.timedelta(days=90)).isoformat()
    data = {"until": until, "justification": "Plan d'apurement à consolider"}
    post_twice(client, url, data, Extension.objects.count)


@pytest.mark.django_db
def test_signal_form_twice_saves_one_signal(client, social_worker, tenancy_officer):
    household = HouseholdFactory(referent=social_worker, status=Status.ACCOMPANIED, tenant=True)
    client.force_login(tenancy_officer)
    data = {
        "household": household.reference,
        "kind": SignalKind.LACK_OF_UPKEEP,
        "description": "Parties communes encombrées.",
    }
    post_twice(client, reverse("accompaniments:signal_create"), data, Signal.objects.count)


@pytest.mark.django_db
def test_diagnostic_step_twice_with_htmx_saves_one_step(client, social_worker):
    household = HouseholdFactory(referent=social_worker, status=Status.DIAGNOSTIC)
    draft = DiagnosticFactory(household=household, author=social_worker)
    client.force_login(social_worker)
    page = reverse("diagnostics:edit", args=[draft.pk])
    post = reverse("diagnostics:add_step", args=[draft.pk])
    data = {
        "step-kind": StepKind.INTERVIEW,
        "step-date": timezone.localdate().isoformat(),
        "step-with_whom": "Madame",
    }
    first, again = post_twice(
        client, page, data, DiagnosticStep.objects.count, post_url=post, HTTP_HX_REQUEST="true"
    )
    assert first.status_code == 200 and again["HX-Refresh"] == "true"


@pytest.mark.django_db
def test_accompaniment_start_twice_starts_one(client, ccas_manager, social_worker):
    household = HouseholdFactory(referent=social_worker, status=Status.ADMITTED)
    client.force_login(ccas_manager)
    url = reverse("accompaniments:start", args=[household.pk])
    key = form_key(client.get(url))
    start = timezone.localdate().isoformat()
    end = (timezone.localdate() + datetime.timedelta(days=180)).isoformat()
    data = {
        "start": start,
        "planned_end": end,
        "intensity": "medium",
        "override_reason": "Documents signés en réunion, scans à venir.",
        "once_key": key,
    }
    first = client.post(url, data)
    again = client.post(url, data)
    assert first.status_code == again.status_code == 302 and again.url == first.url
    assert Accompaniment.objects.filter(household=household).count() == 1


@pytest.mark.django_db
def test_diagnostic_start_twice_opens_one_draft(client, social_worker):
    household = HouseholdFactory(referent=social_worker, status=Status.DIAGNOSTIC)
    household.diagnostic_level = 2
    household.save(update_fields=["diagnostic_level"])
    client.force_login(social_worker)
    page = reverse("diagnostics:list")
    post = reverse("diagnostics:start", args=[household.pk])
    post_twice(client, page, {}, household.diagnostics.count, post_url=post)


@pytest.mark.django_db
def test_proposal_twice_proposes_once(client, letting_officer):
    from housing.models import DwellingProposal
    from tests.housing.factories import DwellingFactory, admitted_household

    household = admitted_household(declared_size=2)
    dwelling = DwellingFactory(typology="T2")
    client.force_login(letting_officer)
    page = reverse("housing:matching", args=[household.pk])
    post = reverse("housing:propose", args=[household.pk, dwelling.pk])
    post_twice(client, page, {}, DwellingProposal.objects.count, post_url=post)


@pytest.mark.django_db
def test_information_notice_twice_records_one(client, social_worker, household):
    from households.enums import NoticeMethod
    from households.models import InformationNotice

    client.force_login(social_worker)
    url = reverse("privacy:record_notice", args=[household.pk])
    data = {"given_on": timezone.localdate().isoformat(), "method": NoticeMethod.HANDED}
    post_twice(client, url, data, InformationNotice.objects.count)


@pytest.mark.django_db
def test_adhesion_loss_twice_records_one_signal(client, social_worker, letting_officer):
    household = HouseholdFactory(referent=social_worker, status=Status.ACCOMPANIED, tenant=True)
    AccompanimentFactory(household=household)
    client.force_login(social_worker)
    url = reverse("accompaniments:adhesion_loss_create", args=[household.pk])
    data = {"description": "Plus de réponse depuis deux mois."}
    post_twice(client, url, data, Signal.objects.count)


@pytest.mark.django_db
def test_orientation_twice_records_one(client, social_worker, household):
    from coordination.enums import PartnerCategory
    from coordination.models import Orientation

    partner = Partner.objects.create(name="SIAO", category=PartnerCategory.SIGNALEMENT)
    client.force_login(social_worker)
    url = reverse("coordination:orientation_create", args=[household.pk])
    data = {
        "partner": partner.pk,
        "on": timezone.localdate().isoformat(),
        "reason": "Accès aux droits",
    }
    post_twice(client, url, data, Orientation.objects.count)


@pytest.mark.django_db
def test_partner_contact_twice_adds_one(client, ccas_manager):
    from coordination.enums import PartnerCategory

    partner = Partner.objects.create(name="SIAO", category=PartnerCategory.SIGNALEMENT)
    client.force_login(ccas_manager)
    url = reverse("coordination:partner", args=[partner.pk])
    data = {"name": "Mme Durand", "function": "Coordinatrice", "email": "", "phone": ""}
    post_twice(client, url, data, partner.contacts.count)


@pytest.mark.django_db
def test_comite_adjustment_and_participant_twice_add_one_each(client, ccas_manager):
    from coordination.enums import AdjustmentStatus, MeetingKind

    comite = Meeting.objects.create(kind=MeetingKind.COMITE, date=timezone.now())
    client.force_login(ccas_manager)
    page = reverse("coordination:comite", args=[comite.pk])
    adjustment = {
        "title": "Ajuster le rythme",
        "owner": "CCAS",
        "status": AdjustmentStatus.APPROVED,
    }
    post = reverse("coordination:adjustment_add", args=[comite.pk])
    post_twice(client, page, adjustment, comite.adjustments.count, post_url=post)
    participant = {"name": "M. Leroy", "organisation": "ddcs", "function": "Chargé de mission"}
    post = reverse("coordination:comite_participant_add", args=[comite.pk])
    post_twice(client, page, participant, comite.participants.count, post_url=post)


@pytest.mark.django_db
def test_interview_twice_records_one(client, social_worker, tenancy_officer, acc):
    from accompaniments.models import Interview

    client.force_login(social_worker)
    url = reverse("accompaniments:interview_create", args=[acc.pk])
    data = {
        "kind": "during",
        "held_on": timezone.localdate().isoformat(),
        "social_worker": social_worker.pk,
        "tenancy_officer": tenancy_officer.pk,
        "difficulties": "Retards de loyer",
        "changes": "Prélèvement mis en place",
        "outcome": "Budget stabilisé",
        "autonomy_words": "Je m'en sors seule",
        "worries": "La fin des aides",
    }
    post_twice(client, url, data, Interview.objects.count)


def end_interview(acc, social_worker, tenancy_officer):
    acc.interviews.create(
        kind="end",
        held_on=timezone.localdate(),
        social_worker=social_worker,
        tenancy_officer=tenancy_officer,
        difficulties="…",
        changes="…",
        outcome="…",
    )


@pytest.mark.django_db
def test_closure_twice_closes_once(client, social_worker, tenancy_officer, acc):
    from accompaniments.models import AccompanimentEvent

    end_interview(acc, social_worker, tenancy_officer)
    client.force_login(social_worker)
    url = reverse("accompaniments:close", args=[acc.pk])
    data = {"reason": "autonomy", "closed_on": timezone.localdate().isoformat(), "note": "Bilan"}
    post_twice(client, url, data, AccompanimentEvent.objects.filter(kind="closed").count)


@pytest.mark.django_db
def test_survey_twice_records_one(client, social_worker, tenancy_officer, acc):
    end_interview(acc, social_worker, tenancy_officer)
    acc.close(reason="autonomy", on=timezone.localdate(), by=social_worker, note="", bilans={})
    client.force_login(social_worker)
    url = reverse("accompaniments:survey_create", args=[acc.pk])
    data = {
        "done_on": timezone.localdate().isoformat(),
        "rent_paid": "yes",
        "autonomy": "full",
    }
    post_twice(client, url, data, acc.surveys.count)


@pytest.mark.django_db
def test_decision_twice_records_one(client, ccas_manager):
    from coordination.models import Decision
    from tests.coordination.factories import AgendaItemFactory, MeetingFactory

    meeting = MeetingFactory(published=True, past=True, members=[ccas_manager])
    item = AgendaItemFactory(meeting=meeting, kind="manual", household=None, title="Bilan")
    client.force_login(ccas_manager)
    url = reverse("coordination:decide", args=[meeting.pk, item.pk])
    post_twice(
        client, url, {"outcome": "noted", "reason": "Bilan présenté."}, Decision.objects.count
    )


def post_file_twice(client, page_url, data, name, content, count):
    """As post_twice, for a form with a file (a fresh upload object for each post)."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    key = form_key(client.get(page_url))
    before = count()
    answers = [
        client.post(page_url, {**data, "file": SimpleUploadedFile(name, content), "once_key": key})
        for _ in range(2)
    ]
    assert answers[0].status_code == answers[1].status_code == 302
    assert answers[0].url == answers[1].url
    assert count() == before + 1


@pytest.mark.django_db
def test_priority_list_upload_twice_makes_one_import(client, letting_officer):
    from households.models import ImportBatch

    content = Path(settings.BASE_DIR, "tests/households/files/codesi_utf8_bom.csv").read_bytes()
    client.force_login(letting_officer)
    url = reverse("households:import")
    post_file_twice(
        client, url, {"source": "codesi"}, "codesi.csv", content, ImportBatch.objects.count
    )


@pytest.mark.django_db
def test_stock_upload_twice_makes_one_import(client, letting_officer):
    from housing.models import DwellingImport
    from tests.housing.test_import import CSV

    client.force_login(letting_officer)
    url = reverse("housing:import")
    post_file_twice(client, url, {}, "parc.csv", CSV.encode(), DwellingImport.objects.count)


@pytest.mark.django_db
def test_monthly_adhesion_twice_records_one(client, social_worker, acc):
    from accompaniments.models import AdhesionRecord

    client.force_login(social_worker)
    url = reverse("accompaniments:adhesion", args=[acc.pk])
    month = timezone.localdate().strftime("%Y-%m")
    data = {"month": month, "degree": "constant", "note": ""}
    post_twice(client, url, data, AdhesionRecord.objects.count)


@pytest.mark.django_db
def test_contact_form_twice_saves_one_contact(client, social_worker, acc):
    from accompaniments.models import Contact

    client.force_login(social_worker)
    url = reverse("accompaniments:contact_create", args=[acc.pk])
    at = timezone.localtime() - datetime.timedelta(hours=1)
    data = {
        "kind": "home_visit",
        "at": at.strftime("%Y-%m-%dT%H:%M"),
        "duration_minutes": "45",
        "axes": ["budget.choices"],
        "note": "Visite à domicile.",
    }
    post_twice(client, url, data, Contact.objects.count)


@pytest.mark.django_db
def test_rehousing_twice_records_one(client, letting_officer):
    from housing.models import ProposalStatus, Rehousing, Solution
    from tests.housing.factories import DwellingFactory, ProposalFactory, admitted_household

    household = admitted_household()
    dwelling = DwellingFactory(reference="CH-777")
    ProposalFactory(household=household, dwelling=dwelling, status=ProposalStatus.ACCEPTED)
    client.force_login(letting_officer)
    start = timezone.localdate()
    data = {
        "solution": Solution.SLIDING_LEASE,
        "dwelling_reference": "CH-777",
        "lease_start": start.isoformat(),
        "planned_glide_date": (start + datetime.timedelta(days=200)).isoformat(),
    }
    page = reverse("housing:pathway", args=[household.pk])
    post = reverse("housing:rehousing_create", args=[household.pk])
    post_twice(client, page, data, Rehousing.objects.count, post_url=post)


@pytest.mark.django_db
def test_document_generated_twice_makes_one_version(client, rehoused, letting_officer):  # noqa: F811
    from housing.models import AgreementDocument

    client.force_login(letting_officer)
    page = reverse("housing:pathway", args=[rehoused.pk])
    post = reverse("housing:document_generate", args=[rehoused.pk, "convention"])
    post_twice(client, page, {}, AgreementDocument.objects.count, post_url=post)


@pytest.mark.django_db
def test_agenda_inscription_twice_adds_one_item(client, letting_officer):
    household = HouseholdFactory(status=Status.AWAITING_LEVEL)
    meeting = Meeting.objects.create(date=timezone.now() + datetime.timedelta(days=10))
    client.force_login(letting_officer)
    page = reverse("coordination:agenda", args=[meeting.pk])
    post = reverse("coordination:agenda_add", args=[meeting.pk])
    data = {"proposal": [f"level:{household.pk}"]}
    post_twice(client, page, data, meeting.items.count, post_url=post)


@pytest.mark.django_db
def test_planned_visit_twice_plans_one(client, social_worker, acc):
    from accompaniments.models import PlannedVisit

    client.force_login(social_worker)
    url = reverse("accompaniments:visit_plan", args=[acc.pk])
    starts = timezone.localtime() + datetime.timedelta(days=3)
    data = {
        "kind": "office",
        "starts_at": starts.strftime("%Y-%m-%dT%H:%M"),
        "place": "CCAS, 1er étage",
    }
    post_twice(client, url, data, PlannedVisit.objects.count)


@pytest.mark.django_db
def test_reminder_consent_twice_records_one(client, social_worker, acc):
    from accompaniments.models import ReminderConsent

    client.force_login(social_worker)
    url = reverse("accompaniments:reminder_consent", args=[acc.household.pk])
    data = {
        "channel": "sms",
        "phone": "07 11 22 33 44",
        "given_on": timezone.localdate().isoformat(),
    }
    post_twice(client, url, data, ReminderConsent.objects.count)


@pytest.mark.django_db
def test_dashboard_refresh_twice_computes_once(client, ccas_manager):
    from reporting.models import DashboardSnapshot

    client.force_login(ccas_manager)
    key = form_key(client.get(reverse("reporting:dashboard")))
    url = reverse("reporting:dashboard_refresh") + "?periode=annee&annee=2025"
    first = client.post(url, {"once_key": key})
    computed = DashboardSnapshot.objects.get(suppressed=False, scope_key=url.split("?")[1])
    again = client.post(url, {"once_key": key})
    assert first.status_code == again.status_code == 302 and again.url == first.url
    assert DashboardSnapshot.objects.get(pk=computed.pk).computed_at == computed.computed_at
