"""Signals (§3.2.3): Caen habitat reports reach the référent at once; loss of adhesion reaches
Caen habitat and is what the cellule agenda is built from."""

import datetime
import html
import re
from decimal import Decimal

import pytest
import time_machine
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from accompaniments.models import Signal, SignalKind
from accompaniments.tasks import notify_signal
from audit.models import AuditEntry
from households.enums import Status
from tests.factories import HouseholdFactory

from .factories import SignalFactory


@pytest.fixture
def in_programme(social_worker):
    return HouseholdFactory(referent=social_worker, status=Status.ACCOMPANIED, tenant=True)


@pytest.mark.django_db
def test_unpaid_rent_reaches_the_referent_at_once(
    client, in_programme, tenancy_officer, social_worker, django_capture_on_commit_callbacks
):
    client.force_login(tenancy_officer)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = client.post(
            reverse("accompaniments:signal_create"),
            {
                "household": in_programme.reference,
                "kind": SignalKind.UNPAID_RENT,
                "amount": "612,50",
                "months": "2",
                "description": "Deux loyers impayés.",
            },
        )
    assert response.status_code == 302
    assert len(callbacks) == 1
    signal = Signal.objects.get()
    assert (signal.amount, signal.months, signal.created_by) == (612.5, 2, tenancy_officer)
    assert [m.to for m in mail.outbox] == [[social_worker.email]]
    message = mail.outbox[0]
    assert in_programme.reference in message.subject and "Impayé de loyer" in message.subject
    assert "612,50" in message.body
    assert in_programme.display_name not in message.body  # no names in e-mail
    signal.refresh_from_db()
    assert signal.notified_at is not None
    assert notify_signal(signal.pk) == 0  # sent once only
    assert AuditEntry.objects.filter(object_type="accompaniments.Signal", action="create")


@pytest.mark.django_db
def test_no_mail_before_commit(client, in_programme, letting_officer):
    client.force_login(letting_officer)
    client.post(
        reverse("accompaniments:signal_create"),
        {"household": in_programme.reference, "kind": SignalKind.NEIGHBOUR_TROUBLE},
    )
    assert Signal.objects.count() == 1 and mail.outbox == []


@pytest.mark.django_db
def test_unpaid_rent_needs_amount_and_months(client, in_programme, debt_officer):
    client.force_login(debt_officer)
    response = client.post(
        reverse("accompaniments:signal_create"),
        {"household": in_programme.reference, "kind": SignalKind.UNPAID_RENT},
    )
    text = response.content.decode()
    assert "Indiquez le montant impayé." in text
    assert not Signal.objects.exists()


@pytest.mark.django_db
def test_signal_outside_the_programme_is_refused(client, social_worker, tenancy_officer):
    outside = HouseholdFactory(referent=social_worker, status=Status.DIAGNOSTIC)
    client.force_login(tenancy_officer)
    response = client.post(
        reverse("accompaniments:signal_create"),
        {"household": outside.reference, "kind": SignalKind.LACK_OF_UPKEEP, "description": "Sale"},
    )
    text = html.unescape(response.content.decode())
    assert response.status_code == 200
    assert "n'est pas dans le dispositif" in text
    assert response.context["form"]["description"].value() == "Sale"
    assert not Signal.objects.exists()


@pytest.mark.django_db
def test_social_worker_cannot_record_caen_habitat_signals(client, in_programme, social_worker):
    client.force_login(social_worker)
    assert client.get(reverse("accompaniments:signal_create")).status_code == 403


@pytest.mark.django_db
def test_referent_acknowledges(client, in_programme, social_worker, other_social_worker):
    signal = SignalFactory(household=in_programme)
    url = reverse("accompaniments:signal_acknowledge", args=[signal.pk])
    client.force_login(other_social_worker)
    assert client.post(url).status_code == 404
    client.force_login(social_worker)
    assert client.get(reverse("accompaniments:signal_detail", args=[signal.pk])).context["can_ack"]
    assert client.get(url).status_code == 405
    client.post(url, {"note": "Visite prévue jeudi"})
    signal.refresh_from_db()
    assert signal.acknowledged_by == social_worker and signal.acknowledgement_note
    assert client.get(reverse("accompaniments:caseload")).context["open_signals"] == []


@pytest.mark.django_db
def test_open_signal_shows_in_the_caseload(client, social_worker):
    from .factories import AccompanimentFactory

    acc = AccompanimentFactory(
        household=HouseholdFactory(referent=social_worker, status=Status.ACCOMPANIED)
    )
    signal = SignalFactory(household=acc.household)
    client.force_login(social_worker)
    response = client.get(reverse("accompaniments:caseload"))
    assert [s["pk"] for s in response.context["open_signals"]] == [signal.pk]
    assert response.context["rows"][0][0]["open_signals"] == 1


@pytest.mark.django_db
def test_adhesion_loss_reaches_caen_habitat(
    client,
    in_programme,
    social_worker,
    letting_officer,
    tenancy_officer,
    debt_officer,
    django_capture_on_commit_callbacks,
):
    client.force_login(social_worker)
    url = reverse("accompaniments:adhesion_loss_create", args=[in_programme.pk])
    with django_capture_on_commit_callbacks(execute=True):
        client.post(url, {"description": "Plus de réponse depuis deux mois."})
    signal = Signal.objects.get()
    # What the cellule agenda is built from (coordination reads this kind).
    assert signal.kind == "adhesion_loss" and signal.household == in_programme
    assert sorted(mail.outbox[0].to) == sorted([letting_officer.email, tenancy_officer.email])
    assert not signal.needs_acknowledgement


@pytest.mark.django_db
def test_adhesion_loss_is_for_the_ccas(client, in_programme, letting_officer, other_social_worker):
    url = reverse("accompaniments:adhesion_loss_create", args=[in_programme.pk])
    client.force_login(letting_officer)
    assert client.get(url).status_code == 403
    client.force_login(other_social_worker)
    assert client.get(url).status_code == 404


@pytest.mark.django_db
def test_signal_list_scope(client, in_programme, social_worker, other_social_worker, debt_officer):
    signal = SignalFactory(household=in_programme)
    url = reverse("accompaniments:signals")
    client.force_login(other_social_worker)
    assert client.get(url).context["signals"] == []
    client.force_login(debt_officer)
    assert client.get(url).context["signals"] == [signal]


@pytest.mark.django_db
def test_incident_counts_for_reporting(in_programme):

    SignalFactory(household=in_programme, kind=SignalKind.UNPAID_RENT)
    SignalFactory(household=in_programme, kind=SignalKind.UNPAID_RENT)
    SignalFactory(
        household=in_programme,
        kind=SignalKind.NEIGHBOUR_TROUBLE,
        created_at=datetime.datetime(2020, 1, 1, tzinfo=datetime.UTC),
    )
    counts = Signal.objects.incident_counts(start=datetime.date(2021, 1, 1))
    assert counts == {
        "unpaid_rent": 2,
        "neighbour_trouble": 0,
        "lack_of_upkeep": 0,
        "adhesion_loss": 0,
    }


@pytest.mark.django_db
def test_signal_list_queries_do_not_grow(client, social_worker, ccas_manager, count_queries):
    client.force_login(ccas_manager)
    url = reverse("accompaniments:signals")

    def measure():
        client.get(url)
        with count_queries() as ctx:
            client.get(url)
        return len(ctx.captured_queries)

    SignalFactory(household=HouseholdFactory(referent=social_worker, status=Status.ACCOMPANIED))
    few = measure()
    for _ in range(6):
        SignalFactory(household=HouseholdFactory(referent=social_worker, status=Status.ACCOMPANIED))
    assert measure() == few


@pytest.mark.django_db
def test_adhesion_loss_is_not_a_signal_left_to_acknowledge_in_the_caseload(client, social_worker):
    from .factories import AccompanimentFactory

    acc = AccompanimentFactory(
        household=HouseholdFactory(referent=social_worker, status=Status.ACCOMPANIED)
    )
    SignalFactory(household=acc.household, kind=SignalKind.ADHESION_LOSS)
    client.force_login(social_worker)
    response = client.get(reverse("accompaniments:caseload"))
    # It cannot be acknowledged (Caen habitat and the cellule act on it): the card must not
    # announce a signal the référent could never clear.
    assert response.context["open_signals"] == []
    assert response.context["rows"][0][0]["open_signals"] == 0
    assert "signalement" not in response.content.decode().split('id="caseload"')[1]


@pytest.mark.django_db
def test_adhesion_loss_outside_the_programme_is_refused(client, social_worker):
    outside = HouseholdFactory(referent=social_worker, status=Status.DIAGNOSTIC)
    client.force_login(social_worker)
    response = client.post(
        reverse("accompaniments:adhesion_loss_create", args=[outside.pk]),
        {"description": "Ne répond plus."},
    )
    text = html.unescape(response.content.decode())
    assert response.status_code == 400
    assert "n'est pas dans le dispositif" in text
    assert response.context["form"]["description"].value() == "Ne répond plus."
    assert not Signal.objects.exists() and mail.outbox == []


@pytest.mark.django_db
def test_a_signal_whose_email_did_not_leave_is_sent_by_the_outbox_relay(
    in_programme, social_worker, tenancy_officer
):
    from datetime import timedelta

    import time_machine
    from django.utils import timezone

    from notifications.models import OutboxMessage
    from notifications.tasks import relay_outbox

    # on_commit callbacks do not run in this test: as if the broker was down at recording.
    signal = Signal.record(in_programme, kind=SignalKind.LACK_OF_UPKEEP, by=tenancy_officer)
    message = OutboxMessage.objects.get()
    assert (message.task, message.args) == ("accompaniments.tasks.notify_signal", [signal.pk])
    assert relay_outbox.apply().get() == 0  # just recorded: the fast path may yet run
    with time_machine.travel(timezone.now() + timedelta(minutes=2)):
        assert relay_outbox.apply().get() == 1
        assert relay_outbox.apply().get() == 0  # once
    assert [m.to for m in mail.outbox] == [[social_worker.email]]
    assert in_programme.reference in mail.outbox[0].subject
    signal.refresh_from_db()
    message.refresh_from_db()
    assert signal.notified_at is not None and message.done_at is not None


@pytest.mark.django_db
def test_accompaniment_page_lists_signals_only_to_whoever_may_read_them(
    client, social_worker, other_social_worker, ccas_manager
):
    # docs/access.md: a social worker reads the contacts of the whole programme but only the signals
    # of her own households.
    from .factories import AccompanimentFactory

    acc = AccompanimentFactory(
        household=HouseholdFactory(referent=social_worker, status=Status.ACCOMPANIED)
    )
    SignalFactory(household=acc.household, kind=SignalKind.UNPAID_RENT)
    url = reverse("accompaniments:detail", args=[acc.pk])
    for user, shown in ((social_worker, True), (ccas_manager, True), (other_social_worker, False)):
        client.force_login(user)
        response = client.get(url)
        assert response.status_code == 200
        assert ("Impayé de loyer" in html.unescape(response.content.decode())) is shown


@pytest.mark.django_db
def test_the_manager_reads_signals_but_does_not_write_them(client, in_programme, ccas_manager):
    # docs/access.md, signals: ccas_manager R. The référent acknowledges; the social worker records
    # the loss of adhesion.
    signal = SignalFactory(household=in_programme)
    client.force_login(ccas_manager)
    detail = client.get(reverse("accompaniments:signal_detail", args=[signal.pk]))
    assert detail.status_code == 200 and not detail.context["can_ack"]
    ack = reverse("accompaniments:signal_acknowledge", args=[signal.pk])
    assert client.post(ack, {"note": "Vu"}).status_code == 403
    signal.refresh_from_db()
    assert signal.acknowledged_at is None
    loss = reverse("accompaniments:adhesion_loss_create", args=[in_programme.pk])
    assert client.post(loss, {"description": "Plus de nouvelles"}).status_code == 403
    assert not Signal.objects.filter(kind=SignalKind.ADHESION_LOSS).exists()


@pytest.mark.django_db
def test_signal_list_shows_25_a_page_and_counts_them_all(client, ccas_manager, in_programme):
    for _ in range(26):
        SignalFactory(household=in_programme)
    url = reverse("accompaniments:signals")
    client.force_login(ccas_manager)
    first = client.get(url)
    assert len(first.context["signals"]) == 25
    assert "26 signalements" in first.content.decode()
    second = client.get(url, {"page": 2})
    assert len(second.context["signals"]) == 1
    assert "Page 2 sur 2" in second.content.decode()


@pytest.mark.django_db
def test_signal_list_rows_say_date_file_kind_amount_author_and_state(
    client, in_programme, debt_officer
):
    """Each row's cells, formatted by the view (`_rows`): the time in Paris, the file's
    reference and initials (never a name), the kind with its amount in euros, the author, and
    the acknowledgement (its date, « en attente », or « — » for an adhesion loss)."""
    with time_machine.travel(datetime.datetime(2026, 7, 1, 22, 30, tzinfo=datetime.UTC)):
        rent = SignalFactory(
            household=in_programme,
            kind=SignalKind.UNPAID_RENT,
            amount=Decimal("1234.5"),
            months=3,
            created_by=debt_officer,
        )
    loss = SignalFactory(household=in_programme, kind=SignalKind.ADHESION_LOSS)
    seen = SignalFactory(household=in_programme, acknowledged_at=timezone.now())
    client.force_login(debt_officer)
    body = client.get(reverse("accompaniments:signals")).content.decode()

    def cells(signal):
        row = re.search(rf'<tr>((?:(?!</tr>).)*?/{signal.pk}/"(?:(?!</tr>).)*)</tr>', body, re.S)
        found = re.findall(r"<td>(.*?)</td>", row.group(1), re.S)
        text = [html.unescape(re.sub(r"<[^>]+>", "", c)) for c in found]
        return [re.sub(r"[ \n]+", " ", c).strip() for c in text]

    household = f"{in_programme.reference} ({in_programme.initials})"
    assert cells(rent) == [
        "02/07/2026 00:30",
        household,
        "Impayé de loyer — 1\u202f234,50\u00a0€ (3 mois)",
        str(debt_officer),
        "en attente",
    ]
    assert cells(loss)[2:] == [loss.get_kind_display(), "—", "—"]
    assert cells(seen)[4] == f"le {timezone.localtime(seen.acknowledged_at):%d/%m/%Y}"
    assert in_programme.display_name not in body
