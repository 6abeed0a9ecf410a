import uuid
from pathlib import PurePath

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, models, transaction
from django.utils import timezone

from accounts import policy
from caen_accompagnement.bulk import update_all
from caen_accompagnement.versioning import save_if_unchanged
from households import outbound, taxonomy
from households.enums import Owner, Public, Quartier, Status
from households.models import Household

from . import budget as budget_rules
from .enums import (
    AdminSituation,
    ArrearsTrigger,
    Assessment,
    DwellingType,
    EventKind,
    HousingStatus,
    LeftBecause,
    MaritalStatus,
    Neighbourhood,
    Severity,
    StepKind,
    Support,
)


class DiagnosticStatus(models.TextChoices):
    DRAFT = "draft", "Brouillon"
    SUBMITTED = "submitted", "Transmis à la cellule"
    REVIEWED = "reviewed", "Examiné par la cellule"


class Capacity(models.TextChoices):
    YES = "yes", "Oui"
    WITH_RESERVATIONS = "reserved", "Avec réserves"
    NO = "no", "Non"


class Intensity(models.TextChoices):
    LIGHT = "light", "Légère"
    MEDIUM = "medium", "Moyenne"
    STRONG = "strong", "Renforcée"


LEVEL_CHOICES = [(1, "Niveau 1"), (2, "Niveau 2"), (3, "Niveau 3")]
LEVEL_METHODS = {
    1: "Famille en structure d'hébergement collectif avec accompagnement social : échange avec "
    "les travailleurs sociaux de la structure ou l'agence Caen habitat, avec l'accord de la "
    "famille ; rencontre facultative.",
    2: "Rapport social présenté en CODESI : s'appuyer sur le rapport et rencontrer la famille.",
    3: "Aucune information sociale préalable : entretien approfondi avec la famille.",
}
MIN_DURATION, MAX_DURATION = 3, 12
# Who reads the synthesis, its motif included (docs/access.md): Caen habitat and the cellule.
SYNTHESIS_AUDIENCE = "synthèse lue par Caen habitat et la cellule"
DURATION_MESSAGE = "La durée proposée doit être comprise entre 3 et 12 mois."


def social_report_path(instance, filename):
    """Private path with a random name: the original name may carry the family's name."""
    suffix = PurePath(filename).suffix.lower()[:6]
    return f"diagnostics/rapports-codesi/{uuid.uuid4().hex}{suffix}"


# The five themes of the diagnostic (§2.1.2) and the field each one's gaps are shown next to.
THEME_LABELS = {
    "socio": "Éléments socio-professionnels",
    "budget": "Éléments budgétaires",
    "housing": "Parcours locatif",
    "dwelling": "Vie dans le logement",
    "follow_up": "Suivi social",
}
THEME_FIELDS = {key: f"{key}_observation" for key in THEME_LABELS}
# The related rows `submission_problems` reads.
SUBMISSION_READS = ("steps", "budget_lines", "debts", "housing_history")


class DiagnosticQuerySet(models.QuerySet):
    def visible_to(self, user, action="diagnostic.view_detail"):
        """The diagnostics `user` may `action` (the detail by default; the synthesis, the
        cellule's reading, with "diagnostic.view_synthesis")."""
        return self.filter(policy.household_q(user, action, prefix="household__"))

    def current(self):
        """The latest version of each household's diagnostic. NOT EXISTS rather than the
        reverse join's IS NULL: PostgreSQL plans it as an anti join with a true estimate (the
        LEFT JOIN … IS NULL was estimated at one row and nested-looped: 28 ms → 4 ms on the
        diagnostics list at 10,000 households)."""
        return self.filter(
            ~models.Exists(
                # IS NOT NULL: the index on `previous` (almost all NULL) answers the lookup.
                Diagnostic.objects.filter(previous__isnull=False, previous_id=models.OuterRef("pk"))
            )
        )

    def drafts(self):
        return self.filter(status=DiagnosticStatus.DRAFT)

    def transmitted(self):
        return self.exclude(status=DiagnosticStatus.DRAFT)

    def current_by_household(self, household_ids):
        """The household's current diagnostic — the one definition, used by the cellule, the
        housing matching, the contrat and convention, the accompaniment plan: its latest version
        sent to the cellule (a newer draft being reworked by the référent is not what they read),
        else its draft while none was sent. {household_id: diagnostic}, in one query (plus this
        QuerySet's prefetches); `.transmitted().current_by_household(…)` leaves drafts out."""
        found, drafts = {}, {}
        rows = self.filter(household_id__in=list(household_ids)).order_by(
            "household_id", "-number", "-created_at", "-pk"
        )
        for diagnostic in rows:
            target = drafts if diagnostic.status == DiagnosticStatus.DRAFT else found
            target.setdefault(diagnostic.household_id, diagnostic)
        return {**drafts, **found}

    def current_of(self, household):
        return self.current_by_household([household.pk]).get(household.pk)

    def with_budget(self):
        return self.select_related("household").prefetch_related(
            "budget_lines", "household__members"
        )


class Diagnostic(models.Model):
    household = models.ForeignKey(Household, on_delete=models.CASCADE, related_name="diagnostics")
    level = models.PositiveSmallIntegerField("niveau", choices=LEVEL_CHOICES)
    status = models.CharField(
        "état",
        max_length=20,
        choices=DiagnosticStatus.choices,
        default=DiagnosticStatus.DRAFT,
        db_index=True,
    )
    number = models.PositiveSmallIntegerField("version", default=1)
    previous = models.OneToOneField(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="superseded_by"
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True
    )
    created_at = models.DateTimeField("créé le", default=timezone.now)
    updated_at = models.DateTimeField("modifié le", auto_now=True)
    submitted_at = models.DateTimeField("transmis le", null=True, blank=True)
    reviewed_at = models.DateTimeField("examiné le", null=True, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="examiné par",
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )

    # --- method by level (§2.1.1) ----------------------------------------------------
    family_agreement_on = models.DateField(
        "accord de la famille pour l'échange d'informations recueilli le", null=True, blank=True
    )
    social_report = models.FileField(
        "rapport social CODESI", upload_to=social_report_path, blank=True, max_length=200
    )
    social_report_name = models.CharField("nom du fichier joint", max_length=200, blank=True)

    # --- theme 1: socio-professional -------------------------------------------------
    admin_situation = models.CharField(
        "situation administrative", max_length=20, choices=AdminSituation.choices, blank=True
    )
    residence_permit_valid_until = models.DateField(
        "titre de séjour valable jusqu'au", null=True, blank=True
    )
    marital_status = models.CharField(
        "situation matrimoniale", max_length=20, choices=MaritalStatus.choices, blank=True
    )
    # {person pk (str): households.enums.Employment code} for each adult of the household.
    adult_employment = models.JSONField("situation professionnelle des adultes", default=dict)
    wished_dwelling_type = models.CharField(
        "typologie souhaitée", max_length=10, choices=DwellingType.choices, blank=True
    )
    wished_quartier = models.CharField(
        "quartier souhaité par le ménage", max_length=30, choices=Quartier.choices, blank=True
    )
    wished_environment = models.CharField("environnement souhaité", max_length=250, blank=True)
    socio_observation = models.TextField("observation", max_length=1500, blank=True)

    # --- theme 2: budget (lines and debts are rows, see BudgetLine and Debt) ----------
    arrears_triggers = models.JSONField("fait(s) générateur(s) de l'impayé", default=list)
    budget_observation = models.TextField("observation", max_length=1500, blank=True)

    # --- theme 3: housing history (past addresses are rows, see HousingHistoryEntry) --
    eviction_count = models.PositiveSmallIntegerField(
        "nombre d'expulsions subies", null=True, blank=True
    )
    past_rent_debts = models.BooleanField("dettes locatives antérieures", null=True, blank=True)
    stabilisation_capacity = models.CharField(
        "capacité à se stabiliser dans un logement",
        max_length=10,
        choices=Assessment.choices,
        blank=True,
    )
    housing_observation = models.TextField("observation", max_length=1500, blank=True)

    # --- theme 4: life in the dwelling -------------------------------------------------
    upkeep = models.CharField(
        "entretien du logement", max_length=10, choices=Assessment.choices, blank=True
    )
    neighbourhood = models.CharField(
        "relations de voisinage", max_length=12, choices=Neighbourhood.choices, blank=True
    )
    adaptability = models.CharField(
        "capacité d'adaptation à un nouvel environnement",
        max_length=10,
        choices=Assessment.choices,
        blank=True,
    )
    dwelling_observation = models.TextField("observation", max_length=1500, blank=True)

    # --- theme 5: social follow-up -------------------------------------------------------
    current_supports = models.JSONField("accompagnements en cours", default=list)
    adhesion_capacity = models.CharField(
        "capacité d'adhésion au suivi proposé",
        max_length=10,
        choices=Assessment.choices,
        blank=True,
    )
    follow_up_observation = models.TextField("observation", max_length=1500, blank=True)
    # Themes the référent explicitly marked « rien à signaler » (keys of THEME_LABELS).
    nothing_to_report = models.JSONField("thèmes sans élément à signaler", default=list, blank=True)

    # --- conclusion and proposal (§2.1.2): what the cellule and the accompaniment build on.
    capacity = models.CharField(
        "capacité à intégrer le dispositif", max_length=10, choices=Capacity.choices, blank=True
    )
    capacity_reason = models.TextField("motif", blank=True)
    dwelling_type_sought = models.CharField(
        "typologie recherchée", max_length=10, choices=DwellingType.choices, blank=True
    )
    quartier_sought = models.CharField(
        "quartier recherché", max_length=30, choices=Quartier.choices, blank=True
    )
    proposed_axes = models.JSONField("axes d'accompagnement proposés", default=list, blank=True)
    intensity = models.CharField("intensité", max_length=10, choices=Intensity.choices, blank=True)
    proposed_duration_months = models.PositiveSmallIntegerField(
        "durée proposée (mois)", null=True, blank=True
    )
    # Optimistic lock for drafts edited by two people.
    version = models.PositiveIntegerField(default=1)

    objects = DiagnosticQuerySet.as_manager()

    class Meta:
        verbose_name = "diagnostic"
        ordering = ["-created_at", "-pk"]
        indexes = [
            # The diagnostics worklist: drafts oldest first, transmitted ones by their date.
            models.Index(fields=["status", "created_at", "id"], name="diagnostic_status_created"),
            models.Index(
                fields=["status", "submitted_at", "id"], name="diagnostic_status_submitted"
            ),
            # Its counts of drafts and transmitted ones per household scope, read from the index
            # alone (the rows are wide: answers, observations): 7 ms of sequential scan at
            # 10,000 households, 2 ms with it.
            models.Index(
                fields=["status", "household"], include=["id"], name="diagnostic_status_household"
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(proposed_duration_months__isnull=True)
                | models.Q(proposed_duration_months__gte=MIN_DURATION)
                & models.Q(proposed_duration_months__lte=MAX_DURATION),
                name="diagnostic_duration_3_to_12_months",
                violation_error_message=DURATION_MESSAGE,
            ),
        ]

    def __str__(self):
        return f"Diagnostic niveau {self.level} — {self.household.reference} (v{self.number})"

    def get_absolute_url(self):
        from django.urls import reverse

        return reverse("diagnostics:detail", args=[self.pk])

    # --- state -----------------------------------------------------------------------
    @property
    def is_draft(self):
        return self.status == DiagnosticStatus.DRAFT

    @property
    def is_current(self):
        try:
            self.superseded_by  # noqa: B018 - reverse one-to-one: raises when none
        except Diagnostic.DoesNotExist:
            return True
        return False

    @property
    def level_method(self):
        return LEVEL_METHODS[self.level]

    def checklist(self):
        """The level's steps as [(label, done, required)], in the order the worker does them."""
        steps = list(self.steps.all())
        kinds = {step.kind for step in steps}
        if self.level == 1:
            return [
                (
                    "Échange avec les travailleurs sociaux de la structure ou l'agence Caen habitat",
                    bool(kinds & {StepKind.STRUCTURE_CONTACT, StepKind.AGENCY_CONTACT}),
                    True,
                ),
                (
                    "Accord de la famille pour l'échange d'informations",
                    self.family_agreement_on is not None,
                    True,
                ),
                (
                    "Rencontre avec la famille (facultative)",
                    bool(kinds & {StepKind.FAMILY_MEETING, StepKind.INTERVIEW}),
                    False,
                ),
            ]
        if self.level == 2:
            return [
                ("Rapport social CODESI joint", bool(self.social_report), True),
                (
                    "Rencontre avec la famille",
                    bool(kinds & {StepKind.FAMILY_MEETING, StepKind.INTERVIEW}),
                    True,
                ),
            ]
        return [
            (
                "Au moins un entretien approfondi avec la famille",
                StepKind.INTERVIEW in kinds,
                True,
            )
        ]

    def themes_stated(self) -> dict[str, bool]:
        """Each of the five themes of §2.1.2: stated when something is filled in, or explicitly
        marked « rien à signaler »."""
        lines = list(self.budget_lines.all()) if self.pk else []
        debts = self.debts.exists() if self.pk else False
        history = self.housing_history.exists() if self.pk else False
        filled = {
            "socio": any(
                [
                    self.admin_situation,
                    self.marital_status,
                    any(self.adult_employment.values()),
                    self.wished_dwelling_type,
                    self.wished_quartier,
                    self.wished_environment.strip(),
                    self.socio_observation.strip(),
                ]
            ),
            "budget": bool(lines or debts or self.arrears_triggers)
            or bool(self.budget_observation.strip()),
            "housing": history
            or self.eviction_count is not None
            or self.past_rent_debts is not None
            or bool(self.stabilisation_capacity or self.housing_observation.strip()),
            "dwelling": bool(
                self.upkeep
                or self.neighbourhood
                or self.adaptability
                or self.dwelling_observation.strip()
            ),
            "follow_up": bool(
                self.current_supports
                or self.adhesion_capacity
                or self.follow_up_observation.strip()
            ),
        }
        marked = set(self.nothing_to_report or [])
        return {key: filled[key] or key in marked for key in THEME_LABELS}

    def completeness_problems(self) -> dict[str, list[str]]:
        """What §2.1.1–2.1.2 require of the content, by form field (next to its theme): each
        theme stated; the budget at levels 2 and 3; for an eviction-threat household, the
        cause(s) of the arrears and the debt."""
        problems = {}
        for key, stated in self.themes_stated().items():
            if not stated:
                problems.setdefault(THEME_FIELDS[key], []).append(
                    f"Thème « {THEME_LABELS[key]} » non renseigné : complétez-le ou cochez "
                    "« rien à signaler »."
                )
        if self.level in (2, 3):
            directions = {line.direction for line in self.budget_lines.all()} if self.pk else set()
            if {BudgetLine.RESOURCE, BudgetLine.CHARGE} - directions:
                problems.setdefault("budget_observation", []).append(
                    f"Budget manquant : un diagnostic de niveau {self.level} indique les "
                    "ressources et les charges mensuelles du ménage."
                )
        if self.household.public == Public.EVICTION_THREAT:
            if not self.arrears_triggers:
                problems.setdefault("arrears_triggers", []).append(
                    "Ménage menacé d'expulsion : indiquez le ou les faits générateurs de l'impayé."
                )
            if not (self.pk and self.debts.exists()):
                problems.setdefault("budget_observation", []).append(
                    "Ménage menacé d'expulsion : indiquez la dette (créancier et montant)."
                )
        return problems

    def submission_problems(self, known_names=None) -> dict[str, list[str]]:
        """Why the diagnostic cannot be submitted yet, by form field ("method" for the level's
        steps), in French; empty: it can. A batch passes the programme's name words
        (`known_names`, one query for all its texts)."""
        problems = {}
        steps = [
            f"Étape manquante : {label}."
            for label, done, required in self.checklist()
            if required and not done
        ]
        if steps:
            problems["method"] = steps
        for field, messages in self.completeness_problems().items():
            problems.setdefault(field, []).extend(messages)
        if not self.capacity:
            problems["capacity"] = [
                "Conclusion manquante : indiquez la capacité à intégrer le dispositif."
            ]
        elif self.capacity != Capacity.YES and not self.capacity_reason.strip():
            problems["capacity_reason"] = [
                "Conclusion incomplète : indiquez le motif de la réserve ou du refus."
            ]
        else:
            # A draft saved before the outbound check existed is not transmitted as it is.
            found = outbound.findings_of({"capacity_reason": self.capacity_reason}, known_names)
            if found:
                problems["capacity_reason"] = [
                    outbound.message(found["capacity_reason"], SYNTHESIS_AUDIENCE)
                ]
        if self.capacity and self.capacity != Capacity.NO:
            if not self.proposed_duration_months:
                problems["proposed_duration_months"] = [
                    "Proposition incomplète : indiquez la durée proposée (3 à 12 mois)."
                ]
            if not self.intensity:
                problems["intensity"] = [
                    "Proposition incomplète : indiquez l'intensité de l'accompagnement."
                ]
        return problems

    def missing_for_submission(self) -> list[str]:
        """French reasons why the diagnostic cannot be submitted yet (empty: it can)."""
        return [message for messages in self.submission_problems().values() for message in messages]

    def save_draft(self, expected_version, fields):
        """Save `fields` of a draft unless someone saved since `expected_version` (optimistic lock)."""
        if not self.is_draft:
            raise ValidationError("Ce diagnostic a été transmis : il n'est plus modifiable.")
        save_if_unchanged(self, expected_version, fields)

    @transaction.atomic
    def submit(self, *, by):
        locked = Diagnostic.objects.select_for_update().get(pk=self.pk)
        self.status = locked.status
        event = self.check_submit(by=by)
        self.save(update_fields=["status", "submitted_at", "updated_at"])
        household = self.household
        if household.can_move_to(Status.AWAITING_ADMISSION, Owner.SUBMISSION):
            household.move_to(Status.AWAITING_ADMISSION, **self.submission_move(event))
        event.save()
        return event

    def check_submit(self, *, by, at=None, known_names=None):
        """The rule of `submit`, applied in memory: a draft, complete by its level
        (`submission_problems`: the level's steps, the five themes, the budget at levels 2–3,
        the arrears cause and the debt for an eviction threat, the conclusion). The one rule
        code of `submit` and `submit_many`. Returns the unsaved event."""
        if self.status != DiagnosticStatus.DRAFT:
            raise ValidationError("Ce diagnostic a déjà été transmis.")
        problems = self.submission_problems(known_names)
        if problems:
            raise ValidationError(problems)
        now = at or timezone.now()
        self.status = DiagnosticStatus.SUBMITTED
        self.submitted_at = now
        return DiagnosticEvent(diagnostic=self, kind=EventKind.SUBMITTED, at=now, by=by)

    def submission_move(self, event):
        """The household's move to « en attente d'admission » in the name of the submission."""
        return {
            "by": event.by,
            "owner": Owner.SUBMISSION,
            "reason": f"Diagnostic v{self.number} transmis",
            "at": event.at,
        }

    @staticmethod
    @transaction.atomic
    def submit_many(items):
        """`submit` for a batch: `items` are (diagnostic, {by, at}); `at` dates the act (default
        now). The rule (`check_submit`) checked for every item before anything is written; then
        the households that can move to « en attente d'admission » move through `move_many` in
        the submission's name (same moment and author as the event)."""
        items = list(items)
        # What the rule reads of each diagnostic (steps, budget, debts, housing history): one
        # query each for the batch, not per diagnostic.
        models.prefetch_related_objects([d for d, _ in items], *SUBMISSION_READS)
        known = outbound.known_names_in(d.capacity_reason for d, _ in items)
        events = [diagnostic.check_submit(known_names=known, **spec) for diagnostic, spec in items]
        moves = [
            (
                event.diagnostic.household,
                Status.AWAITING_ADMISSION,
                event.diagnostic.submission_move(event),
            )
            for event in events
            if event.diagnostic.household.can_move_to(Status.AWAITING_ADMISSION, Owner.SUBMISSION)
        ]
        Household.move_many(moves)
        stamp = timezone.now()
        for diagnostic, _ in items:
            diagnostic.updated_at = stamp
        update_all(Diagnostic, [d for d, _ in items], ["status", "submitted_at", "updated_at"])
        return DiagnosticEvent.objects.bulk_create(events, batch_size=2000)

    @transaction.atomic
    def mark_reviewed(self, *, by, decision=""):
        """The cellule examined this diagnostic (called by the cellule, or by a CCAS manager)."""
        event = self.check_reviewed(by=by, decision=decision)
        self.save(update_fields=["status", "reviewed_at", "reviewed_by", "updated_at"])
        event.save()
        return event

    def check_reviewed(self, *, by, decision="", at=None):
        """The rule of `mark_reviewed`, applied in memory: the one rule code of `mark_reviewed`
        and `mark_reviewed_many`. Returns the unsaved event."""
        if self.status != DiagnosticStatus.SUBMITTED:
            raise ValidationError("Seul un diagnostic transmis peut être marqué comme examiné.")
        now = at or timezone.now()
        self.status = DiagnosticStatus.REVIEWED
        self.reviewed_at = now
        self.reviewed_by = by
        return DiagnosticEvent(
            diagnostic=self, kind=EventKind.REVIEWED, at=now, by=by, note=decision[:250]
        )

    @staticmethod
    @transaction.atomic
    def mark_reviewed_many(items):
        """`mark_reviewed` for a batch: `items` are (diagnostic, {by, decision, at}); `at` dates
        the act (default now). The rule checked for every item before anything is written."""
        items = list(items)
        events = [diagnostic.check_reviewed(**spec) for diagnostic, spec in items]
        stamp = timezone.now()
        for diagnostic, _ in items:
            diagnostic.updated_at = stamp
        update_all(
            Diagnostic,
            [d for d, _ in items],
            ["status", "reviewed_at", "reviewed_by", "updated_at"],
        )
        return DiagnosticEvent.objects.bulk_create(events, batch_size=2000)

    def check_reopen(self, *, by, at=None, superseded=None):
        """The rule of `reopen`, applied in memory (a transmitted version, the current one):
        the one rule code of `reopen` and `reopen_many`. `superseded`: does a newer version
        exist (None: asked here). Returns the new draft (unsaved), a copy of this version at the
        household's level, by `by`, created `at` (default now)."""
        if self.is_draft:
            raise ValidationError("Ce diagnostic est déjà un brouillon.")
        if not self.is_current if superseded is None else superseded:
            raise ValidationError("Une version plus récente de ce diagnostic existe déjà.")
        new = Diagnostic(
            **{
                f.attname: getattr(self, f.attname)
                for f in Diagnostic._meta.concrete_fields
                if f.attname not in ("id", "previous_id")
            }
        )
        new.previous = self
        new.number = self.number + 1
        new.status = DiagnosticStatus.DRAFT
        new.author = by
        new.created_at = at or timezone.now()
        new.submitted_at = new.reviewed_at = None
        new.reviewed_by = None
        new.version = 1
        new.level = self.household.diagnostic_level or self.level
        new.household = self.household  # the same file, as loaded by the caller
        return new

    def reopening_move(self, new):
        """The household's move back to « diagnostic en cours » in the name of the reopening."""
        return {
            "by": new.author,
            "owner": Owner.REOPENING,
            "reason": f"Diagnostic rouvert (version {new.number})",
            "at": new.created_at,
        }

    def reopening_events(self, new):
        """The reopened version's event and the new draft's (unsaved), at the reopening."""
        return [
            DiagnosticEvent(
                diagnostic=self,
                kind=EventKind.REOPENED,
                by=new.author,
                at=new.created_at,
                note=f"Version {new.number} créée",
            ),
            DiagnosticEvent(
                diagnostic=new,
                kind=EventKind.CREATED,
                by=new.author,
                at=new.created_at,
                note=f"Reprise de la version {self.number}",
            ),
        ]

    @transaction.atomic
    def reopen(self, *, by):
        """A new draft version copying this one; this one stays as it was, readable."""
        # The copy is of the stored version; two reopens at once: see below.
        stored = Diagnostic.objects.get(pk=self.pk)
        new = stored.check_reopen(by=by, superseded=not self.is_current)
        try:
            # Two reopens at once both pass the check above; the one-to-one on `previous` lets
            # only one insert through. A savepoint keeps the request's transaction usable.
            with transaction.atomic():
                new.save()
        except IntegrityError:
            raise ValidationError(
                "Ce diagnostic vient d'être rouvert par quelqu'un d'autre : "
                "la nouvelle version est déjà ouverte."
            ) from None
        copy_version_rows([new])
        household = new.household = self.household
        if household.can_move_to(Status.DIAGNOSTIC, Owner.REOPENING):
            household.move_to(Status.DIAGNOSTIC, **new.previous.reopening_move(new))
        DiagnosticEvent.objects.bulk_create(new.previous.reopening_events(new))
        return new

    @staticmethod
    @transaction.atomic
    def reopen_many(items):
        """`reopen` for a batch (the demo's « compléments demandés »): `items` are (diagnostic,
        {by, at}); `at` dates the act (default now). The rule (`check_reopen`) for every item
        before anything is written (a version reopened twice in the batch refused); then the
        households that can go back to « diagnostic en cours » move through `move_many` in the
        reopening's name (same moment and author), the new drafts are written with a copy of
        their version's rows and both events. A fixed number of queries. Returns the drafts."""
        items = list(items)
        superseded = set(
            Diagnostic.objects.filter(previous__in=[d.pk for d, _ in items]).values_list(
                "previous_id", flat=True
            )
        )
        news = []
        for diagnostic, spec in items:
            news.append(diagnostic.check_reopen(superseded=diagnostic.pk in superseded, **spec))
            superseded.add(diagnostic.pk)
        Household.move_many(
            (d.household, Status.DIAGNOSTIC, d.reopening_move(new))
            for (d, _), new in zip(items, news, strict=True)
            if d.household.can_move_to(Status.DIAGNOSTIC, Owner.REOPENING)
        )
        Diagnostic.objects.bulk_create(news, batch_size=1000)
        copy_version_rows(news)
        DiagnosticEvent.objects.bulk_create(
            [event for new in news for event in new.previous.reopening_events(new)],
            batch_size=2000,
        )
        return news

    def replace_lines(self, resources, charges):
        """The budget lines become exactly `resources` and `charges` ({kind: amount})."""
        self.budget_lines.all().delete()
        BudgetLine.objects.bulk_create(
            [
                BudgetLine(diagnostic=self, direction=direction, kind=kind, amount=amount)
                for direction, lines in (
                    (BudgetLine.RESOURCE, resources),
                    (BudgetLine.CHARGE, charges),
                )
                for kind, amount in lines.items()
            ]
        )

    def replace_obstacles(self, obstacles):
        """The obstacles become exactly `obstacles` ({taxonomy item: severity})."""
        self.obstacles.all().delete()
        Obstacle.objects.bulk_create(
            [Obstacle(diagnostic=self, item=item, severity=sev) for item, sev in obstacles.items()]
        )

    @transaction.atomic
    def attach_social_report(self, upload, *, by, suffix):
        if not self.is_draft:
            raise ValidationError("Ce diagnostic a été transmis : il n'est plus modifiable.")
        self.social_report_name = upload.name[:200]
        self.social_report.save(f"rapport{suffix}", upload, save=False)
        self.save(update_fields=["social_report", "social_report_name", "updated_at"])
        return self.events.create(kind=EventKind.REPORT_UPLOADED, by=by)

    # --- budget ----------------------------------------------------------------------
    def resource_amounts(self):
        return {
            line.kind: line.amount
            for line in self.budget_lines.all()
            if line.direction == BudgetLine.RESOURCE
        }

    def charge_amounts(self):
        return {
            line.kind: line.amount
            for line in self.budget_lines.all()
            if line.direction == BudgetLine.CHARGE
        }

    def member_ages(self):
        on = timezone.localdate(self.submitted_at) if self.submitted_at else timezone.localdate()
        return [person.age(on) for person in self.household.members.all()]

    def budget(self) -> budget_rules.BudgetResult:
        return budget_rules.compute_budget(
            self.resource_amounts(), self.charge_amounts(), self.member_ages()
        )

    def budget_after_rehousing(self, rent_and_charges, estimated_apl=0):
        return budget_rules.after_rehousing(self, rent_and_charges, estimated_apl)

    # --- what leaves the CCAS ----------------------------------------------------------
    def obstacle_categories(self):
        """[(category code, label, highest severity code, severity label)], taxonomy order."""
        highest = {}
        for obstacle in self.obstacles.all():
            category = taxonomy.category_of(obstacle.item)
            highest[category] = max(highest.get(category, ""), obstacle.severity)
        return [
            (code, label, highest[code], Severity(highest[code]).label)
            for code, label in taxonomy.CATEGORIES.items()
            if code in highest
        ]

    def synthesis(self) -> dict:
        """What the cellule and Caen habitat read: no notes, no health or addiction detail.

        Obstacles and axes are given by category only when they are special-category items
        (taxonomy.SPECIAL_CATEGORY_ITEMS); obstacles are always summarised by category.
        """
        result = self.budget()
        axes = []
        for code in self.proposed_axes:
            if code in taxonomy.SPECIAL_CATEGORY_ITEMS or code not in taxonomy.ITEMS:
                label = taxonomy.CATEGORIES.get(taxonomy.category_of(code), "")
            else:
                label = f"{taxonomy.category_label(code)} — {taxonomy.ITEMS[code]}"
            if label and label not in axes:
                axes.append(label)
        household = self.household
        return {
            "diagnostic_id": self.pk,
            "household_id": self.household_id,
            "reference": household.reference,
            "initials": household.initials,
            "level": self.level,
            "level_label": self.get_level_display(),
            "status": self.status,
            "status_label": self.get_status_display(),
            "number": self.number,
            "submitted_at": self.submitted_at,
            "obstacles": [
                {"category": code, "label": label, "severity": sev, "severity_label": sev_label}
                for code, label, sev, sev_label in self.obstacle_categories()
            ],
            "capacity": self.capacity,
            "capacity_label": self.get_capacity_display() if self.capacity else "",
            "capacity_reason": self.capacity_reason,
            "proposal": {
                "dwelling_type": self.dwelling_type_sought,
                "dwelling_type_label": self.get_dwelling_type_sought_display()
                if self.dwelling_type_sought
                else "",
                "quartier": self.quartier_sought,
                "quartier_label": self.get_quartier_sought_display()
                if self.quartier_sought
                else "",
                "axes": axes,
                "intensity": self.intensity,
                "intensity_label": self.get_intensity_display() if self.intensity else "",
                "duration_months": self.proposed_duration_months,
            },
            "budget": {
                "resources": result.resources,
                "charges": result.charges,
                "remaining_month": result.remaining_month,
                "remaining_day_per_unit": result.remaining_day_per_unit,
                "units": result.units,
                "housing_cost": result.housing_cost,
                "housing_allowance": result.housing_allowance,
                "effort_rate": result.effort_rate,
            },
        }


def copy_version_rows(news):
    """The rows of each new draft's previous version (steps, budget, debts, housing history,
    obstacles) copied to it: what `reopen` and `reopen_many` carry over. One query and one
    insert per table."""
    previous = {new.previous_id: new for new in news}
    for model in (DiagnosticStep, BudgetLine, Debt, HousingHistoryEntry, Obstacle):
        rows = list(model.objects.filter(diagnostic__in=list(previous)).order_by("pk"))
        for row in rows:
            row.pk = row.id = None
            row.diagnostic = previous[row.diagnostic_id]
        model.objects.bulk_create(rows, batch_size=2000)


def start_diagnostic(household, *, by):
    """Open the first (or next) draft diagnostic of `household`, at the level set for it."""
    if not household.diagnostic_level:
        raise ValidationError("Le niveau de diagnostic de ce ménage n'a pas encore été fixé.")
    current = household.diagnostics.current().first()
    if current is not None:
        if current.is_draft:
            return current
        return current.reopen(by=by)
    diagnostic = Diagnostic.objects.create(
        household=household, level=household.diagnostic_level, author=by
    )
    diagnostic.events.create(kind=EventKind.CREATED, by=by)
    return diagnostic


@transaction.atomic
def set_diagnostic_level(household, level, *, by, reason="", decision="", provisional=False):
    """The one function that sets a household's diagnostic level (§2.1.1) and updates its open
    draft. The cellule decides it (coordination.actions, `decision` names the cellule); between
    two cellules the CCAS manager may record a *provisional* level with a written reason, which
    the next cellule ratifies (coordination.actions.do_provisional_level puts it on its agenda).
    The household moves to « diagnostic en cours » when its status allows it."""
    move = check_level(
        household, level, by=by, reason=reason, decision=decision, provisional=provisional
    )
    household.save(update_fields=["diagnostic_level", "diagnostic_level_provisional", "updated_at"])
    household.diagnostics.drafts().update(level=level)
    if move:
        household.move_to(Status.DIAGNOSTIC, **move)


def check_level(household, level, *, by, reason="", decision="", provisional=False, at=None):
    """The rules of `set_diagnostic_level`, applied to the household in memory: the one rule
    code of `set_diagnostic_level` and `set_diagnostic_levels`. Returns the move to « diagnostic
    en cours » ({by, owner, reason, decision, at}) when the status allows it, else None."""
    if level not in (1, 2, 3):
        raise ValidationError({"level": "Choisissez le niveau 1, 2 ou 3."})
    reason = (reason or "").strip()
    if provisional and not reason:
        raise ValidationError(
            {"reason": "Écrivez le motif de ce niveau provisoire : la cellule le ratifiera."}
        )
    if household.status not in (Status.PRESELECTED, Status.AWAITING_LEVEL, Status.DIAGNOSTIC):
        raise ValidationError(
            f"Le niveau de diagnostic ne se fixe plus au statut « {household.get_status_display()} »."
        )
    household.diagnostic_level = level
    household.diagnostic_level_provisional = provisional
    if not household.can_move_to(Status.DIAGNOSTIC, Owner.LEVEL):
        return None
    label = "provisoire " if provisional else ""
    move = dict(
        by=by,
        owner=Owner.LEVEL,
        reason=reason or f"Diagnostic de niveau {level} décidé",
        decision=decision or f"Niveau {label}{level}",
    )
    return dict(move, at=at) if at else move


@transaction.atomic
def set_diagnostic_levels(items):
    """`set_diagnostic_level` for a batch: `items` are (household, {level, by, reason,
    decision, provisional, at}); `at` dates the move (default now). The rules (`check_level`)
    for every item before anything is written; the households moved through
    `Household.move_many` in the name of the level decision (its rules refuse before anything
    is written), their levels written, their open drafts updated (one query per level)."""
    items = list(items)
    moves = []
    for household, spec in items:
        move = check_level(household, **spec)
        if move:
            moves.append((household, Status.DIAGNOSTIC, move))
    Household.move_many(moves)
    # One UPDATE per (level, provisional) of the batch (bulk_update's CASE per row grows with
    # it), the open drafts one per level.
    groups = {}
    for household, _ in items:
        key = (household.diagnostic_level, household.diagnostic_level_provisional)
        groups.setdefault(key, []).append(household.pk)
    for (level, provisional), pks in groups.items():
        Household.objects.filter(pk__in=pks).update(
            diagnostic_level=level, diagnostic_level_provisional=provisional
        )
    for level in (1, 2, 3):
        pks = [
            pk for (group_level, _), group in groups.items() if group_level == level for pk in group
        ]
        if pks:
            Diagnostic.objects.drafts().filter(household__in=pks).update(level=level)


class DiagnosticStep(models.Model):
    """One contact, meeting or interview the diagnostic was built from."""

    diagnostic = models.ForeignKey(Diagnostic, on_delete=models.CASCADE, related_name="steps")
    kind = models.CharField("étape", max_length=20, choices=StepKind.choices)
    date = models.DateField("date")
    with_whom = models.CharField("avec qui", max_length=150, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True
    )

    class Meta:
        verbose_name = "étape du diagnostic"
        verbose_name_plural = "étapes du diagnostic"
        ordering = ["date", "pk"]

    def __str__(self):
        return f"{self.get_kind_display()} le {self.date:%d/%m/%Y}"


class BudgetLine(models.Model):
    RESOURCE, CHARGE = "resource", "charge"
    DIRECTIONS = [(RESOURCE, "Ressource"), (CHARGE, "Charge")]

    diagnostic = models.ForeignKey(
        Diagnostic, on_delete=models.CASCADE, related_name="budget_lines"
    )
    direction = models.CharField("sens", max_length=10, choices=DIRECTIONS)
    kind = models.CharField("nature", max_length=30)
    amount = models.DecimalField("montant mensuel (€)", max_digits=9, decimal_places=2)

    class Meta:
        verbose_name = "ligne de budget"
        verbose_name_plural = "lignes de budget"
        constraints = [
            models.UniqueConstraint(
                fields=["diagnostic", "direction", "kind"], name="unique_budget_line"
            ),
            models.CheckConstraint(
                condition=models.Q(amount__gte=0), name="budget_amount_positive"
            ),
        ]

    def __str__(self):
        return f"{self.label} : {self.amount} €"

    @property
    def label(self):
        kinds = (
            budget_rules.RESOURCE_KINDS
            if self.direction == self.RESOURCE
            else budget_rules.CHARGE_KINDS
        )
        return kinds.get(self.kind, self.kind)


class Debt(models.Model):
    diagnostic = models.ForeignKey(Diagnostic, on_delete=models.CASCADE, related_name="debts")
    creditor = models.CharField("créancier", max_length=150)
    amount = models.DecimalField("montant dû (€)", max_digits=10, decimal_places=2)
    monthly_repayment = models.DecimalField(
        "remboursement mensuel (€)", max_digits=9, decimal_places=2, default=0
    )
    repayment_plan = models.BooleanField("plan d'apurement", default=False)
    banque_de_france = models.BooleanField("dossier Banque de France", default=False)

    class Meta:
        verbose_name = "dette"
        ordering = ["pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(amount__gte=0, monthly_repayment__gte=0),
                name="debt_amounts_positive",
                violation_error_message="Les montants d'une dette ne peuvent pas être négatifs.",
            ),
        ]

    def __str__(self):
        return f"{self.creditor} : {self.amount} €"


class HousingHistoryEntry(models.Model):
    diagnostic = models.ForeignKey(
        Diagnostic, on_delete=models.CASCADE, related_name="housing_history"
    )
    period = models.CharField("période", max_length=40, help_text="Par exemple : 2019 – 2023")
    place = models.CharField("commune ou adresse", max_length=200)
    status = models.CharField("statut d'occupation", max_length=20, choices=HousingStatus.choices)
    left_because = models.CharField(
        "motif de départ", max_length=20, choices=LeftBecause.choices, blank=True
    )

    class Meta:
        verbose_name = "étape du parcours locatif"
        verbose_name_plural = "parcours locatif"
        ordering = ["pk"]

    def __str__(self):
        return f"{self.period} — {self.place}"


class Obstacle(models.Model):
    diagnostic = models.ForeignKey(Diagnostic, on_delete=models.CASCADE, related_name="obstacles")
    item = models.CharField("frein", max_length=40, choices=list(taxonomy.ITEMS.items()))
    severity = models.CharField("importance", max_length=1, choices=Severity.choices)

    class Meta:
        verbose_name = "frein"
        ordering = ["item"]
        constraints = [
            models.UniqueConstraint(fields=["diagnostic", "item"], name="unique_obstacle_item")
        ]

    def __str__(self):
        return f"{self.get_item_display()} ({self.get_severity_display()})"

    @property
    def category(self):
        return taxonomy.category_of(self.item)


class DiagnosticEvent(models.Model):
    """The diagnostic's history: started, submitted, reviewed, reopened, report attached."""

    diagnostic = models.ForeignKey(Diagnostic, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField("événement", max_length=20, choices=EventKind.choices)
    at = models.DateTimeField("date", default=timezone.now)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="par",
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
    )
    note = models.CharField("précision", max_length=250, blank=True)

    class Meta:
        verbose_name = "événement du diagnostic"
        verbose_name_plural = "historique du diagnostic"
        ordering = ["at", "pk"]


# Labels the forms and pages reuse.
ARREARS_TRIGGER_CHOICES = ArrearsTrigger.choices
SUPPORT_CHOICES = Support.choices
