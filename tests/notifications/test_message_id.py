"""A mail that leaves twice (the worker lost between the mail server's acceptance and the commit,
docs/architecture.md « Exactly once ») carries the same Message-ID both times."""

import pytest
from django.core import mail
from django.utils import timezone

from notifications.enums import Kind, MailState
from notifications.models import Notification

pytestmark = pytest.mark.django_db


def test_a_resent_reminder_mail_keeps_its_message_id(ccas_manager, settings):
    settings.SITE_URL = "https://logement.ccas-caen.fr"
    n = Notification.objects.notify(
        ccas_manager,
        kind=Kind.NO_CELLULE,
        title="Aucune cellule prévue ce trimestre",
        url="/cellule/",
        obj="programme:cellule",
        due_on=timezone.localdate(),
    )
    assert Notification.deliver(n.pk) == 1
    # What a rerun after a lost commit does: the row still says « à envoyer ».
    Notification.objects.filter(pk=n.pk).update(mail_state=MailState.PENDING, mail_sent_at=None)
    assert Notification.deliver(n.pk) == 1
    ids = [m.extra_headers["Message-ID"] for m in mail.outbox]
    assert ids == [f"<notification-{n.pk}@logement.ccas-caen.fr>"] * 2
    assert mail.outbox[0].message()["Message-ID"] == ids[0]
