"""Demo notifications in every state, after `seed_demo` has run the reminder jobs once.

Called by `seed_demo` (not through DEMO_STEPS: it needs every app's data first). Deterministic
(`ctx.rng` over the notifications in key order) and idempotent (a second run finds a failed mail
and changes nothing).
"""

from datetime import timedelta

from .enums import Channel, Kind, MailState
from .models import DigestSetting, Notification, Preference


def preferences(ctx):
    """Before the jobs: the référents take their contact reminders in a daily digest at 18 h
    (every one of them, so that a small demo, whichever households fall to whom, has some),
    the manager reads signals in-app."""
    direction = ctx.users.get("direction")
    for key in ("ts1", "ts2", "ts3", "ts4"):
        if (worker := ctx.users.get(key)) is None:
            continue
        DigestSetting.objects.update_or_create(user=worker, defaults={"hour": 18})
        for kind in (Kind.CONTACT_DUE, Kind.CONTACT_OVERDUE):
            Preference.objects.get_or_create(
                user=worker, kind=kind, defaults={"channel": Channel.DIGEST}
            )
    if direction is not None:
        Preference.objects.get_or_create(
            user=direction, kind=Kind.SIGNAL_WAITING, defaults={"channel": Channel.IN_APP}
        )


def seed(ctx):
    """After the jobs: some read, a mail waiting for its next try, one failed, one dropped."""
    if Notification.objects.filter(mail_state=MailState.FAILED).exists():
        return
    rows = list(Notification.objects.order_by("recipient", "kind", "object_ref", "due_on"))
    now = ctx.now
    for n in rows:
        if ctx.rng.random() < 0.35:
            n.read_at = now - timedelta(hours=ctx.rng.randint(1, 72))
    sent = [n for n in rows if n.mail_state == MailState.SENT]
    for n, state, tries, error in zip(
        sent,
        [MailState.FAILED, MailState.DROPPED, MailState.PENDING],
        [5, 0, 2],
        [
            "SMTPConnectError: (421, 'serveur indisponible')",
            "Destinataire sans adresse, inactif ou sans accès au dossier.",
            "SMTPServerDisconnected: Connection unexpectedly closed",
        ],
        strict=False,
    ):
        n.mail_state, n.mail_tries, n.mail_error = state, tries, error
        n.mail_next_at = now + timedelta(minutes=10) if state == MailState.PENDING else None
    Notification.objects.bulk_update(
        rows, ["read_at", "mail_state", "mail_tries", "mail_next_at", "mail_error"]
    )
