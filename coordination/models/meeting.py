from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils import timezone

from accounts import policy
from accounts.enums import Role
from caen_accompagnement.celery import enqueue_on_commit
from caen_accompagnement.subqueries import count_of
from diagnostics.models import LEVEL_CHOICES
from households.enums import Owner, Public, Status
from households.models import Household
from households.outbound import check_outbound, check_outbound_texts, known_names_in

from ..enums import (
    OUTCOMES_OF_KIND,
    DeliveryStatus,
    ItemKind,
    MeetingKind,
    Outcome,
)

# Roles that read every meeting (docs/access.md "meetings, decisions, minutes"); a cellule member
# without one of them reads only the meetings they sit in.


# without one of them reads only the meetings they sit in.
ALL_MEETINGS_ROLES = frozenset(
    {Role.SOCIAL_WORKER, Role.CCAS_MANAGER, Role.LETTING_OFFICER, Role.DEBT_OFFICER}
)
# Who may sit in a cellule (standing or for one meeting): the roles that read meetings.
MEMBER_ROLES = ALL_MEETINGS_ROLES | {Role.CELLULE_MEMBER}
# Who reads the cellule's free text (agenda titles, decisions, corrections): docs/access.md.
MINUTES_AUDIENCE = "compte rendu diffusé aux membres de la cellule et à la DDCS"
# docs/domain.md §5.1: "au moins une fois tous les trois mois".
QUARTER = timedelta(days=92)


def possible_members():
    from accounts.models import User

    return (
        User.objects.filter(is_active=True, role_assignments__role__in=MEMBER_ROLES)
        .select_related("organisation")
        .distinct()
        .order_by("last_name", "first_name", "email")
    )


def max_by_meeting(rows, field):
    """{meeting pk: the largest `field` of `rows`} in one query (the batch owners' next
    positions and minutes numbers)."""
    return dict(
        rows.values("meeting").annotate(n=models.Max(field)).values_list("meeting", "n").order_by()
    )


class MeetingQuerySet(models.QuerySet):
    def visible_to(self, user):
        if not policy.can(user, "meeting.view"):
            return self.none()
        if user.roles & ALL_MEETINGS_ROLES:
            return self
        return self.filter(members=user)

    def cellules(self):
        return self.filter(kind=MeetingKind.CELLULE)

    def with_item_counts(self):
        """`n_items` (the agenda's points) and `n_decisions` (those decided) of each meeting,
        as correlated counts on the items' and the decisions' (meeting) indexes: on a sorted,
        LIMITed page PostgreSQL computes them for the page's meetings only, after the sort.
        Joining every agenda item and decision and grouping by meeting read them all (13,000
        at 10,000 households: 11 ms a view of /cellule/); probing each point of a meeting for
        its decision, 8 ms for the ten past cellules of /cellule/ (docs/performance.md)."""
        items = AgendaItem.objects.filter(meeting=models.OuterRef("pk"))
        decisions = Decision.objects.filter(meeting=models.OuterRef("pk"))
        return self.annotate(n_items=count_of(items), n_decisions=count_of(decisions))

    def comites_visible_to(self, user):
        """Comités de suivi: every one for the roles of "comite.view" (the DDCS included)."""
        if not policy.can(user, "comite.view"):
            return self.none()
        return self.comites()

    def comites(self):
        return self.filter(kind=MeetingKind.COMITE)

    def upcoming(self, now=None):
        return self.filter(date__gte=now or timezone.now()).order_by("date")

    def past(self, now=None):
        return self.filter(date__lt=now or timezone.now()).order_by("-date")


def next_quarter_gap(now=None):
    """True when no cellule is planned within the next quarter (the manager is warned)."""
    now = now or timezone.now()
    return not Meeting.objects.cellules().filter(date__gte=now, date__lte=now + QUARTER).exists()


def _bilan_path(instance, filename):
    return f"coordination/bilans/{instance.date:%Y}/comite-{instance.pk or 'nouveau'}.pdf"


class Meeting(models.Model):
    kind = models.CharField(
        "instance", max_length=20, choices=MeetingKind.choices, default=MeetingKind.CELLULE
    )
    date = models.DateTimeField("date")
    place = models.CharField("lieu", max_length=200, blank=True)
    members = models.ManyToManyField(
        settings.AUTH_USER_MODEL, related_name="meetings", blank=True, verbose_name="membres"
    )
    attendees = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        related_name="meetings_attended",
        blank=True,
        verbose_name="présents",
    )
    agenda_published_at = models.DateTimeField("ordre du jour publié le", null=True, blank=True)
    agenda_published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    minutes_approved_at = models.DateTimeField("compte rendu approuvé le", null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    # Comité de suivi: a bilan uploaded before the bilans were generated (kept readable); the
    # bilans are now made by the reporting app and linked to the comité that approved them.
    bilan = models.FileField("bilan de l'année", upload_to=_bilan_path, blank=True)
    bilan_uploaded_at = models.DateTimeField("bilan déposé le", null=True, blank=True)

    objects = MeetingQuerySet.as_manager()

    class Meta:
        verbose_name = "réunion"
        ordering = ["-date"]

    def __str__(self):
        return self.label

    @property
    def local_date(self):
        return timezone.localtime(self.date)

    @property
    def label(self):
        return self.label_of(self.kind, self.local_date)

    @staticmethod
    def label_of(kind, local_date):
        """`label` from a meeting's kind and local date (a list's rows read as values)."""
        name = "Cellule" if kind == MeetingKind.CELLULE else "Comité de suivi"
        return f"{name} du {local_date:%d/%m/%Y}"

    @property
    def decision_label(self):
        """How a household's status history names the decision ("Cellule du 12/03/2026")."""
        return f"Cellule du {self.local_date:%d/%m/%Y}"

    @property
    def is_published(self):
        return self.agenda_published_at is not None

    @property
    def is_locked(self):
        return self.minutes_approved_at is not None

    @property
    def decisions_open(self):
        """Decisions are the cellule's, recorded when it sits: from the meeting's day on."""
        return timezone.localdate() >= self.local_date.date()

    def check_decisions_open(self):
        if not self.decisions_open:
            raise ValidationError(
                f"La cellule ne s'est pas encore réunie : les décisions se saisissent pendant "
                f"la réunion, à partir du {self.local_date:%d/%m/%Y}."
            )

    def get_absolute_url(self):
        from django.urls import reverse

        if self.kind == MeetingKind.COMITE:
            return reverse("coordination:comite", args=[self.pk])
        return reverse("coordination:detail", args=[self.pk])

    def previous_cellule(self):
        return Meeting.objects.cellules().filter(date__lt=self.date).order_by("-date").first()

    def check_not_locked(self):
        if self.is_locked:
            raise ValidationError(
                "Le compte rendu de cette réunion est approuvé : elle ne peut plus être modifiée "
                "(une correction passe par une nouvelle version du compte rendu)."
            )

    # --- agenda ---------------------------------------------------------------------
    def check_add_item(
        self, *, kind, household=None, title="", by=None, at=None, listed=None, known_names=None
    ):
        """The rules of an inscription on this agenda (not locked, not published, a household
        once per motive, a manual point's title, a title fit for the minutes, no « à qualifier »
        file) and, for a level item, the inscription's move (`inscription_move`): the one rule
        code of `add_item` and `add_items`. `listed`: is the household already on the agenda for
        this motive (None: asked here); a batch passes its name words (`known_names`). Returns
        the household's move to « en attente de niveau » ({by, owner, reason, at}) or None."""
        self.check_not_locked()
        if self.is_published:
            raise ValidationError("L'ordre du jour est déjà publié : il ne peut plus être modifié.")
        if household is not None:
            if listed is None:
                listed = self.items.filter(household=household, kind=kind).exists()
            if listed:
                raise ValidationError("Ce ménage est déjà inscrit à l'ordre du jour pour ce motif.")
        if kind == ItemKind.MANUAL and not title.strip():
            raise ValidationError({"title": "Indiquez l'intitulé du point."})
        check_outbound_texts({"title": title}, MINUTES_AUDIENCE, known_names)
        if household is not None and household.public == Public.TO_QUALIFY:
            raise ValidationError(
                f"Le public du dossier {household.reference} est « à qualifier » : "
                "qualifiez-le sur sa fiche avant de l'inscrire à l'ordre du jour."
            )
        if kind == ItemKind.LEVEL and household is not None:
            return self.inscription_move(household, by, at)
        return None

    @transaction.atomic
    def add_item(self, *, kind, household=None, title="", reason="", by=None):
        move = self.check_add_item(kind=kind, household=household, title=title, by=by)
        if move:
            household.move_to(Status.AWAITING_LEVEL, **move)
        last = self.items.aggregate(models.Max("position"))["position__max"] or 0
        return self.items.create(
            kind=kind,
            household=household,
            title=title.strip(),
            reason=reason,
            position=last + 1,
            added_by=by,
            added_at=timezone.now(),
        )

    @staticmethod
    @transaction.atomic
    def add_items(items):
        """`add_item` for a batch: `items` are (meeting, {kind, household, title, reason, by,
        at}), in the order of the inscriptions; `at` dates an inscription recorded after the
        fact (the demo's histories), default now. The rules (`check_add_item`) for every item
        before anything is written, the batch's own items counted (a household once per motive
        and meeting); then the level items' households move to « en attente de niveau » through
        `Household.move_many`, in the name of the inscription (same moment and author), and the
        items are written, after each meeting's last position. A fixed number of queries."""
        items = list(items)
        meetings = Meeting.objects.select_for_update().in_bulk({meeting.pk for meeting, _ in items})
        listed = set(
            AgendaItem.objects.filter(meeting__in=list(meetings), household__isnull=False)
            .values_list("meeting", "household", "kind")
            .order_by()
        )
        last = max_by_meeting(AgendaItem.objects.filter(meeting__in=list(meetings)), "position")
        known = known_names_in({spec.get("title", "") for _, spec in items})
        moves, rows = [], []
        for meeting, spec in items:
            meeting = meetings[meeting.pk]
            kind, household = spec["kind"], spec.get("household")
            title, by, at = spec.get("title", ""), spec.get("by"), spec.get("at")
            key = (meeting.pk, household.pk if household else None, kind)
            move = meeting.check_add_item(
                kind=kind,
                household=household,
                title=title,
                by=by,
                at=at,
                listed=key in listed,
                known_names=known,
            )
            if household is not None:
                listed.add(key)
            if move:
                moves.append((household, Status.AWAITING_LEVEL, move))
            last[meeting.pk] = last.get(meeting.pk, 0) + 1
            rows.append(
                AgendaItem(
                    meeting=meeting,
                    kind=kind,
                    household=household,
                    title=title.strip(),
                    reason=spec.get("reason", ""),
                    position=last[meeting.pk],
                    added_by=by,
                    added_at=at or timezone.now(),
                )
            )
        Household.move_many(moves)
        return AgendaItem.objects.bulk_create(rows, batch_size=2000)

    def inscription_move(self, household, by, at=None):
        """Inscription on a cellule agenda is what makes a file await its level (the owner of
        that transition, households.enums.TRANSITIONS): the move ({by, owner, reason, at}), or
        None when the file already awaits it, or has a provisional level to ratify."""
        if household.status == Status.AWAITING_LEVEL or (
            household.status == Status.DIAGNOSTIC and household.diagnostic_level_provisional
        ):
            return None
        if not household.can_move_to(Status.AWAITING_LEVEL, Owner.AGENDA):
            raise ValidationError(
                f"Le dossier {household.reference} ({household.get_status_display()}) ne peut "
                "pas être inscrit pour un choix de niveau."
            )
        return dict(
            by=by,
            owner=Owner.AGENDA,
            reason=f"Inscrit à l'ordre du jour de la {self.label.lower()}",
            at=at,
        )

    @transaction.atomic
    def remove_item(self, item):
        if self.is_published:
            raise ValidationError("L'ordre du jour est déjà publié : il ne peut plus être modifié.")
        item.delete()

    def check_publish(self, *, has_items=None, missing=None):
        """The rules of a publication (not locked, not yet published, a point at least, the
        three services of §3.2.2 among the members): the one rule code of `publish_agenda` and
        `publish_agendas`. A batch passes `has_items` and `missing` (None: asked here)."""
        self.check_not_locked()
        if self.is_published:
            raise ValidationError("L'ordre du jour est déjà publié.")
        if not (self.items.exists() if has_items is None else has_items):
            raise ValidationError("L'ordre du jour est vide : ajoutez au moins un point.")
        missing = self.missing_services() if missing is None else missing
        if missing:
            raise ValidationError(
                "La cellule réunit au moins un membre du service Location de Caen habitat, un de "
                "son service contentieux et un du CCAS (§3.2.2) : ajoutez "
                + " et ".join(missing)
                + " avant de publier l'ordre du jour."
            )

    @transaction.atomic
    def publish_agenda(self, *, by):
        """Members get access to the syntheses of the households on the agenda (docs/access.md)."""
        self.check_publish()
        self.agenda_published_at = timezone.now()
        self.agenda_published_by = by
        self.save(update_fields=["agenda_published_at", "agenda_published_by"])
        from ..tasks import send_agenda_published

        enqueue_on_commit(send_agenda_published, self.pk)

    @staticmethod
    @transaction.atomic
    def publish_agendas(items):
        """`publish_agenda` for past publications recorded after the fact (the demo's
        histories): `items` are (meeting, {by, at}). The rules (`check_publish`) for every
        meeting before anything is written, in a fixed number of queries. No email: the
        message invites the members to read the syntheses before a meeting that has sat."""
        items = list(items)
        meetings = Meeting.objects.select_for_update().in_bulk({meeting.pk for meeting, _ in items})
        with_items = set(
            AgendaItem.objects.filter(meeting__in=list(meetings))
            .values_list("meeting", flat=True)
            .distinct()
            .order_by()
        )
        missing = missing_services_of(list(meetings.values()))
        published = []
        for meeting, spec in items:
            meeting = meetings[meeting.pk]
            meeting.check_publish(has_items=meeting.pk in with_items, missing=missing[meeting.pk])
            meeting.agenda_published_at = spec.get("at") or timezone.now()
            meeting.agenda_published_by = spec["by"]
            published.append(meeting)
        Meeting.objects.bulk_update(
            published, ["agenda_published_at", "agenda_published_by"], batch_size=1000
        )
        return published

    # --- members and attendance -------------------------------------------------------
    def missing_services(self) -> list[str]:
        """The services of §3.2.2 with no member in this cellule, in French (empty: complete):
        Caen habitat's letting service (letting officers), its contentieux (debt officers), the
        CCAS (its roles, or a cellule member of the CCAS). One query."""
        return missing_services_of([self])[self.pk]

    def add_member(self, user):
        self.check_not_locked()
        if not (user.roles & MEMBER_ROLES):
            raise ValidationError("Cette personne ne peut pas siéger en cellule.")
        self.members.add(user)

    def remove_member(self, user):
        self.check_not_locked()
        self.members.remove(user)
        self.attendees.remove(user)

    @transaction.atomic
    def record_attendance(self, present):
        self.check_not_locked()
        present = list(present)
        members = set(self.members.values_list("pk", flat=True))
        if any(user.pk not in members for user in present):
            raise ValidationError("Seuls les membres de la réunion peuvent être notés présents.")
        self.attendees.set(present)

    # --- minutes ----------------------------------------------------------------------
    def minutes_context(self, correction=None):
        items = list(self.items.for_display())
        attendees = set(self.attendees.values_list("pk", flat=True))
        members = list(self.members.select_related("organisation").order_by("last_name"))
        return {
            "meeting": self,
            "items": items,
            "present": [m for m in members if m.pk in attendees],
            "absent": [m for m in members if m.pk not in attendees],
            "correction": correction,
            "versions": list(self.minutes_versions.all()),
            "embedded": False,  # the approval page shows the body inside its own headings
        }

    def minutes_recipients(self):
        """[(email, is_member)]: the members first, then the DDCS (ddcs_recipients) not already
        members. The approval page shows this list; `send_minutes` sends to it."""
        members = list(dict.fromkeys(m.email.lower() for m in self.members.filter(is_active=True)))
        others = [e for e in ddcs_recipients() if e not in members]
        return [(e, True) for e in members] + [(e, False) for e in others]

    def next_minutes(self, *, by, correction=""):
        """The version approving now would create (unsaved): what the approval page previews."""
        return Minutes(
            meeting=self,
            number=self.minutes_versions.count() + 1,
            correction=correction.strip(),
            approved_by=by,
            approved_at=timezone.now(),
        )

    def render_minutes_pdf(self, correction=None) -> bytes:
        from caen_accompagnement.pdf import render_pdf

        return render_pdf("coordination/pdf/minutes.html", self.minutes_context(correction))

    def check_approve(self, *, correction="", at=None, attended=None):
        """The rules of an approval (a cellule, its agenda published, the meeting sat, a
        correction described once approved, texts fit for the minutes, the attendees recorded
        before a first approval): the one rule code of `approve_minutes` and
        `approve_minutes_many`. `at` dates an approval recorded after the fact (not in the
        future); a batch passes `attended` (None: asked here)."""
        if self.kind != MeetingKind.CELLULE:
            raise ValidationError("Seules les cellules de coordination ont un compte rendu.")
        if not self.is_published:
            raise ValidationError("L'ordre du jour n'a pas été publié.")
        now = timezone.now()
        if self.date > (at or now) or (at or now) > now:
            raise ValidationError("La réunion n'a pas encore eu lieu.")
        if self.is_locked and not correction.strip():
            raise ValidationError(
                {"correction": "Décrivez la correction apportée au compte rendu."}
            )
        check_outbound(MINUTES_AUDIENCE, correction=correction)
        if not self.is_locked:
            if attended is None:
                attended = self.attendees.exists()
            if not attended:
                raise ValidationError("Notez les présents avant d'approuver le compte rendu.")

    @transaction.atomic
    def approve_minutes(self, *, by, correction=""):
        """Lock the meeting and store the approved PDF; a correction is a new version."""
        # Two managers approving at once: the second waits, then sees the first approval.
        self.minutes_approved_at = (
            Meeting.objects.select_for_update()
            .values_list("minutes_approved_at", flat=True)
            .get(pk=self.pk)
        )
        self.check_approve(correction=correction)
        minutes = self.next_minutes(by=by, correction=correction)
        minutes.ensure_pdf(save=False)
        minutes.save()
        if not self.is_locked:
            self.minutes_approved_at = minutes.approved_at
            self.save(update_fields=["minutes_approved_at"])
        from ..tasks import send_minutes

        enqueue_on_commit(send_minutes, minutes.pk)
        return minutes

    @staticmethod
    @transaction.atomic
    def approve_minutes_many(items):
        """`approve_minutes` for approvals recorded after the fact (the demo's past cellules):
        `items` are (meeting, {by, at, correction}). The rules (`check_approve`) for every
        meeting before anything is written, in a fixed number of queries; each approval is its
        next `Minutes` version (the meeting locked by the first one, at its moment). Its PDF is
        rendered on its first download (`Minutes.ensure_pdf`: a cellule's minutes take WeasyPrint
        7 ms per point, 11 s for a cellule of 1,500 points of the 10,000-household demo). No
        email: the minutes of a past approval are not sent again (`send_minutes` is the
        approval's, at its moment)."""
        items = list(items)
        meetings = Meeting.objects.select_for_update().in_bulk({meeting.pk for meeting, _ in items})
        attended = set(
            Meeting.attendees.through.objects.filter(meeting__in=list(meetings))
            .values_list("meeting", flat=True)
            .distinct()
            .order_by()
        )
        numbers = max_by_meeting(Minutes.objects.filter(meeting__in=list(meetings)), "number")
        versions, locked = [], []
        for meeting, spec in items:
            meeting = meetings[meeting.pk]
            at, correction = spec.get("at") or timezone.now(), spec.get("correction", "")
            meeting.check_approve(correction=correction, at=at, attended=meeting.pk in attended)
            numbers[meeting.pk] = numbers.get(meeting.pk, 0) + 1
            versions.append(
                Minutes(
                    meeting=meeting,
                    number=numbers[meeting.pk],
                    correction=correction.strip(),
                    approved_by=spec["by"],
                    approved_at=at,
                )
            )
            if not meeting.is_locked:
                meeting.minutes_approved_at = at
                locked.append(meeting)
        Meeting.objects.bulk_update(locked, ["minutes_approved_at"], batch_size=1000)
        return Minutes.objects.bulk_create(versions, batch_size=1000)


class AgendaItemQuerySet(models.QuerySet):
    def published_for(self, user):
        """Items of a published agenda of a meeting `user` sits in."""
        return self.filter(meeting__agenda_published_at__isnull=False, meeting__members=user)

    def households_on_agenda_of(self, user):
        """The ids of the households on a published agenda of a meeting `user` sits in: the
        policy's AGENDA scope (given to accounts/policy.py in CoordinationConfig.ready())."""
        return (
            self.published_for(user).filter(household__isnull=False).order_by().values("household")
        )

    def undecided(self):
        return self.filter(decision__isnull=True)

    def for_display(self):
        """With what the agenda, the pre-read and the minutes show of each item."""
        return self.select_related("household", "decision__recorded_by").prefetch_related(
            "household__members"
        )


class AgendaItem(models.Model):
    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="items")
    kind = models.CharField("type", max_length=20, choices=ItemKind.choices)
    household = models.ForeignKey(
        Household, on_delete=models.PROTECT, null=True, blank=True, related_name="agenda_items"
    )
    title = models.CharField("intitulé", max_length=250, blank=True)
    position = models.PositiveSmallIntegerField(default=0)
    # Why the pipeline proposed it ("Adhésion rompue", "3 signalements en 3 mois", …).
    reason = models.CharField("motif d'inscription", max_length=250, blank=True)
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    # The inscription's moment (`add_item`, `add_items`); empty for points added before it was
    # kept.
    added_at = models.DateTimeField("inscrit le", null=True, blank=True)

    objects = AgendaItemQuerySet.as_manager()

    class Meta:
        verbose_name = "point de l'ordre du jour"
        ordering = ["position", "pk"]

    def __str__(self):
        if self.household_id:
            return f"{self.get_kind_display()} — {self.household.reference}"
        return self.title

    @property
    def outcomes(self):
        return OUTCOMES_OF_KIND[self.kind]

    @property
    def decided(self):
        return hasattr(self, "decision")

    def still_open(self):
        """Has the household's situation been decided elsewhere since the item was added?"""
        if self.household_id is None:
            return True
        from households.enums import IN_PROGRAMME_STATUSES

        if self.kind == ItemKind.LEVEL and self.household.diagnostic_level_provisional:
            return self.household.status == Status.DIAGNOSTIC  # a provisional level to ratify
        expected = {
            ItemKind.LEVEL: {Status.AWAITING_LEVEL},
            ItemKind.ADMISSION: {Status.AWAITING_ADMISSION},
            ItemKind.REVIEW: IN_PROGRAMME_STATUSES,
        }.get(self.kind)
        return expected is None or self.household.status in expected


class Decision(models.Model):
    """One decision per agenda item, attributable, frozen once the minutes are approved."""

    item = models.OneToOneField(AgendaItem, on_delete=models.PROTECT, related_name="decision")
    # The item's meeting, kept here (`save`, `record_decisions`) so that a meeting's decisions
    # are counted on one index rather than by probing each of its points (`with_item_counts`);
    # an item never changes meeting, and `check_pipeline` checks the two agree.
    meeting = models.ForeignKey(
        Meeting, on_delete=models.PROTECT, related_name="decisions", editable=False
    )
    outcome = models.CharField("décision", max_length=20, choices=Outcome.choices)
    level = models.PositiveSmallIntegerField(
        "niveau de diagnostic",
        choices=LEVEL_CHOICES,
        null=True,
        blank=True,
    )
    suggested_level = models.PositiveSmallIntegerField("niveau suggéré", null=True, blank=True)
    reason = models.TextField("motif", blank=True)
    cap_override_reason = models.TextField("motif de dépassement du plafond", blank=True)
    extend_until = models.DateField("prolongé jusqu'au", null=True, blank=True)
    # Share of eviction-threat accompaniments when the decision was taken (admissions).
    eviction_share = models.DecimalField(
        "part des ménages menacés d'expulsion", max_digits=5, decimal_places=2, null=True
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="saisie par",
        on_delete=models.PROTECT,
        related_name="+",
    )
    recorded_at = models.DateTimeField("saisie le", default=timezone.now)

    class Meta:
        verbose_name = "décision"
        ordering = ["recorded_at", "pk"]

    def __str__(self):
        return self.summary

    def save(self, *args, **kwargs):
        self.meeting_id = self.item.meeting_id
        super().save(*args, **kwargs)

    @property
    def summary(self):
        if self.outcome == Outcome.LEVEL:
            return f"Diagnostic de niveau {self.level}"
        if self.outcome == Outcome.EXTEND and self.extend_until:
            return f"{self.get_outcome_display()} jusqu'au {self.extend_until:%d/%m/%Y}"
        return self.get_outcome_display()


def _minutes_path(instance, filename):
    return f"coordination/comptes-rendus/{instance.meeting.date:%Y}/{filename}"


class MinutesQuerySet(models.QuerySet):
    """Sending approved minutes goes through the outbox (caen_accompagnement.celery)."""


class Minutes(models.Model):
    """An approved version of a cellule's minutes; a correction adds a version."""

    meeting = models.ForeignKey(Meeting, on_delete=models.PROTECT, related_name="minutes_versions")
    number = models.PositiveSmallIntegerField("version")
    correction = models.TextField("correction apportée", blank=True)
    pdf = models.FileField("compte rendu (PDF)", upload_to=_minutes_path)
    approved_at = models.DateTimeField("approuvé le", default=timezone.now)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="approuvé par",
        on_delete=models.PROTECT,
        related_name="+",
    )

    objects = MinutesQuerySet.as_manager()

    class Meta:
        verbose_name = "compte rendu"
        verbose_name_plural = "comptes rendus"
        ordering = ["meeting", "number"]
        constraints = [
            models.UniqueConstraint(fields=["meeting", "number"], name="unique_minutes_version")
        ]

    def __str__(self):
        return f"Compte rendu — {self.meeting.label} (version {self.number})"

    def ensure_pdf(self, *, save=True):
        """The approved PDF: rendered at the approval (`approve_minutes`, `save=False`, the
        version saved by its caller), or on its first download for a version approved in a
        batch (`approve_minutes_many`), then kept. Rendered from the meeting locked by the
        approval (its points, decisions and attendees can no longer change), this version
        heading it."""
        if self.pdf:
            return
        from django.core.files.base import ContentFile

        meeting = self.meeting
        self.pdf.save(
            f"compte-rendu-{meeting.local_date:%Y-%m-%d}-v{self.number}.pdf",
            ContentFile(meeting.render_minutes_pdf(correction=self)),
            save=False,
        )
        if save:
            self.save(update_fields=["pdf"])

    @property
    def filename(self):
        return f"compte-rendu-cellule-{self.meeting.local_date:%Y-%m-%d}-v{self.number}.pdf"

    @property
    def mail_subject(self):
        subject = f"Compte rendu approuvé — {self.meeting.label}"
        if self.number > 1:
            subject += f" (version {self.number}, corrigée)"
        return subject

    @property
    def mail_body(self):
        """The same text for every recipient, the PDF attached (shown on the approval page)."""
        meeting = self.meeting
        return (
            "Bonjour,\n\n"
            f"Vous trouverez ci-joint le compte rendu approuvé de la {meeting.label.lower()}"
            f"{f' (version {self.number})' if self.number > 1 else ''}.\n"
            "Les ménages y sont désignés par leur référence de dossier et leurs initiales.\n\n"
            "— Logement accompagné Caen (Caen habitat · CCAS de Caen)"
        )


class MinutesRecipient(models.Model):
    """Who receives approved minutes besides the members (DDCS); edited in the admin."""

    name = models.CharField("nom", max_length=150)
    email = models.EmailField("adresse e-mail", unique=True)
    organisation = models.CharField("organisation", max_length=150, blank=True)
    active = models.BooleanField("actif", default=True)

    class Meta:
        verbose_name = "destinataire des comptes rendus"
        verbose_name_plural = "destinataires des comptes rendus"
        ordering = ["name"]

    def __str__(self):
        return f"{self.name} <{self.email}>"


def missing_services_of(meetings) -> dict:
    """`Meeting.missing_services` of many meetings ({meeting pk: [French service names]}), in
    one query: Caen habitat's letting service (letting officers), its contentieux (debt
    officers), the CCAS (its roles, or a member of a CCAS organisation); a comité needs none."""
    from accounts.enums import CCAS_ROLES, OrganisationKind
    from accounts.models import RoleAssignment

    rows = {meeting.pk: set() for meeting in meetings}
    for meeting, role, organisation in (
        RoleAssignment.objects.filter(user__meetings__in=list(rows))
        .values_list("user__meetings", "role", "user__organisation__kind")
        .order_by()
    ):
        rows[meeting].add((role, organisation))
    missing = {}
    for meeting in meetings:
        roles = {role for role, _ in rows[meeting.pk]}
        found = []
        if meeting.kind == MeetingKind.CELLULE:
            if Role.LETTING_OFFICER not in roles:
                found.append("un membre du service Location de Caen habitat")
            if Role.DEBT_OFFICER not in roles:
                found.append("un membre du service contentieux de Caen habitat")
            if not (roles & CCAS_ROLES) and OrganisationKind.CCAS not in {
                kind for _, kind in rows[meeting.pk]
            }:
                found.append("un membre du CCAS")
        missing[meeting.pk] = found
    return missing


def ddcs_recipients():
    emails = list(settings.DDCS_MINUTES_RECIPIENTS)
    emails += list(MinutesRecipient.objects.filter(active=True).values_list("email", flat=True))
    return list(dict.fromkeys(e.strip().lower() for e in emails if e.strip()))


class MinutesDelivery(models.Model):
    minutes = models.ForeignKey(Minutes, on_delete=models.CASCADE, related_name="deliveries")
    email = models.EmailField("destinataire")
    is_member = models.BooleanField("membre de la cellule", default=False)
    status = models.CharField("état", max_length=10, choices=DeliveryStatus.choices)
    error = models.CharField("erreur", max_length=250, blank=True)
    at = models.DateTimeField("le", default=timezone.now)

    class Meta:
        verbose_name = "envoi du compte rendu"
        verbose_name_plural = "envois des comptes rendus"
        ordering = ["at", "pk"]


class StandingMember(models.Model):
    """A standing member of the cellule: added to every meeting planned afterwards."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="standing_membership"
    )
    since = models.DateField("depuis le", default=timezone.localdate)

    class Meta:
        verbose_name = "membre permanent"
        verbose_name_plural = "membres permanents"
        ordering = ["user__last_name", "user__first_name"]

    def __str__(self):
        return str(self.user)
