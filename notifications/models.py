"""Notifications (in-app and by mail), each user's preferences, and the runs of periodic jobs.

Generic on purpose: this app sits just above `audit` so that the jobs of every app above it can
create notifications. The jobs that know the programme's dates live in each app (`tasks.py`
calling QuerySet or model methods) and call `Notification.objects.notify`.

Exactly once: a reminder is identified by (kind, object, recipient, due date), a unique
constraint in the database. `notify` inserts inside a savepoint; a second beat firing, a retried
task or a second worker meets the constraint and creates nothing, hence mails nothing.
"""

import logging
from contextlib import contextmanager
from datetime import timedelta
from urllib.parse import urlsplit

from django.apps import apps
from django.conf import settings
from django.core.mail import EmailMessage
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import IntegrityError, models, transaction
from django.db.models import OuterRef, Q, Subquery
from django.db.models.lookups import IsNull
from django.template.loader import render_to_string
from django.utils import timezone

from accounts import policy
from caen_accompagnement import statements

from .enums import KIND_ACTIONS, Channel, Kind, MailState, Outcome

logger = logging.getLogger(__name__)

DEFAULT_DIGEST_HOUR = 8


def object_ref(obj) -> str:
    """'app_label.model:pk', the object part of a reminder's unique key; a string as is (for a
    reminder about the programme itself, e.g. "programme:cellule")."""
    return obj if isinstance(obj, str) else f"{obj._meta.label_lower}:{obj.pk}"


def absolute_url(path: str) -> str:
    return settings.SITE_URL.rstrip("/") + path


def message_id(local: str) -> str:
    """A Message-ID fixed by what the mail is about: in the one case a mail may leave twice (a
    worker lost after the mail server accepted it, before the commit; docs/architecture.md
    « Exactly once »), both copies carry the same one, which mail clients and servers that
    deduplicate by Message-ID show once."""
    domain = urlsplit(settings.SITE_URL).hostname or "localhost"
    return f"<{local}@{domain}>"


def send_mail(subject, body, to, msgid):
    EmailMessage(subject, body, None, to, headers={"Message-ID": msgid}).send()


def mail_backoff(tries: int) -> timedelta:
    """Wait before the next try after `tries` failures: 5, 10, 20, 40 minutes…"""
    return timedelta(minutes=5 * 2 ** max(0, tries - 1))


PURGE_BATCH = 5000


class JobRun(models.Model):
    """One run of a periodic job: written by the job itself, read by the operators' page."""

    job = models.CharField("tâche", max_length=100)
    started_at = models.DateTimeField("début", default=timezone.now)
    finished_at = models.DateTimeField("fin", null=True, blank=True)
    outcome = models.CharField(
        "résultat", max_length=10, choices=Outcome.choices, default=Outcome.RUNNING
    )
    error = models.CharField("erreur", max_length=300, blank=True)
    # What the job returned: rows it handled (mails sent, entries purged, messages relayed…).
    processed = models.PositiveIntegerField("éléments traités", null=True, blank=True)

    class Meta:
        verbose_name = "exécution de tâche"
        verbose_name_plural = "exécutions des tâches"
        ordering = ["-started_at", "-pk"]
        # A job's last run is one step down this index (`latest_of`), not a pass over its
        # history (1,500 runs a day: the relay every minute, the mails every 5).
        indexes = [models.Index(fields=["job", "-id"], name="jobrun_latest")]

    def __str__(self):
        return f"{self.job} — {self.started_at:%d/%m/%Y %H:%M}"

    @classmethod
    @contextmanager
    def track(cls, job):
        """Record the run of `job` around the block; its immediate mails leave at the end."""
        run = cls.objects.create(job=job)
        try:
            yield run
        except Exception as exc:
            run.finish(Outcome.FAILED, f"{exc.__class__.__name__}: {exc}")
            raise
        run.finish(Outcome.SUCCESS)
        Notification.objects.deliver_each(
            run.notifications.filter(mail_state=MailState.PENDING).values_list("pk", flat=True)
        )

    @classmethod
    def latest_of(cls, jobs):
        """The last run of each of `jobs` (names): one statement, one index step per job."""
        latest = Q(pk__in=[])
        for job in jobs:
            latest |= Q(pk=Subquery(cls.objects.filter(job=job).order_by("-id").values("pk")[:1]))
        return cls.objects.filter(latest).order_by()

    @classmethod
    def purge_expired(cls, now=None):
        """Runs older than JOB_RECORD_RETENTION_DAYS, and the outbox's messages done before
        then, deleted (their notifications stay): the number of rows deleted."""
        limit = (now or timezone.now()) - timedelta(days=settings.JOB_RECORD_RETENTION_DAYS)
        old = cls.objects.filter(started_at__lt=limit).order_by()
        deleted = 0
        # In batches: Django loads the runs it deletes (to unlink their notifications), and a
        # first purge may meet a year of them.
        while batch := list(old.values_list("pk", flat=True)[:PURGE_BATCH]):
            deleted += cls.objects.filter(pk__in=batch).delete()[0]
        return deleted + OutboxMessage.objects.filter(done_at__lt=limit).delete()[0]

    def finish(self, outcome, error=""):
        self.outcome, self.error, self.finished_at = outcome, error[:300], timezone.now()
        if not isinstance(getattr(self, "processed", None), int) or self.processed < 0:
            self.processed = None
        self.save(update_fields=["outcome", "error", "finished_at", "processed"])


# The badge's count statement by (database, user id, is_active, roles): NotificationQuerySet.unread_count.
BADGE_CAP = 100  # from 100 unread, templates/base.html shows « 99+ »


class NotificationQuerySet(models.QuerySet):
    def visible_to(self, user):
        """The user's own notifications whose object they may still read (accounts/policy.py)."""
        # Kinds whose households the user reads alike share one condition (for most roles,
        # every kind): `kind IN (…) AND …` once, not one OR'ed branch per kind. This count runs
        # on every page (the header badge). Each condition is a correlated scalar subquery on
        # the household's primary key, `(SELECT id … LIMIT 1) IS NOT NULL`: each of the user's
        # unread notifications costs one index lookup. Both other forms leave PostgreSQL a
        # choice it makes wrongly on some statistics: OR'ed across a LEFT JOIN it may hash
        # every household (4 ms at 10,000 households), and an EXISTS it may run as a hashed
        # subplan, the same hash (a social worker's 400 notifications: 1.8 ms against 0.45);
        # a scalar subquery has no hashed alternative (docs/performance.md).
        households = self.model._meta.get_field("household").related_model._default_manager
        # Kinds whose actions give the same scopes have the same condition: built once each.
        by_scopes = {}  # {scopes: (an action, [kinds])}
        for kind, action in KIND_ACTIONS.items():
            if found := policy.scopes(user, action):
                by_scopes.setdefault(found, (action, []))[1].append(kind)
        groups = []  # [(household condition, [kinds])]
        for action, kinds_of_scopes in by_scopes.values():
            about_household = policy.household_q(user, action)
            for condition, kinds in groups:
                if condition == about_household:
                    kinds.extend(kinds_of_scopes)
                    break
            else:
                groups.append((about_household, kinds_of_scopes))
        q = Q(pk__in=[])
        for about_household, kinds in groups:
            # Without a household (a meeting, the programme) the role alone decides.
            readable = IsNull(
                Subquery(
                    households.filter(about_household, pk=OuterRef("household_id"))
                    .order_by()
                    .values("pk")[:1]
                ),
                False,
            )
            q |= Q(kind__in=kinds) & (Q(household__isnull=True) | readable)
        return self.filter(q, recipient=user)

    def unread(self):
        return self.filter(read_at__isnull=True)

    def unread_count(self, user) -> int:
        """The header badge: `visible_to(user).unread().count()`, counted up to BADGE_CAP (the
        badge then says « 99+ »), its SQL built once per process for each (user, roles) and
        run as is afterwards (caen_accompagnement/statements.py). Building and compiling the
        QuerySet cost more than running it (1.1 of 1.7 ms at 10,000 households): that SQL is a
        function of the user's id, activity and roles alone (the policy's rules, fixed at
        start-up). Counted up to BADGE_CAP: a backlog of unread reminders (400 for a demo
        référent) costs no more than 100 on every page.
        Called on the manager: a filter of the QuerySet it is called on would be ignored."""
        return statements.count(
            ("unread", user.pk, user.is_active, user.roles),
            lambda: self.visible_to(user).unread().order_by().values("pk")[:BADGE_CAP],
            using=self.db,
        )

    def mail_due(self, now=None):
        """Immediate mails not sent yet whose next try has come (first try or after a backoff)."""
        now = now or timezone.now()
        return self.filter(mail_state=MailState.PENDING).filter(
            Q(mail_next_at__isnull=True) | Q(mail_next_at__lte=now)
        )

    def notify(self, recipient, *, kind, title, url, obj, due_on, household=None, job=None):
        """Create the reminder unless it exists already: returns it, or None (already there, or
        the recipient may not read its object). Mail state follows the recipient's preference;
        the mail itself leaves after the commit (`deliver`)."""
        notification = self.model(
            recipient=recipient,
            kind=kind,
            title=title[:200],
            url=url,
            object_ref=object_ref(obj),
            due_on=due_on,
            household=household,
            job=job,
        )
        if not policy.can(recipient, KIND_ACTIONS[kind], household):
            return None
        notification.mail_state = {
            Channel.IMMEDIATE: MailState.PENDING,
            Channel.DIGEST: MailState.DIGEST,
            Channel.IN_APP: MailState.NONE,
        }[Preference.channel_of(recipient, kind)]
        try:
            with transaction.atomic():
                notification.save(force_insert=True)
        except IntegrityError:
            return None  # this reminder exists: a second run, a retry or another worker
        return notification

    def deliver_each(self, pks):
        sent = 0
        for pk in pks:
            sent += self.model.deliver(pk)
        return sent


class Notification(models.Model):
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="destinataire",
        on_delete=models.CASCADE,
        related_name="notifications",
    )
    kind = models.CharField("type", max_length=30, choices=Kind.choices)
    # Never a name nor any health, addiction or note content: a file reference or a meeting.
    title = models.CharField("titre", max_length=200)
    url = models.CharField("lien", max_length=300)
    # A deleted household takes its notifications with it.
    household = models.ForeignKey(
        "households.Household",
        verbose_name="ménage",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
    )
    object_ref = models.CharField("objet", max_length=80)
    due_on = models.DateField("échéance")
    created_at = models.DateTimeField("créée le", default=timezone.now)
    read_at = models.DateTimeField("lue le", null=True, blank=True)
    mail_state = models.CharField(
        "courriel", max_length=10, choices=MailState.choices, default=MailState.NONE
    )
    mail_tries = models.PositiveSmallIntegerField("essais d'envoi", default=0)
    mail_next_at = models.DateTimeField("prochain essai", null=True, blank=True)
    mail_sent_at = models.DateTimeField("envoyé le", null=True, blank=True)
    mail_error = models.CharField("dernière erreur", max_length=300, blank=True)
    job = models.ForeignKey(
        JobRun,
        verbose_name="produite par",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="notifications",
    )

    objects = NotificationQuerySet.as_manager()

    class Meta:
        verbose_name = "notification"
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "object_ref", "recipient", "due_on"], name="unique_reminder"
            )
        ]
        indexes = [models.Index(fields=["recipient", "read_at"], name="notification_unread")]

    def __str__(self):
        return self.title

    @property
    def is_read(self):
        return self.read_at is not None

    def mark_read(self):
        if self.read_at is None:
            self.read_at = timezone.now()
            self.save(update_fields=["read_at"])

    def _still_readable(self):
        return type(self).objects.visible_to(self.recipient).filter(pk=self.pk).exists()

    def object_exists(self):
        """False once the object of the reminder was deleted (a household takes its
        notifications with it; a meeting, a signal or an extension does not)."""
        label, _, pk = self.object_ref.partition(":")
        try:
            model = apps.get_model(label)
        except (LookupError, ValueError):
            return True  # a reminder about the programme itself ("programme:…")
        return model._default_manager.filter(pk=pk).exists()

    @classmethod
    def deliver(cls, pk, now=None):
        """Send the immediate mail of one notification, once: the row is locked while sending
        and marked sent in the same transaction, so two workers never both send it. A failure
        is retried with a growing wait, then marked failed (the notification stays in-app)."""
        now = now or timezone.now()
        with transaction.atomic():
            n = (
                cls.objects.select_for_update(skip_locked=True, of=("self",))
                .select_related("recipient")
                .mail_due(now)
                .filter(pk=pk)
                .first()
            )
            if n is None:
                return 0
            if not n.object_exists():
                n.mail_state, n.mail_error = MailState.DROPPED, "L'objet du rappel a été supprimé."
                logger.warning("Notification %s : courriel abandonné (objet supprimé)", pk)
                n.save(update_fields=["mail_state", "mail_error"])
                return 0
            if not n.recipient.is_active or not n.recipient.email or not n._still_readable():
                n.mail_state = MailState.DROPPED
                n.mail_error = "Destinataire sans adresse, inactif ou sans accès au dossier."
                logger.warning("Notification %s : courriel abandonné (%s)", pk, n.mail_error)
                n.save(update_fields=["mail_state", "mail_error"])
                return 0
            try:
                send_mail(
                    f"[Logement accompagné] {n.title}",
                    render_to_string(
                        "notifications/email/notification.txt",
                        {"notification": n, "link": absolute_url(n.url)},
                    ),
                    [n.recipient.email],
                    message_id(f"notification-{n.pk}"),
                )
            except Exception as exc:  # noqa: BLE001 - any mail failure is retried, then recorded
                n.record_mail_failure(exc, now)
                return 0
            n.mail_state, n.mail_sent_at, n.mail_error = MailState.SENT, now, ""
            n.save(update_fields=["mail_state", "mail_sent_at", "mail_error"])
            return 1

    def record_mail_failure(self, exc, now):
        self.mail_tries += 1
        self.mail_error = f"{exc.__class__.__name__}: {exc}"[:300]
        if self.mail_tries >= settings.NOTIFICATION_MAIL_MAX_TRIES:
            self.mail_state, self.mail_next_at = MailState.FAILED, None
            logger.error(
                "Notification %s : courriel en échec après %s essais", self.pk, self.mail_tries
            )
        else:
            self.mail_next_at = now + mail_backoff(self.mail_tries)
        self.save(update_fields=["mail_state", "mail_tries", "mail_next_at", "mail_error"])


class Preference(models.Model):
    """How a user wants each kind of notification; without a row, an immediate mail."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notification_preferences"
    )
    kind = models.CharField("type", max_length=30, choices=Kind.choices)
    channel = models.CharField("envoi", max_length=10, choices=Channel.choices)

    class Meta:
        verbose_name = "préférence de notification"
        constraints = [
            models.UniqueConstraint(fields=["user", "kind"], name="unique_notification_preference")
        ]

    @classmethod
    def channel_of(cls, user, kind):
        found = cls.objects.filter(user=user, kind=kind).values_list("channel", flat=True).first()
        return found or Channel.IMMEDIATE


class DigestSetting(models.Model):
    """The hour (Europe/Paris) of a user's daily digest."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="digest_setting"
    )
    hour = models.PositiveSmallIntegerField(
        "heure du récapitulatif",
        default=DEFAULT_DIGEST_HOUR,
        validators=[MinValueValidator(0), MaxValueValidator(23)],
    )

    class Meta:
        verbose_name = "heure du récapitulatif"

    @classmethod
    def hour_of(cls, user):
        found = cls.objects.filter(user=user).values_list("hour", flat=True).first()
        return DEFAULT_DIGEST_HOUR if found is None else found


def send_digests(now=None):
    """The daily digests due this hour (Europe/Paris): one mail per user gathering their
    notifications set to « récapitulatif », each sent once (rows locked, then marked sent)."""
    now = now or timezone.now()
    hour = timezone.localtime(now).hour
    waiting = set(
        Notification.objects.filter(mail_state=MailState.DIGEST).values_list("recipient", flat=True)
    )
    hours = dict(DigestSetting.objects.filter(user__in=waiting).values_list("user", "hour"))
    return sum(
        send_digest(user_pk, now)
        for user_pk in sorted(waiting)
        if hours.get(user_pk, DEFAULT_DIGEST_HOUR) == hour
    )


def send_digest(user_pk, now=None):
    from accounts.models import User

    now = now or timezone.now()
    user = User.objects.get(pk=user_pk)
    with transaction.atomic():
        rows = list(
            Notification.objects.select_for_update(skip_locked=True)
            .filter(recipient=user, mail_state=MailState.DIGEST)
            .order_by("due_on", "pk")
        )
        readable = set(
            Notification.objects.visible_to(user)
            .filter(pk__in=[n.pk for n in rows])
            .values_list("pk", flat=True)
        )
        shown = [n for n in rows if n.pk in readable and n.object_exists()]
        dropped = [n.pk for n in rows if n not in shown]
        if not user.is_active or not user.email:
            dropped += [n.pk for n in shown]
            shown = []
        Notification.objects.filter(pk__in=dropped).update(mail_state=MailState.DROPPED)
        if not shown:
            return 0
        body = render_to_string(
            "notifications/email/digest.txt",
            {"notifications": [(n, absolute_url(n.url)) for n in shown]},
        )
        try:
            day = timezone.localdate(now)
            send_mail(
                f"[Logement accompagné] Récapitulatif du {day:%d/%m/%Y}",
                body,
                [user.email],
                message_id(f"digest-{user.pk}-{day:%Y%m%d}-{max(n.pk for n in shown)}"),
            )
        except Exception as exc:  # noqa: BLE001 - kept for tomorrow's digest, error recorded
            Notification.objects.filter(pk__in=[n.pk for n in shown]).update(
                mail_error=f"{exc.__class__.__name__}: {exc}"[:300]
            )
            logger.exception("Récapitulatif de l'utilisateur %s non envoyé", user_pk)
            return 0
        Notification.objects.filter(pk__in=[n.pk for n in shown]).update(
            mail_state=MailState.SENT, mail_sent_at=now, mail_error=""
        )
        return 1


class OutboxMessageQuerySet(models.QuerySet):
    def due(self, now=None):
        """Not relayed yet (the broker was down, or the fast path lost it) and due again."""
        return self.filter(
            done_at__isnull=True, failed_at__isnull=True, next_at__lte=now or timezone.now()
        )


class OutboxMessage(models.Model):
    """Work a web change asks for, written in the change's own transaction (the outbox).

    `caen_accompagnement.celery.enqueue_on_commit` writes one row; after the commit a background
    thread hands its key to the broker (the request never waits for Redis), and the periodic
    relay (`notifications.relay_outbox`) runs whatever is still pending: one mechanism for every
    kind of work, whether the broker was down, frozen or the message lost (import jobs
    included: households/imports/jobs.py). `relay` locks the row and marks it done in the
    transaction of the task's own writes, so it runs once; a worker dying mid-task drops its
    connection, PostgreSQL rolls that transaction back and releases the lock, and the relay
    runs the task again. A task records its own expected failures (the outbox sees it done);
    an exception is retried with a growing wait, then abandoned.
    """

    task = models.CharField("tâche", max_length=150)
    args = models.JSONField("arguments", default=list)
    created_at = models.DateTimeField("créé le", default=timezone.now)
    next_at = models.DateTimeField("prochain essai", db_index=True)
    done_at = models.DateTimeField("exécuté le", null=True, blank=True)
    failed_at = models.DateTimeField("abandonné le", null=True, blank=True)
    attempts = models.PositiveSmallIntegerField("essais en échec", default=0)
    error = models.CharField("dernière erreur", max_length=300, blank=True)

    objects = OutboxMessageQuerySet.as_manager()

    class Meta:
        verbose_name = "tâche en attente (outbox)"
        verbose_name_plural = "tâches en attente (outbox)"
        ordering = ["-created_at", "-pk"]

    def __str__(self):
        return f"{self.task}{tuple(self.args)!r}"

    @classmethod
    def record(cls, task_name, args):
        now = timezone.now()
        return cls.objects.create(
            task=task_name, args=list(args), created_at=now, next_at=now + OUTBOX_GRACE
        )

    @classmethod
    def relay(cls, pk, now=None):
        """Run the message's task here, once; a failure is retried later with a growing wait."""
        from celery import current_app

        now = now or timezone.now()
        with transaction.atomic():
            message = (
                cls.objects.select_for_update(skip_locked=True)
                .filter(pk=pk, done_at__isnull=True, failed_at__isnull=True)
                .first()
            )
            if message is None:
                return 0
            if message.task not in current_app.tasks:
                current_app.loader.import_default_modules()  # every app's tasks.py
            try:
                with transaction.atomic():
                    current_app.tasks[message.task](*message.args)
            except Exception as exc:  # noqa: BLE001 - recorded, retried, then abandoned
                message.attempts += 1
                message.error = f"{exc.__class__.__name__}: {exc}"[:300]
                message.next_at = now + mail_backoff(message.attempts)
                if message.attempts >= OUTBOX_MAX_TRIES:
                    message.failed_at = now
                logger.exception(
                    "Tâche en attente %s : échec (essai %s)", message, message.attempts
                )
                message.save(update_fields=["attempts", "error", "next_at", "failed_at"])
                return 0
            message.done_at = now
            message.save(update_fields=["done_at"])
            return 1


# The fast path (after the commit) has this long before the periodic relay takes the message.
OUTBOX_GRACE = timedelta(minutes=1)
OUTBOX_MAX_TRIES = 8
