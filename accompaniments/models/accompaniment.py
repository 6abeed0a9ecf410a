from datetime import date

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models import (
    Case,
    Count,
    F,
    Func,
    IntegerField,
    OuterRef,
    Q,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce, Greatest, Least, TruncDate
from django.utils import timezone

from accounts import policy
from accounts.enums import Role
from caen_accompagnement import statements
from caen_accompagnement.dates import AddMonths
from diagnostics.models import Intensity
from diagnostics.rhythms import rhythm_of, step_by_intensity
from households import taxonomy
from households.enums import Owner, Status
from households.models import Household
from housing.models import AgreementDocument

from .. import cadence as rhythm
from ..enums import (
    CLOSURE_AFTER_END_INTERVIEW,
    CONTACT_KINDS_REACHING,
    EARLY_CLOSURE_REASONS,
    EXIT_OF_CLOSURE,
    AccompanimentStatus,
    ClosureReason,
    ContactKind,
    EventKind,
    ExtensionStatus,
    InterviewKind,
    ObjectiveStatus,
    SignalKind,
)
from .closure import Survey
from .contact import AdhesionRecord, Contact

MIN_MONTHS, MAX_MONTHS = 3, 12


def month_start(day: date) -> date:
    return day.replace(day=1)


class NextSurveyRound(Func):
    """The first of the rounds 1 to `rounds` without a survey of the accompaniment whose pk is
    the expression, NULL once every round is done: `CASE WHEN NOT EXISTS (… round = 1) THEN 1
    WHEN … ELSE NULL END`, each round's test an index-only probe of (accompaniment, round).
    Written as SQL text rather than a `Case` of `Exists`, which Django built and compiled for
    each use (docs/performance.md). Used now to recompute and check the stored
    `next_survey_on` (`refresh_next_surveys`, `stale_next_surveys`)."""

    output_field = IntegerField()

    def __init__(self, pk, rounds, **extra):
        super().__init__(pk, **extra)
        self.rounds = rounds

    def as_sql(self, compiler, connection, **extra):
        quote = connection.ops.quote_name
        table = quote(Survey._meta.db_table)
        accompaniment = quote(Survey._meta.get_field("accompaniment").column)
        round_ = quote(Survey._meta.get_field("round").column)
        probe = (
            f"NOT EXISTS (SELECT 1 FROM {table} s WHERE s.{accompaniment} = %(expressions)s"
            f" AND s.{round_} = {{n}})"
        )
        whens = " ".join(f"WHEN {probe.format(n=n)} THEN {n}" for n in range(1, self.rounds + 1))
        template = f"CASE {whens} ELSE NULL END"
        return super().as_sql(compiler, connection, template=template, **extra)


class AccompanimentQuerySet(models.QuerySet):
    def visible_to(self, user, action="accompaniment.view"):
        return self.filter(policy.household_q(user, action, prefix="household__"))

    def active(self):
        return self.filter(status=AccompanimentStatus.ACTIVE)

    def closed(self):
        return self.filter(status=AccompanimentStatus.CLOSED)

    def last_closed_by_household(self, household_ids):
        """{household_id: its accompaniment closed last} (a household may have finished more
        than one), in one query plus this QuerySet's prefetches."""
        found = {}
        rows = self.closed().filter(household_id__in=list(household_ids))
        for acc in rows.order_by("household_id", "-closed_on", "-pk"):
            found.setdefault(acc.household_id, acc)
        return found

    def caseload_of(self, user):
        """What /mon-suivi/ lists: the user's own households, or the team's for a manager."""
        qs = self.active()
        if user.has_role(Role.CCAS_MANAGER):
            return qs
        return qs.followed_by(user)

    def followed_by(self, user):
        """Those of the households `user` is the référent or the substitute of: their ids read
        from the (referent, id) and (substitute, id) indexes alone, not by a join that scans the
        households' rows (docs/performance.md)."""
        households = Household.objects.values("pk")
        return self.filter(
            Q(household__in=households.filter(referent=user))
            | Q(household__in=households.filter(substitute=user))
        )

    def surveys_due(self, until=None):
        """The accompaniments owing a post-autonomy survey (by `until` when given), the soonest
        due first: closed (neither by a departure nor an adhesion break, which have no survey,
        like `survey_schedule`) of a household in post-autonomy. Read from the stored
        `next_survey_on` through its index, not computed for every closed accompaniment
        (docs/performance.md, « The next survey's date, stored »)."""
        qs = self.closed().filter(
            household__status=Status.POST_AUTONOMY, next_survey_on__isnull=False
        )
        if until is not None:
            qs = qs.filter(next_survey_on__lte=until)
        return qs.order_by("next_survey_on", "-start", "-pk")

    def refresh_next_surveys(self):
        """Recomputes the stored `next_survey_on` from the closures and the surveys done (one
        UPDATE): after surveys written in bulk (the demo), which `Survey.save` did not see."""
        return self.update(next_survey_on=_owed_survey_on_sql())

    def stale_next_surveys(self):
        """Those whose stored `next_survey_on` is not `next_survey`'s date: none, while every
        closure and survey goes through its owners (read by `check_pipeline`)."""
        never = Value(date.min)
        return self.alias(
            next_survey_stored=Coalesce("next_survey_on", never),
            next_survey_found=Coalesce(_owed_survey_on_sql(), never),
        ).exclude(next_survey_stored=F("next_survey_found"))

    def with_cadence(self):
        """The cadence's due dates (docs/cadence.md), computed by the database from each
        accompaniment's own row: its last visit and last contact are stored on it
        (`last_visit_on`, `last_contact_on`, kept by `Contact.save`), so no contact is read.

        `visit_due` and `call_due` are the dates `cadence.cadence` gives in Python: the rhythm
        of each intensity comes from `diagnostics.rhythms.RHYTHMS` as an SQL CASE, the last
        contacts' days are stored as dates in the current time zone (Europe/Paris), like
        `_local`, so the sort converts no time zone.
        `next_due` is the earlier of the two."""
        return self.annotate(
            visit_due=step_by_intensity(
                "intensity",
                lambda r: r.visit_step_sql(Coalesce("last_visit_on", "start")),
            ),
            call_due=step_by_intensity(
                "intensity",
                lambda r: r.call_step_sql(Coalesce("last_contact_on", "start")),
            ),
            next_due=Least("visit_due", "call_due"),
        )

    def refresh_last_contacts(self):
        """Recomputes the stored `last_visit_on` and `last_contact_on` from the contacts (one
        UPDATE): after contacts written in bulk (the demo), which `Contact.save` did not see."""
        return self.update(**_latest_contacts())

    def stale_last_contacts(self):
        """Those whose stored last visit or contact is not the latest of their contacts: none,
        while every contact is written through `Contact.save` (read by `check_pipeline`)."""
        never = Value(date.min)
        qs, stale = self, Q()
        for name, latest in _latest_contacts().items():
            qs = qs.alias(
                **{
                    f"{name}_stored": Coalesce(name, never),
                    f"{name}_found": Coalesce(latest, never),
                }
            )
            stale |= ~Q(**{f"{name}_stored": F(f"{name}_found")})
        return qs.filter(stale)

    def with_open_signals(self):
        """`open_signals`: the household's signals waiting for the référent's acknowledgement
        (adhesion loss needs none). A correlated count: on a sorted, LIMITed page PostgreSQL
        computes it for the page's rows only, after the sort."""
        return self.annotate(open_signals=_OpenSignals())

    def with_urgency(self, today):
        """`with_cadence` plus each accompaniment's `urgency` on `today` (cadence.OVERDUE,
        DUE_THIS_WEEK, UP_TO_DATE: `Cadence.urgency` in SQL), to sort and count by it."""
        return self.with_cadence().annotate(
            urgency=Case(
                When(next_due__lt=today, then=Value(rhythm.OVERDUE)),
                When(next_due__lte=today + rhythm.WEEK, then=Value(rhythm.DUE_THIS_WEEK)),
                default=Value(rhythm.UP_TO_DATE),
                output_field=models.IntegerField(),
            )
        )

    def by_urgency(self, today):
        """The most urgent first: `Cadence.sort_key` (urgency, next_due), then the default order
        (newest start). The urgency only steps up as `next_due` grows, so ordering by `next_due`
        alone is the same order, without the urgency's CASE in the ORDER BY."""
        return self.with_urgency(today).order_by("next_due", "-start", "-pk")

    def with_urgency_totals(self, today):
        """On each row of a `with_cadence` QuerySet, the figures of `urgency_counts(today)` over
        the whole QuerySet (window sums, before any LIMIT): `urgency_total`, `urgency_overdue`
        and `urgency_week`; a page of the caseload and its counts in one query. Counted on
        `next_due` as `Cadence.urgency` decides: before today, then up to a week ahead."""
        overdue = _CountOver(F("next_due"), Value(today), arg_joiner=" < ")
        return self.annotate(
            urgency_total=_CountOver(Value(1), Value(1)),
            urgency_overdue=overdue,
            urgency_week=_CountOver(F("next_due"), Value(today + rhythm.WEEK), arg_joiner=" <= ")
            - overdue,
        )

    def urgency_counts(self, today):
        """{"total", "overdue", "week", "up_to_date"} over the whole QuerySet, in one query."""
        counts = self.with_urgency(today).aggregate(
            total=Count("pk"),
            overdue=Count("pk", filter=Q(urgency=rhythm.OVERDUE)),
            week=Count("pk", filter=Q(urgency=rhythm.DUE_THIS_WEEK)),
        )
        counts["up_to_date"] = counts["total"] - counts["overdue"] - counts["week"]
        return counts


def _owed_survey_on_sql():
    """`next_survey`'s date as SQL: NULL unless closed otherwise than by an exit, then 6 months
    × the first round without a survey after the closure (NULL once every round is done)."""
    return Case(
        When(
            Q(closed_on__isnull=False) & ~Q(closure_reason__in=list(EXIT_OF_CLOSURE)),
            then=AddMonths(
                "closed_on", NextSurveyRound("pk", settings.POST_AUTONOMY_SURVEY_ROUNDS) * 6
            ),
        ),
        default=None,
        output_field=models.DateField(),
    )


def _latest_contacts():
    """{stored field: its value computed from the contacts}, as SQL subqueries: the day (in
    Europe/Paris, like `_local`) of the latest home visit, of the latest contact."""
    contacts = (
        Contact.objects.filter(accompaniment=OuterRef("pk"))
        .order_by("-at")
        .annotate(day=TruncDate("at"))
        .values("day")
    )
    return {
        "last_visit_on": Subquery(contacts.filter(kind=ContactKind.HOME_VISIT)[:1]),
        "last_contact_on": Subquery(contacts.filter(kind__in=CONTACT_KINDS_REACHING)[:1]),
    }


class _OpenSignals(Func):
    """The household's signals not acknowledged, an adhesion loss (which needs no
    acknowledgement) aside: `(SELECT COUNT(*) FROM signal s WHERE s.household_id = … AND
    s.acknowledged_at IS NULL AND s.kind <> 'adhesion_loss')`. SQL text rather than a
    `Subquery` of a grouped `Signal` QuerySet, which Django built and compiled on every
    /mon-suivi/ (0.6 ms; the same choice as `NextSurveyRound`, docs/performance.md)."""

    output_field = models.IntegerField()

    def __init__(self, **extra):
        super().__init__(F("household_id"), **extra)

    def as_sql(self, compiler, connection, **extra):
        from .signal import Signal

        household, params = compiler.compile(self.get_source_expressions()[0])
        quote = connection.ops.quote_name

        def column(name):
            return quote(Signal._meta.get_field(name).column)

        sql = (
            f"(SELECT COUNT(*) FROM {quote(Signal._meta.db_table)} s"
            f" WHERE s.{column('household')} = {household}"
            f" AND s.{column('acknowledged_at')} IS NULL AND s.{column('kind')} <> %s)"
        )
        return sql, [*params, SignalKind.ADHESION_LOSS]


class _CountOver(Func):
    """`SUM(CASE WHEN a = b THEN 1 ELSE 0 END) OVER ()`: how many rows of the whole result have
    a = b (or a < b, … with `arg_joiner=" < "`). A Func, not `Window(Count(filter=…))`:
    PostgreSQL refuses an aggregate in a FILTER clause, and Django a Sum over one (the
    caseload's sort read its last contacts as aggregates before they were stored)."""

    arity = 2
    template = "SUM(CASE WHEN %(expressions)s THEN 1 ELSE 0 END) OVER ()"
    arg_joiner = " = "
    contains_over_clause = True
    output_field = models.IntegerField()

    def get_group_by_cols(self):
        return []  # a window: computed after the grouping, never grouped by


class Accompaniment(models.Model):
    household = models.ForeignKey(
        Household, on_delete=models.PROTECT, related_name="accompaniments"
    )
    status = models.CharField(
        "état",
        max_length=20,
        choices=AccompanimentStatus.choices,
        default=AccompanimentStatus.ACTIVE,
        db_index=True,
    )
    start = models.DateField("début")
    planned_end = models.DateField("fin prévue")
    closed_on = models.DateField("clôturé le", null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True
    )
    diagnostic = models.ForeignKey(
        "diagnostics.Diagnostic",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="accompaniments",
    )
    intensity = models.CharField(
        "intensité", max_length=10, choices=Intensity.choices, default=Intensity.MEDIUM
    )
    gate_override_reason = models.TextField("motif du démarrage sans documents signés", blank=True)
    closure_reason = models.CharField(
        "motif de fin", max_length=20, choices=ClosureReason.choices, blank=True
    )
    closure_note = models.TextField("bilan de fin d'accompagnement", blank=True)
    closure_reason_detail = models.TextField("motif de fin précisé", blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    # The day (Europe/Paris) of its latest home visit and of its latest contact reaching the
    # household, stored for the cadence: /mon-suivi/ sorts and counts every accompaniment by
    # them without reading the contacts (docs/performance.md). Kept by `Contact.save` and
    # `Contact.delete`; `refresh_last_contacts` after a bulk write; checked by check_pipeline.
    last_visit_on = models.DateField("dernière visite à domicile", null=True, editable=False)
    last_contact_on = models.DateField(
        "dernier contact ayant joint le ménage", null=True, editable=False
    )
    # The due date of its next post-autonomy survey (`next_survey`), NULL when it owes none
    # (open, closed by an exit, every round done): /mon-suivi/'s panel and the surveys page
    # read the due ones through its index (docs/performance.md). Kept by `save`, `close_many`,
    # `Survey.save` and `Survey.delete`; `refresh_next_surveys` after a bulk write; checked by
    # check_pipeline.
    next_survey_on = models.DateField("prochaine enquête post-autonomie", null=True, editable=False)

    objects = AccompanimentQuerySet.as_manager()

    class Meta:
        verbose_name = "accompagnement"
        ordering = ["-start", "-pk"]
        indexes = [
            models.Index(
                fields=["next_survey_on"],
                condition=Q(next_survey_on__isnull=False),
                name="accompaniment_next_survey",
            )
        ]

    def save(self, *args, **kwargs):
        """Keeps `next_survey_on` whenever the accompaniment itself is saved (created or
        changed closed, as tests and the admin may); `close_many`, which writes in bulk, and
        `record_survey` keep it otherwise."""
        self.next_survey_on = self._owed_survey_on()
        if kwargs.get("update_fields") is not None:
            kwargs["update_fields"] = {*kwargs["update_fields"], "next_survey_on"}
        super().save(*args, **kwargs)

    def __str__(self):
        return f"Accompagnement {self.household.reference} du {self.start:%d/%m/%Y}"

    def get_absolute_url(self):
        from django.urls import reverse

        return reverse("accompaniments:detail", args=[self.pk])

    @property
    def is_active(self):
        return self.status == AccompanimentStatus.ACTIVE

    # --- duration rules (§2.2.2) ----------------------------------------------------------
    @staticmethod
    def check_duration(start, planned_end, *, allow_beyond=False):
        """3 to 12 months after the start; beyond 12 only through an approved extension."""
        if start is None or planned_end is None:
            return
        if planned_end <= start:
            raise ValidationError({"planned_end": "La fin prévue doit être postérieure au début."})
        if planned_end < rhythm.add_months(start, MIN_MONTHS):
            raise ValidationError(
                {"planned_end": "Un accompagnement dure au moins 3 mois après son début."}
            )
        if not allow_beyond and planned_end > rhythm.add_months(start, MAX_MONTHS):
            raise ValidationError(
                {
                    "planned_end": "Au-delà de 12 mois, demandez une prolongation justifiée "
                    "(accord de la direction ou décision de la cellule)."
                }
            )

    @property
    def max_regular_end(self):
        return rhythm.add_months(self.start, MAX_MONTHS)

    @property
    def is_extended(self):
        return self.planned_end > self.max_regular_end

    @classmethod
    def check_begin(
        cls,
        household,
        *,
        by,
        start,
        planned_end,
        intensity,
        objectives=(),
        diagnostic=None,
        override_reason="",
        at=None,
        signed,
        active,
    ):
        """The rules of starting an accompaniment (§2.3), for one household: the one rule code of
        `begin` and `begin_many`. `signed`: are both documents signed; `active`: has it an
        accompaniment under way (each loaded by the caller, one query for a batch). Returns the
        unsaved accompaniment, its objectives and its history row."""
        if household.status != Status.ADMITTED:
            raise ValidationError("Seul un ménage admis peut commencer un accompagnement.")
        if active:
            raise ValidationError("Ce ménage a déjà un accompagnement en cours.")
        override_reason = (override_reason or "").strip()
        if not signed:
            if not override_reason:
                raise ValidationError(
                    "La convention tripartite et le contrat d'accompagnement doivent être "
                    "signés avant de commencer (ou une dérogation motivée de la direction)."
                )
            if not by.has_role(Role.CCAS_MANAGER):
                raise ValidationError("Seule la direction du CCAS peut accorder une dérogation.")
        else:
            override_reason = ""
        if start > timezone.localdate():
            raise ValidationError({"start": "Le début ne peut pas être dans le futur."})
        cls.check_duration(start, planned_end)
        now = at or timezone.now()
        acc = cls(
            household=household,
            start=start,
            planned_end=planned_end,
            intensity=intensity,
            diagnostic=diagnostic,
            gate_override_reason=override_reason,
            created_by=by,
            created_at=now,
        )
        rows = [
            Objective(accompaniment=acc, axis=axis, description=text, position=i)
            for i, (axis, text) in enumerate(objectives)
        ]
        event = AccompanimentEvent(
            accompaniment=acc,
            kind=EventKind.STARTED,
            by=by,
            at=now,
            detail=f"Du {start:%d/%m/%Y} au {planned_end:%d/%m/%Y}"
            + (" (dérogation de la direction)" if override_reason else ""),
        )
        return acc, rows, event

    BEGIN_REASON = "Début de l'accompagnement"

    @classmethod
    @transaction.atomic
    def begin(
        cls,
        household,
        *,
        by,
        start,
        planned_end,
        intensity,
        objectives=(),
        diagnostic=None,
        override_reason="",
    ):
        """Start the accompaniment of an admitted household; it becomes « accompagné »."""
        return cls.begin_many(
            [
                (
                    household,
                    dict(
                        by=by,
                        start=start,
                        planned_end=planned_end,
                        intensity=intensity,
                        objectives=objectives,
                        diagnostic=diagnostic,
                        override_reason=override_reason,
                    ),
                )
            ]
        )[0]

    @classmethod
    @transaction.atomic
    def begin_many(cls, items):
        """`begin` for a batch: `items` are (household, {by, start, planned_end, intensity,
        objectives, diagnostic, override_reason, at}); `at` dates the act (a past act recorded
        after the fact, the demo's histories), default now. The rules of `begin`
        (`check_begin`) for every item before anything is written, the signed documents and
        the accompaniments under way in a fixed number of queries; then the households move to
        « accompagné » through `Household.move_many` in the name of the start (Owner.BEGIN).
        A refused item raises its ValidationError and nothing is written."""
        from housing.models import Rehousing, latest_by_kind, signed_for_lease

        items = list(items)
        pks = [household.pk for household, _ in items]
        active = set(
            cls.objects.active().filter(household__in=pks).values_list("household", flat=True)
        )
        documents, leases = {}, {}
        for document in AgreementDocument.objects.filter(household__in=pks).order_by("pk"):
            documents.setdefault(document.household_id, []).append(document)
        for lease in Rehousing.objects.filter(household__in=pks).order_by("lease_start", "pk"):
            leases[lease.household_id] = lease  # the latest wins
        accs, objectives, events, moves, seen = [], [], [], [], set()
        for household, spec in items:
            signed = signed_for_lease(
                latest_by_kind(documents.get(household.pk, [])), leases.get(household.pk)
            )
            acc, rows, event = cls.check_begin(
                household,
                signed=signed,
                active=household.pk in active or household.pk in seen,
                **spec,
            )
            seen.add(household.pk)
            accs.append(acc)
            objectives.extend(rows)
            events.append(event)
            moves.append(
                (
                    household,
                    Status.ACCOMPANIED,
                    dict(
                        by=spec["by"], owner=Owner.BEGIN, reason=cls.BEGIN_REASON, at=spec.get("at")
                    ),
                )
            )
        Household.move_many(moves)  # its rules refuse before anything is written
        cls.objects.bulk_create(accs, batch_size=2000)
        for row in objectives + events:
            row.accompaniment_id = row.accompaniment.pk
        Objective.objects.bulk_create(objectives, batch_size=2000)
        AccompanimentEvent.objects.bulk_create(events, batch_size=2000)
        return accs

    @transaction.atomic
    def change_plan(self, *, planned_end, intensity, by):
        self._require_active()
        self.check_duration(self.start, planned_end, allow_beyond=planned_end == self.planned_end)
        changes = []
        if planned_end != self.planned_end:
            changes.append(f"fin prévue {self.planned_end:%d/%m/%Y} → {planned_end:%d/%m/%Y}")
        if intensity != self.intensity:
            changes.append(
                f"intensité {self.get_intensity_display()} → {Intensity(intensity).label}"
            )
        self.planned_end, self.intensity = planned_end, intensity
        self.save(update_fields=["planned_end", "intensity"])
        if changes:
            self.events.create(kind=EventKind.PLAN_CHANGED, by=by, detail=" ; ".join(changes))

    @transaction.atomic
    def request_extension(self, *, until, justification, by, cellule_decision=""):
        """An extension past 12 months (§2.2.2): written reason, then a manager or the cellule."""
        self._require_active()
        if not (justification or "").strip():
            raise ValidationError({"justification": "Justifiez la prolongation par écrit."})
        if until <= self.planned_end:
            raise ValidationError(
                {"until": "La nouvelle fin doit être postérieure à la fin prévue actuelle."}
            )
        if self.extensions.filter(status=ExtensionStatus.PENDING).exists():
            raise ValidationError("Une demande de prolongation attend déjà une décision.")
        ext = self.extensions.create(
            until=until, justification=justification.strip(), requested_by=by
        )
        self.events.create(
            kind=EventKind.EXTENSION_REQUESTED, by=by, detail=f"Jusqu'au {until:%d/%m/%Y}"
        )
        if (cellule_decision or "").strip():
            ext.decide(approve=True, by=by, cellule_decision=cellule_decision.strip())
        return ext

    @transaction.atomic
    def change_referent(self, referent, *, by, reason):
        self._require_active()
        if not (reason or "").strip():
            raise ValidationError({"reason": "Indiquez le motif du changement de référent."})
        household = self.household
        before = household.referent
        household.assign_referent(referent, by=by, substitute=household.substitute, reason=reason)
        self.events.create(
            kind=EventKind.REFERENT_CHANGED,
            by=by,
            detail=f"{before or '—'} → {referent} : {reason.strip()}",
        )

    @transaction.atomic
    def set_adhesion(self, *, month, degree, by, note=""):
        month = month_start(month)
        if month < month_start(self.start) or month > month_start(timezone.localdate()):
            raise ValidationError(
                {"month": "Choisissez un mois de l'accompagnement, jusqu'au mois en cours."}
            )
        record, _ = AdhesionRecord.objects.update_or_create(
            accompaniment=self,
            month=month,
            defaults={"degree": degree, "recorded_by": by, "note": note},
        )
        return record

    def check_close(
        self, *, reason, on, by, note, bilans, reason_detail="", at=None, objectives, end_interview
    ):
        """The closure rules (§2.2.2, §2.2.3, §7) for this accompaniment: the one rule code of
        `close` and `close_many`. `objectives`: its objectives; `end_interview`: is its end
        interview recorded (loaded by the caller). Applies the closure in memory; returns the
        household's move (status, its spec) and the unsaved history row."""
        self._require_active()
        errors = {}
        reason_detail = (reason_detail or "").strip()
        if reason not in ClosureReason.values:
            errors["reason"] = "Choisissez le motif de fin."
        elif reason == ClosureReason.OTHER and not reason_detail:
            errors["reason_detail"] = "Écrivez le motif de cette fin d'accompagnement."
        if on > timezone.localdate():
            errors["closed_on"] = "La date de fin ne peut pas être dans le futur."
        elif on < self.start:
            errors["closed_on"] = "La date de fin ne peut pas précéder le début."
        elif (
            on < rhythm.add_months(self.start, MIN_MONTHS)
            and reason in ClosureReason.values
            and reason not in EARLY_CLOSURE_REASONS
        ):
            errors["reason"] = (
                "Un accompagnement dure au moins 3 mois (jusqu'au "
                f"{rhythm.add_months(self.start, MIN_MONTHS):%d/%m/%Y}) : avant, il ne se clôture "
                "que pour un départ, une perte d'adhésion ou un autre motif écrit."
            )
        if reason in CLOSURE_AFTER_END_INTERVIEW and "reason" not in errors:
            if not end_interview:
                errors["reason"] = (
                    "Une fin pour autonomie ou relogement suit l'entretien de fin "
                    "d'accompagnement et son rapport social (avec le ou la chargé(e) de gestion "
                    "locative) : enregistrez-le d'abord."
                )
        if any(not (bilans.get(o.pk, ("", ""))[1] or "").strip() for o in objectives):
            errors["__all__"] = "Rédigez le bilan de chaque objectif."
        if errors:
            raise ValidationError(errors)
        for objective in objectives:
            objective.status, objective.end_bilan = bilans[objective.pk]
        self.status = AccompanimentStatus.CLOSED
        self.closed_on, self.closure_reason, self.closure_note, self.closed_by = (
            on,
            reason,
            note,
            by,
        )
        self.closure_reason_detail = reason_detail
        label = ClosureReason(reason).label
        move = dict(by=by, owner=Owner.CLOSURE, reason=f"Fin d'accompagnement : {label}", at=at)
        if reason in EXIT_OF_CLOSURE:
            move = (Status.EXITED, {**move, "exit_reason": EXIT_OF_CLOSURE[reason]})
        else:
            move = (Status.POST_AUTONOMY, move)
        event = AccompanimentEvent(
            accompaniment=self, kind=EventKind.CLOSED, by=by, at=at or timezone.now(), detail=label
        )
        return move, event

    CLOSED_FIELDS = [
        "status",
        "closed_on",
        "closure_reason",
        "closure_note",
        "closure_reason_detail",
        "closed_by",
        "next_survey_on",
    ]

    @transaction.atomic
    def close(self, *, reason, on, by, note, bilans, reason_detail=""):
        """Close with an end bilan per objective (§2.2.3); the household moves on.

        Before 3 months (§2.2.2) only a departure, a loss of adhesion or « Autre » with its
        reason written; for autonomy or rehousing, once the end interview and its rapport
        social are recorded (§7)."""
        Accompaniment.close_many(
            [
                (
                    self,
                    dict(
                        reason=reason,
                        on=on,
                        by=by,
                        note=note,
                        bilans=bilans,
                        reason_detail=reason_detail,
                    ),
                )
            ]
        )

    @staticmethod
    @transaction.atomic
    def close_many(items):
        """`close` for a batch: `items` are (accompaniment, {reason, on, by, note, bilans,
        reason_detail, at}); `at` dates the act (default now). The rules of `close`
        (`check_close`) for every item before anything is written, objectives and end
        interviews in one query each; then the households move on (post-autonomy or exit)
        through `Household.move_many` in the name of the closure (Owner.CLOSURE). A refused
        item raises its ValidationError and nothing is written."""
        from .closure import Interview

        items = list(items)
        pks = [acc.pk for acc, _ in items]
        uncached = [acc for acc, _ in items if not Accompaniment.household.is_cached(acc)]
        households = Household.objects.in_bulk([acc.household_id for acc in uncached])
        for acc in uncached:
            acc.household = households[acc.household_id]
        objectives_of = {}
        for objective in Objective.objects.filter(accompaniment__in=pks).order_by("position", "pk"):
            objectives_of.setdefault(objective.accompaniment_id, []).append(objective)
        interviewed = set(
            Interview.objects.filter(accompaniment__in=pks, kind=InterviewKind.END).values_list(
                "accompaniment", flat=True
            )
        )
        moves, events = [], []
        for acc, spec in items:
            (status, move), event = acc.check_close(
                objectives=objectives_of.get(acc.pk, []),
                end_interview=acc.pk in interviewed,
                **spec,
            )
            acc.next_survey_on = acc._owed_survey_on({})  # a survey follows its closure
            moves.append((acc.household, status, move))
            events.append(event)
        Household.move_many(moves)  # its rules refuse before anything is written
        Accompaniment.objects.bulk_update(
            [acc for acc, _ in items], Accompaniment.CLOSED_FIELDS, batch_size=1000
        )
        Objective.objects.bulk_update(
            [o for rows in objectives_of.values() for o in rows],
            ["status", "end_bilan"],
            batch_size=1000,
        )
        AccompanimentEvent.objects.bulk_create(events, batch_size=2000)

    def end_bilan(self) -> dict:
        """What the cellule reads of a finished accompaniment (§3.2.2, pre-read pack): its
        dates, its closure reason and how far each objective was reached, in the synthesis
        form — an objective's axis is named by its category when it is a health or addiction
        item, and no free text (bilans, notes) leaves the CCAS."""
        objectives = []
        for objective in self.objectives.all():
            if objective.axis in taxonomy.SPECIAL_CATEGORY_ITEMS:
                axis = taxonomy.CATEGORIES.get(taxonomy.category_of(objective.axis), "")
            else:
                axis = (
                    f"{taxonomy.category_label(objective.axis)} — "
                    f"{taxonomy.ITEMS.get(objective.axis, '')}"
                )
            objectives.append({"axis": axis, "status": objective.get_status_display()})
        reached = sum(1 for o in self.objectives.all() if o.status == ObjectiveStatus.REACHED)
        return {
            "start": self.start,
            "closed_on": self.closed_on,
            "closure_reason": self.get_closure_reason_display(),
            "intensity": self.get_intensity_display(),
            "objectives": objectives,
            "reached": reached,
        }

    def _require_active(self):
        if not self.is_active:
            raise ValidationError("Cet accompagnement est clôturé.")

    # --- cadence ----------------------------------------------------------------------
    @property
    def rhythm(self):
        """The visits and calls promised at this intensity (the one table, diagnostics.rhythms)."""
        return rhythm_of(self.intensity)

    def cadence(self, today=None):
        """Reads the `with_cadence` annotations when present (the due dates the database
        computed, tested equal to the Python rule), else computes them from the stored last
        visit and last contact (no query)."""
        today = today or timezone.localdate()
        if getattr(self, "visit_due", None) is not None:  # annotated: the database's dates
            return rhythm.Cadence(self.visit_due, self.call_due, today)
        return rhythm.cadence(
            self.start, self.last_visit_on, self.last_contact_on, today, self.rhythm
        )

    def record_contact(self, contact, *, added):
        """Keeps `last_visit_on` and `last_contact_on` once `contact` is saved (`added`: a new
        one) or deleted: the one place, called by `Contact.save` and `Contact.delete`. A new
        contact can only move them later: GREATEST in SQL, so that two contacts saved at once
        both count; a changed or deleted one may move them back: recomputed from the contacts."""
        this = Accompaniment.objects.filter(pk=self.pk)
        if not added:
            this.refresh_last_contacts()
        elif contact.kind in CONTACT_KINDS_REACHING:  # a failed attempt changes neither
            day = Value(_local(contact.at))
            # Coalesce: PostgreSQL's GREATEST skips a NULL, SQLite's MAX returns it.
            this.update(
                last_contact_on=Greatest(Coalesce("last_contact_on", day), day),
                last_visit_on=Greatest(Coalesce("last_visit_on", day), day)
                if contact.kind == ContactKind.HOME_VISIT
                else F("last_visit_on"),
            )
        else:
            return
        self.refresh_from_db(fields=["last_visit_on", "last_contact_on"])

    def read_contacts(self):
        """The (kind, at) of the contacts that reach the household, in one query (its SQL built
        once per accompaniment: caen_accompagnement/statements.py): give them to `compliance`
        (the household file's panel, with `cadence`, which reads none)."""
        rows = statements.rows(
            ("contacts-reaching", self.pk),
            lambda: Contact.objects.filter(
                accompaniment_id=self.pk, kind__in=CONTACT_KINDS_REACHING
            ).values("kind", "at"),
        )
        return [(row["kind"], row["at"]) for row in rows]

    def compliance(self, today=None, rows=None):
        # docs/cadence.md: to today, or to the closing date (not the planned end: an
        # accompaniment still open past it still owes its visits and calls).
        end = self.closed_on or today or timezone.localdate()
        if rows is None:  # `read_contacts`'s rows when the caller already read them
            rows = self.read_contacts()
        visits = [_local(at) for kind, at in rows if kind == ContactKind.HOME_VISIT]
        contacts = [_local(at) for _, at in rows]
        return rhythm.compliance(self.start, end, visits, contacts, self.rhythm)

    # --- post-autonomy survey (§7) ----------------------------------------------------
    def survey_schedule(self, done=None):
        """[(round, due_on, survey or None)]: 6 months after closure, then every 6 months.
        `done`: {round: survey} when the caller read them."""
        if not self.closed_on or self.closure_reason in EXIT_OF_CLOSURE:
            return []
        if done is None:
            done = {s.round: s for s in self.surveys.all()}
        return [
            (n, rhythm.add_months(self.closed_on, 6 * n), done.get(n))
            for n in range(1, settings.POST_AUTONOMY_SURVEY_ROUNDS + 1)
        ]

    def _surveys_done(self):
        return {s.round: s for s in Survey.objects.filter(accompaniment=self)}

    def _owed_survey_on(self, done=None):
        """`next_survey`'s date, or None. `done`: its surveys {round: survey}, read afresh when
        not given (only for an accompaniment that may owe one)."""
        if not self.closed_on or self.closure_reason in EXIT_OF_CLOSURE:
            return None
        if done is None:
            done = self._surveys_done() if self.pk else {}
        return next((due for _n, due, survey in self.survey_schedule(done) if not survey), None)

    def record_survey(self):
        """Keeps `next_survey_on` once one of its surveys is saved or deleted: the one place,
        called by `Survey.save` and `Survey.delete`."""
        self.next_survey_on = self._owed_survey_on()
        Accompaniment.objects.filter(pk=self.pk).update(next_survey_on=self.next_survey_on)

    @property
    def next_survey_round(self):
        """The round `next_survey_on` is the due date of (None when none is owed)."""
        if self.next_survey_on is None or self.closed_on is None:
            return None
        rounds = range(1, settings.POST_AUTONOMY_SURVEY_ROUNDS + 1)
        return next(
            (n for n in rounds if rhythm.add_months(self.closed_on, 6 * n) == self.next_survey_on),
            None,
        )

    def next_survey(self):
        for n, due, survey in self.survey_schedule():
            if survey is None:
                return n, due
        return None


def _local(value):
    return timezone.localdate(value) if value is not None else None


class AccompanimentEvent(models.Model):
    """The history of an accompaniment: every state change writes one row."""

    accompaniment = models.ForeignKey(
        Accompaniment, on_delete=models.CASCADE, related_name="events"
    )
    kind = models.CharField("événement", max_length=30, choices=EventKind.choices)
    at = models.DateTimeField("date", default=timezone.now)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True
    )
    detail = models.CharField("détail", max_length=300, blank=True)

    class Meta:
        verbose_name = "historique de l'accompagnement"
        ordering = ["at", "pk"]


class Objective(models.Model):
    accompaniment = models.ForeignKey(
        Accompaniment, on_delete=models.CASCADE, related_name="objectives"
    )
    axis = models.CharField("axe", max_length=40, choices=list(taxonomy.ITEMS.items()))
    description = models.CharField("objectif", max_length=300)
    status = models.CharField(
        "état", max_length=20, choices=ObjectiveStatus.choices, default=ObjectiveStatus.PLANNED
    )
    progress_notes = models.TextField("notes de progression", blank=True)
    end_bilan = models.TextField("bilan de fin", blank=True)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        verbose_name = "objectif"
        ordering = ["position", "pk"]

    def __str__(self):
        return f"{self.get_axis_display()} — {self.description}"


class Extension(models.Model):
    accompaniment = models.ForeignKey(
        Accompaniment, on_delete=models.CASCADE, related_name="extensions"
    )
    until = models.DateField("nouvelle fin prévue")
    justification = models.TextField("justification")
    status = models.CharField(
        "décision", max_length=10, choices=ExtensionStatus.choices, default=ExtensionStatus.PENDING
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True
    )
    requested_at = models.DateTimeField("demandée le", default=timezone.now)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    decided_at = models.DateTimeField("décidée le", null=True, blank=True)
    cellule_decision = models.CharField("décision de la cellule", max_length=200, blank=True)
    decision_note = models.TextField("motif de la décision", blank=True)

    class Meta:
        verbose_name = "prolongation"
        ordering = ["-requested_at", "-pk"]

    @transaction.atomic
    def decide(self, *, approve, by, cellule_decision="", note=""):
        """A manager (or a recorded cellule decision) approves or refuses the extension."""
        if self.status != ExtensionStatus.PENDING:
            raise ValidationError("Cette demande a déjà été décidée.")
        if not cellule_decision and not by.has_role(Role.CCAS_MANAGER):
            raise ValidationError(
                "Une prolongation est accordée par la direction ou par la cellule."
            )
        if not approve and not (note or "").strip():
            raise ValidationError({"note": "Motivez le refus."})
        if approve and not self.accompaniment.is_active:
            raise ValidationError(
                "Cet accompagnement est clôturé : la prolongation est sans objet."
            )
        self.status = ExtensionStatus.APPROVED if approve else ExtensionStatus.REFUSED
        self.decided_by, self.decided_at = by, timezone.now()
        self.cellule_decision, self.decision_note = cellule_decision, note
        self.save()
        acc = self.accompaniment
        if approve:
            acc.planned_end = self.until
            acc.save(update_fields=["planned_end"])
        source = f"cellule : {cellule_decision}" if cellule_decision else "direction"
        acc.events.create(
            kind=EventKind.EXTENSION_APPROVED if approve else EventKind.EXTENSION_REFUSED,
            by=by,
            detail=f"Jusqu'au {self.until:%d/%m/%Y} ({source})",
        )
