"""Planned visits and the household's own reminders (docs/reminders.md).

- `PlannedVisit`: the next home visit, office interview or call, planned by the référent
  (`plan`), moved (`move`), cancelled (`cancel`) or held (`mark_done`, when the contact is
  logged); each owner writes the accompaniment's history. « Manqué » is derived: still planned
  the morning after its day, without a contact logged that day (`PlannedVisitQuerySet.missed`).
- `ReminderConsent`: the household's agreement to be reminded, by SMS or e-mail, to a number or
  an address, with the date it was given and who recorded it. Append-only: the latest row is
  the consent in force, a withdrawal is a row with no channel; the rows are its history.
- `VisitMessage`: one message to the household (the reminder 48 h before, the notice of a move
  or a cancellation), once per (kind, visit, consent, appointment time) — a unique
  constraint, like the staff's reminders — sent by `deliver`, retried, failed visibly.

The text sent names no one of the household and carries no health detail: the day, the time,
the place and the worker's first name only (`message_text`).
"""

import logging
import re
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.core.validators import validate_email
from django.db import IntegrityError, models, transaction
from django.db.models import BooleanField, F, Func, Q
from django.db.models.functions import TruncDate
from django.utils import timezone

from accounts import policy
from accounts.enums import Role
from caen_accompagnement import sms
from caen_accompagnement.dates import start_of_day
from households.outbound import check_outbound

from ..enums import (
    CONTACT_KINDS_REACHING,
    AccompanimentStatus,
    EventKind,
    MessageKind,
    MessageState,
    ReminderChannel,
    VisitKind,
    VisitStatus,
)
from .contact import Contact

logger = logging.getLogger(__name__)

DAYS = ["lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche"]
MONTHS = [
    "janvier",
    "février",
    "mars",
    "avril",
    "mai",
    "juin",
    "juillet",
    "août",
    "septembre",
    "octobre",
    "novembre",
    "décembre",
]
HOME = "à votre domicile"
BY_PHONE = "par téléphone"
PLACE_AUDIENCE = "envoyé au ménage par SMS ou courriel"


def spoken_datetime(value) -> str:
    """« mardi 3 décembre à 14 h 30 » (Europe/Paris), « … à 9 h » on the hour."""
    local = timezone.localtime(value)
    minutes = f" {local.minute:02d}" if local.minute else ""
    day = "1er" if local.day == 1 else str(local.day)
    return f"{DAYS[local.weekday()]} {day} {MONTHS[local.month - 1]} à {local.hour} h{minutes}"


def french_mobile(text: str) -> str:
    """A French mobile number as typed (« 06 39 98 12 34 », « +33 6… ») → « +33639981234 »."""
    digits = re.sub(r"[\s.\-()]", "", text or "")
    if digits.startswith("+33"):
        digits = "0" + digits[3:]
    elif digits.startswith("0033"):
        digits = "0" + digits[4:]
    if not re.fullmatch(r"0[67]\d{8}", digits):
        raise ValidationError(
            {"phone": "Saisissez un numéro de portable français (06 ou 07, dix chiffres)."}
        )
    return "+33" + digits[1:]


def display_phone(number: str) -> str:
    """« +33639981234 » → « 06 39 98 12 34 »."""
    if not number.startswith("+33"):
        return number
    national = "0" + number[3:]
    return " ".join(national[i : i + 2] for i in range(0, len(national), 2))


def day_bounds(day):
    start = start_of_day(day)
    return start, start + timedelta(days=1)


# --- consent -------------------------------------------------------------------------------
class ReminderConsentQuerySet(models.QuerySet):
    def current_for(self, household):
        return self.filter(household=household).order_by("-recorded_at", "-pk").first()

    def current_by_household(self, household_ids):
        """{household_id: its consent in force (its latest row)}, in one query."""
        found = {}
        rows = self.filter(household_id__in=list(household_ids))
        for consent in rows.order_by("household_id", "-recorded_at", "-pk"):
            found.setdefault(consent.household_id, consent)
        return found


class ReminderConsent(models.Model):
    household = models.ForeignKey(
        "households.Household", on_delete=models.CASCADE, related_name="reminder_consents"
    )
    channel = models.CharField(
        "rappel des rendez-vous", max_length=10, choices=ReminderChannel.choices
    )
    phone = models.CharField("portable", max_length=20, blank=True)
    email = models.EmailField("courriel", blank=True)
    given_on = models.DateField("accord donné le")
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True
    )
    recorded_at = models.DateTimeField("enregistré le", default=timezone.now)

    objects = ReminderConsentQuerySet.as_manager()

    class Meta:
        verbose_name = "accord pour les rappels"
        verbose_name_plural = "accords pour les rappels"
        ordering = ["-recorded_at", "-pk"]

    def __str__(self):
        return f"{self.get_channel_display()} ({self.given_on:%d/%m/%Y})"

    @property
    def recipient(self) -> str:
        """Where the reminders go, or "" without consent."""
        return {
            ReminderChannel.SMS: self.phone,
            ReminderChannel.EMAIL: self.email,
        }.get(self.channel, "")

    @property
    def recipient_display(self) -> str:
        return display_phone(self.phone) if self.channel == ReminderChannel.SMS else self.email

    @classmethod
    def record(cls, household, *, channel, given_on, by, phone="", email=""):
        """The household's agreement (or its withdrawal: channel NONE) as said to the référent,
        on `given_on`. Keeps only the number or address of the chosen channel."""
        errors = {}
        phone, email = (phone or "").strip(), (email or "").strip()
        if channel not in ReminderChannel.values:
            errors["channel"] = "Choisissez comment le ménage veut être prévenu."
        if given_on is None or given_on > timezone.localdate():
            errors["given_on"] = "La date de l'accord ne peut pas être dans le futur."
        if channel == ReminderChannel.SMS:
            try:
                phone = french_mobile(phone)
            except ValidationError as exc:
                errors.update(exc.message_dict)
        else:
            phone = ""
        if channel == ReminderChannel.EMAIL:
            try:
                validate_email(email)
            except ValidationError:
                errors["email"] = "Saisissez l'adresse de courriel du ménage."
        else:
            email = ""
        if errors:
            raise ValidationError(errors)
        return cls.objects.create(
            household=household,
            channel=channel,
            phone=phone,
            email=email,
            given_on=given_on,
            recorded_by=by,
        )


# --- planned visits ------------------------------------------------------------------------
class PlannedVisitQuerySet(models.QuerySet):
    def visible_to(self, user, action="accompaniment.view"):
        return self.filter(policy.household_q(user, action, prefix="accompaniment__household__"))

    def planned(self):
        return self.filter(status=VisitStatus.PLANNED)

    def upcoming(self, now=None):
        return self.planned().filter(starts_at__gte=now or timezone.now()).order_by("starts_at")

    def missed(self, today=None):
        """Still planned after their day (so from the next morning), with no contact reaching
        the household logged on that day."""
        start_of_today, _ = day_bounds(today or timezone.localdate())
        return (
            self.planned()
            .filter(starts_at__lt=start_of_today)
            .exclude(ReachedThatDay())
            .order_by("-starts_at")
        )

    def of_caseload(self, user, referent_id=None):
        """The visits of `Accompaniment.objects.caseload_of(user)` (`caseload_q`)."""
        return self.filter(caseload_q(user, referent_id))


def caseload_q(user, referent_id=None, prefix=""):
    """The planned visits (through `prefix`, the rows leading to one) of
    `Accompaniment.objects.caseload_of(user)`, narrowed to one référent's households when given,
    as the manager's filter does: tested on the accompaniment and household rows the caseload's
    panels join anyway, rather than `IN` that caseload's subquery, which Django compiled again
    for each panel (tests/accompaniments/test_planned_visits.py holds both equal)."""
    household = f"{prefix}accompaniment__household__"
    q = Q(**{f"{prefix}accompaniment__status": AccompanimentStatus.ACTIVE})
    if not user.has_role(Role.CCAS_MANAGER):
        q &= Q(**{f"{household}referent": user}) | Q(**{f"{household}substitute": user})
    if referent_id is not None:
        q &= Q(**{f"{household}referent_id": referent_id})
    return q


class ReachedThatDay(Func):
    """Whether a contact reaching the household (`CONTACT_KINDS_REACHING`) was logged on the
    planned visit's day, both days in the current time zone (Europe/Paris): `EXISTS` over the
    contacts of its accompaniment, an index probe of (accompaniment, kind). Written as SQL text
    rather than `Exists(Contact.objects.filter(…OuterRef…))`, which Django built and compiled on
    every /mon-suivi/ (about 1 ms of the page; the same choice as `NextSurveyRound`,
    docs/performance.md)."""

    output_field = BooleanField()

    def __init__(self, **extra):
        super().__init__(F("accompaniment_id"), TruncDate("starts_at"), **extra)

    def as_sql(self, compiler, connection, **extra):
        (accompaniment, accompaniment_params), (day, day_params) = (
            compiler.compile(expression) for expression in self.get_source_expressions()
        )
        quote = connection.ops.quote_name
        field = Contact._meta.get_field
        contact_day, contact_day_params = connection.ops.datetime_cast_date_sql(
            f"c.{quote(field('at').column)}", (), timezone.get_current_timezone_name()
        )
        kinds = ", ".join(["%s"] * len(CONTACT_KINDS_REACHING))
        sql = (
            f"EXISTS (SELECT 1 FROM {quote(Contact._meta.db_table)} c"
            f" WHERE c.{quote(field('accompaniment').column)} = {accompaniment}"
            f" AND c.{quote(field('kind').column)} IN ({kinds})"
            f" AND {contact_day} = {day})"
        )
        params = [*accompaniment_params, *CONTACT_KINDS_REACHING, *contact_day_params, *day_params]
        return sql, params


class PlannedVisit(models.Model):
    accompaniment = models.ForeignKey(
        "accompaniments.Accompaniment", on_delete=models.CASCADE, related_name="planned_visits"
    )
    kind = models.CharField("type de rendez-vous", max_length=20, choices=VisitKind.choices)
    starts_at = models.DateTimeField("date et heure")
    place = models.CharField(
        "lieu",
        max_length=150,
        blank=True,
        help_text="Envoyé au ménage : ni nom, ni donnée sensible. Vide : « à votre domicile » "
        "pour une visite, « par téléphone » pour un appel.",
    )
    worker = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="professionnel",
        on_delete=models.PROTECT,
        related_name="+",
    )
    status = models.CharField(
        "état", max_length=10, choices=VisitStatus.choices, default=VisitStatus.PLANNED
    )
    planned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True
    )
    planned_at = models.DateTimeField("planifié le", default=timezone.now)
    contact = models.OneToOneField(
        Contact,
        verbose_name="contact enregistré",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="planned_visit",
    )

    objects = PlannedVisitQuerySet.as_manager()

    class Meta:
        verbose_name = "rendez-vous planifié"
        verbose_name_plural = "rendez-vous planifiés"
        ordering = ["starts_at", "pk"]
        indexes = [models.Index(fields=["status", "starts_at"])]

    def __str__(self):
        return f"{self.get_kind_display()} — {spoken_datetime(self.starts_at)}"

    @property
    def place_text(self) -> str:
        if self.place:
            return self.place
        return BY_PHONE if self.kind == VisitKind.PHONE_CALL else HOME

    def is_missed(self, today=None):
        start_of_today, _ = day_bounds(today or timezone.localdate())
        return self.status == VisitStatus.PLANNED and self.starts_at < start_of_today

    # --- owners ------------------------------------------------------------------------
    @staticmethod
    def _check(accompaniment, kind, starts_at, place, now=None):
        errors = {}
        if not accompaniment.is_active:
            raise ValidationError("Cet accompagnement est clôturé.")
        if kind not in VisitKind.values:
            errors["kind"] = "Choisissez le type de rendez-vous."
        if starts_at is None or starts_at <= (now or timezone.now()):
            errors["starts_at"] = "Le rendez-vous doit être dans le futur."
        if kind == VisitKind.OFFICE and not (place or "").strip():
            errors["place"] = "Indiquez le lieu de l'entretien (adresse du bureau)."
        if errors:
            raise ValidationError(errors)
        check_outbound(PLACE_AUDIENCE, place=place or "")

    @classmethod
    @transaction.atomic
    def plan(
        cls,
        accompaniment,
        *,
        kind,
        starts_at,
        by,
        place="",
        worker=None,
        planned_at=None,
    ):
        """A new appointment with the household; the référent (or `worker`) holds it.
        `planned_at`: when it was agreed, if earlier than now (a paper diary typed in later,
        the demo); the appointment must follow it."""
        place = (place or "").strip()
        now = timezone.now()
        planned_at = min(planned_at or now, now)
        cls._check(accompaniment, kind, starts_at, place, now=planned_at)
        visit = cls.objects.create(
            planned_at=planned_at,
            accompaniment=accompaniment,
            kind=kind,
            starts_at=starts_at,
            place=place,
            worker=worker or accompaniment.household.referent or by,
            planned_by=by,
        )
        accompaniment.events.create(
            kind=EventKind.VISIT_PLANNED, by=by, at=planned_at, detail=str(visit)
        )
        return visit

    @transaction.atomic
    def move(self, *, starts_at, by, place=None, kind=None):
        """A new date (or place): the household gets its notice, then a new reminder."""
        self._require_planned()
        kind = kind or self.kind
        place = self.place if place is None else place.strip()
        self._check(self.accompaniment, kind, starts_at, place)
        before = str(self)
        self.starts_at, self.place, self.kind = starts_at, place, kind
        self.save(update_fields=["starts_at", "place", "kind"])
        self.accompaniment.events.create(
            kind=EventKind.VISIT_MOVED, by=by, detail=f"{before} → {self}"[:300]
        )
        VisitMessage.prepare(self, MessageKind.MOVED, notify=True)

    @transaction.atomic
    def cancel(self, *, by):
        self._require_planned()
        self.status = VisitStatus.CANCELLED
        self.save(update_fields=["status"])
        self.accompaniment.events.create(kind=EventKind.VISIT_CANCELLED, by=by, detail=str(self))
        VisitMessage.prepare(self, MessageKind.CANCELLED, notify=True)

    @transaction.atomic
    def mark_done(self, contact, *, by):
        """The contact logged for this appointment (from the contact form)."""
        self._require_planned()
        self.status, self.contact = VisitStatus.DONE, contact
        self.save(update_fields=["status", "contact"])
        self.accompaniment.events.create(kind=EventKind.VISIT_DONE, by=by, detail=str(self))

    @classmethod
    def attach(cls, contact, *, by):
        """Mark done the accompaniment's appointment planned on the contact's day, if any."""
        if contact.kind not in CONTACT_KINDS_REACHING:
            return None
        start, end = day_bounds(timezone.localdate(contact.at))
        visit = (
            cls.objects.planned()
            .filter(accompaniment=contact.accompaniment, starts_at__gte=start, starts_at__lt=end)
            .order_by("starts_at")
            .first()
        )
        if visit is not None:
            visit.mark_done(contact, by=by)
        return visit

    def _require_planned(self):
        if self.status != VisitStatus.PLANNED:
            raise ValidationError(f"Ce rendez-vous est déjà {self.get_status_display().lower()}.")


# --- messages to the household -------------------------------------------------------------
def message_backoff(tries: int) -> timedelta:
    """Wait before the next try after `tries` failures: 10, 20, 40 minutes…"""
    return timedelta(minutes=10 * 2 ** max(0, tries - 1))


def message_text(visit, kind) -> str:
    """Plain French, no name of the household, no health detail: the day, the time, the place
    and the worker's first name only."""
    when = spoken_datetime(visit.starts_at)
    first_name = visit.worker.first_name or "votre référent"
    what = {
        VisitKind.HOME_VISIT: "visite",
        VisitKind.OFFICE: "rendez-vous",
        VisitKind.PHONE_CALL: "appel",
    }[visit.kind]
    if kind == MessageKind.CANCELLED:
        return (
            f"CCAS de Caen : votre {what} du {when} avec {first_name} est annulé(e). "
            "Nous vous recontacterons pour une nouvelle date."
        )
    if kind == MessageKind.MOVED:
        return (
            f"CCAS de Caen : votre {what} avec {first_name} est déplacé(e) au {when}, "
            f"{visit.place_text}. En cas d'empêchement, prévenez le CCAS."
        )
    return (
        f"CCAS de Caen : rappel de votre {what} avec {first_name} le {when}, "
        f"{visit.place_text}. En cas d'empêchement, prévenez le CCAS."
    )


class VisitMessageQuerySet(models.QuerySet):
    def due(self, now=None):
        return self.filter(state=MessageState.PENDING).filter(
            Q(next_at__isnull=True) | Q(next_at__lte=now or timezone.now())
        )

    def failed(self):
        return self.filter(state=MessageState.FAILED)


class VisitMessage(models.Model):
    visit = models.ForeignKey(PlannedVisit, on_delete=models.CASCADE, related_name="messages")
    kind = models.CharField("message", max_length=10, choices=MessageKind.choices)
    # The consent it was sent under (append-only rows): a new number or address is a new
    # consent, hence a new message; a retried job meets the unique key and writes nothing.
    consent = models.ForeignKey(ReminderConsent, on_delete=models.CASCADE, related_name="messages")
    channel = models.CharField("envoi", max_length=10, choices=ReminderChannel.choices)
    recipient = models.CharField("destinataire", max_length=254)
    # The appointment's time when written: a moved visit gets a new reminder.
    appointment_at = models.DateTimeField("rendez-vous du")
    body = models.TextField("texte")
    state = models.CharField(
        "état", max_length=10, choices=MessageState.choices, default=MessageState.PENDING
    )
    created_at = models.DateTimeField("créé le", default=timezone.now)
    tries = models.PositiveSmallIntegerField("essais en échec", default=0)
    next_at = models.DateTimeField("prochain essai", null=True, blank=True)
    sent_at = models.DateTimeField("envoyé le", null=True, blank=True)
    provider_id = models.CharField("identifiant d'envoi", max_length=100, blank=True)
    error = models.CharField("dernière erreur", max_length=300, blank=True)

    objects = VisitMessageQuerySet.as_manager()

    class Meta:
        verbose_name = "message au ménage"
        verbose_name_plural = "messages aux ménages"
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "visit", "consent", "appointment_at"],
                name="unique_visit_message",
            )
        ]

    def __str__(self):
        return f"{self.get_kind_display()} ({self.get_channel_display()})"

    @property
    def recipient_display(self) -> str:
        return display_phone(self.recipient) if self.channel == ReminderChannel.SMS else ""

    @classmethod
    def prepare(cls, visit, kind, *, notify=False):
        """Write the message if the household agreed to be reminded; once per (kind, visit,
        consent, appointment time): a second run or worker creates nothing. With `notify`,
        the message is sent after the commit through the outbox (caen_accompagnement.celery).
        Returns the message, or None."""
        consent = ReminderConsent.objects.current_for(visit.accompaniment.household)
        message = cls._for(visit, kind, consent)
        if message is None:
            return None
        try:
            with transaction.atomic():
                message.save(force_insert=True)
        except IntegrityError:
            return None
        if notify:
            from caen_accompagnement.celery import enqueue_on_commit

            from ..tasks import send_visit_message

            enqueue_on_commit(send_visit_message, message.pk)
        return message

    @classmethod
    def prepare_many(cls, visits, kind):
        """`prepare` (without `notify`) for many visits: their households' consents read in one
        query, the messages inserted in one statement that skips those already written (the
        same unique key). Returns how many visits had a consenting household."""
        visits = list(visits)
        consents = ReminderConsent.objects.current_by_household(
            {visit.accompaniment.household_id for visit in visits}
        )
        messages = [
            cls._for(visit, kind, consents.get(visit.accompaniment.household_id))
            for visit in visits
        ]
        messages = [message for message in messages if message is not None]
        cls.objects.bulk_create(messages, ignore_conflicts=True)
        return len(messages)

    @classmethod
    def _for(cls, visit, kind, consent):
        """The unsaved message of `visit` under `consent`, or None without a consent to remind
        (none, or withdrawn)."""
        if consent is None or not consent.recipient:
            return None
        return cls(
            visit=visit,
            kind=kind,
            consent=consent,
            channel=consent.channel,
            recipient=consent.recipient,
            appointment_at=visit.starts_at,
            body=message_text(visit, kind),
        )

    @classmethod
    def deliver(cls, pk, now=None):
        """Send one message, once: the row is locked while sending and marked in the same
        transaction. Consent withdrawn or changed since: dropped. A failure is retried with a
        growing wait, then marked failed (the référent sees it)."""
        now = now or timezone.now()
        with transaction.atomic():
            message = (
                cls.objects.select_for_update(skip_locked=True, of=("self",))
                .select_related("visit__accompaniment")
                .due(now)
                .filter(pk=pk)
                .first()
            )
            if message is None:
                return 0
            visit = message.visit
            consent = ReminderConsent.objects.current_for(visit.accompaniment.household_id)
            stale_reminder = message.kind == MessageKind.REMINDER and (
                visit.status != VisitStatus.PLANNED
                or visit.starts_at != message.appointment_at
                or visit.starts_at <= now
            )
            if consent is None or consent.pk != message.consent_id or stale_reminder:
                message.state = MessageState.DROPPED
                message.save(update_fields=["state"])
                return 0
            try:
                if message.channel == ReminderChannel.SMS:
                    message.provider_id = sms.send_sms(message.recipient, message.body)[:100]
                else:
                    send_mail(
                        "Votre rendez-vous avec le CCAS de Caen",
                        message.body,
                        None,
                        [message.recipient],
                    )
            except Exception as exc:  # noqa: BLE001 - any provider failure is retried, recorded
                message.tries += 1
                message.error = f"{exc.__class__.__name__}: {exc}"[:300]
                if message.tries >= settings.VISIT_MESSAGE_MAX_TRIES:
                    message.state, message.next_at = MessageState.FAILED, None
                    logger.error("Message au ménage %s : échec après %s essais", pk, message.tries)
                else:
                    message.next_at = now + message_backoff(message.tries)
                message.save(update_fields=["state", "tries", "next_at", "error"])
                return 0
            message.state, message.sent_at, message.error = MessageState.SENT, now, ""
            message.save(update_fields=["state", "sent_at", "error", "provider_id"])
            return 1


def remind_visits(now=None):
    """Write the reminder of every planned visit starting within VISIT_REMINDER_HOURS whose
    household agreed, then send every message due (first tries and retries). Returns the
    number of messages sent."""
    now = now or timezone.now()
    horizon = now + timedelta(hours=settings.VISIT_REMINDER_HOURS)
    visits = (
        PlannedVisit.objects.planned()
        .filter(starts_at__gt=now, starts_at__lte=horizon)
        .select_related("accompaniment", "worker")
    )
    VisitMessage.prepare_many(visits, MessageKind.REMINDER)
    return sum(
        VisitMessage.deliver(pk, now)
        for pk in VisitMessage.objects.due(now).values_list("pk", flat=True)
    )
