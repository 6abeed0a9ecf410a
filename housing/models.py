"""Caen habitat's stock, proposals to admitted households, rehousings and the two agreements.

State changes are explicit methods (`Dwelling.propose_to`, `DwellingProposal.accept/refuse`,
`Rehousing.record`, `Rehousing.record_glide`, `AgreementDocument.generate/mark_signed`), each
atomic, each leaving its trace on the row it changes (who, when) in the same transaction.
"""

import uuid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.db import models, transaction
from django.db.models import Exists, Max, OuterRef
from django.template.defaultfilters import pluralize
from django.utils import timezone

from accounts import policy
from caen_accompagnement.dates import add_months
from households.enums import Public, Quartier, Status
from households.models import Household

from .matching import size_fits

# Households a dwelling may be proposed to / a rehousing recorded for: admitted, or already
# accompanied (a household staying in place may later move to cheaper housing,
# docs/domain.md §1.2).
REHOUSABLE_STATUSES = frozenset({Status.ADMITTED, Status.ACCOMPANIED})

GLIDE_MIN_MONTHS, GLIDE_MAX_MONTHS = 3, 12  # bail glissant (docs/domain.md §3.2)
SUBLET_MAX_YEARS = 3  # sous-location (docs/domain.md §3.2)


class Typology(models.TextChoices):
    T1 = "T1", "T1"
    T2 = "T2", "T2"
    T3 = "T3", "T3"
    T4 = "T4", "T4"
    T5 = "T5", "T5"


class Solution(models.TextChoices):
    DIRECT = "direct", "Accès direct"
    SLIDING_LEASE = "sliding", "Bail glissant"
    SUBLET = "sublet", "Sous-location"
    SOCIAL_RESIDENCE = "residence", "Résidence sociale"


class DwellingQuerySet(models.QuerySet):
    def with_open_proposal(self):
        open_proposals = DwellingProposal.objects.filter(
            dwelling=OuterRef("pk"), status__in=OPEN_PROPOSALS
        )
        return self.annotate(has_open_proposal=Exists(open_proposals))

    def available(self):
        """Not let, and not reserved by a pending or accepted proposal."""
        return (
            self.with_open_proposal()
            .filter(is_let=False, has_open_proposal=False)
            .exclude(available_from__isnull=True)
        )


class Dwelling(models.Model):
    reference = models.CharField("référence", max_length=30, unique=True)
    address = models.CharField("adresse", max_length=250)
    quartier = models.CharField("quartier", max_length=30, choices=Quartier.choices)
    typology = models.CharField("typologie", max_length=2, choices=Typology.choices)
    is_collective = models.BooleanField("logement collectif", default=True)
    floor = models.SmallIntegerField("étage", default=0)
    has_lift = models.BooleanField("ascenseur", default=False)
    rent = models.DecimalField("loyer (€)", max_digits=8, decimal_places=2)
    charges = models.DecimalField("charges (€)", max_digits=8, decimal_places=2, default=0)
    available_from = models.DateField("disponible le", null=True, blank=True)
    landlord = models.CharField("bailleur", max_length=100, default="Caen habitat")
    is_let = models.BooleanField("loué", default=False, db_index=True)
    updated_at = models.DateTimeField("modifié le", default=timezone.now)

    objects = DwellingQuerySet.as_manager()

    class Meta:
        verbose_name = "logement"
        ordering = ["reference"]
        indexes = [models.Index(fields=["quartier", "typology"])]

    def __str__(self):
        return f"{self.reference} — {self.typology} {self.get_quartier_display()}"

    @property
    def rooms(self) -> int:
        return int(self.typology[1:])

    @property
    def total_cost(self):
        return self.rent + self.charges

    @property
    def is_other_landlord(self) -> bool:
        return self.landlord.strip().lower() != "caen habitat"

    def proposable_error(self, household=None):
        """Why this dwelling cannot be proposed now (to `household`), in French, or None.
        The same rules as the matching list (`available()`, `matching.size_fits`), so that a
        POST that bypasses the list is refused too."""
        if self.is_let:
            return "Ce logement est déjà loué : il ne peut pas être proposé."
        if self.available_from is None:
            return (
                "Ce logement n'a pas de date de disponibilité : il ne peut pas encore être proposé."
            )
        others = self.proposals.filter(status__in=OPEN_PROPOSALS)
        if household is not None:
            if others.filter(household=household).exists():
                return "Ce logement est déjà proposé à ce ménage."
        if others.exists():
            return "Ce logement est déjà réservé par une autre proposition en cours."
        if household is not None and not size_fits(self.rooms, household.size):
            persons = household.size
            fitting = [t for t in Typology.values if size_fits(int(t[1:]), persons)]
            sizes = f"{fitting[0]} à {fitting[-1]}" if len(fitting) > 1 else fitting[0]
            return (
                f"Ce logement {self.typology} ne convient pas à la taille du ménage "
                f"({persons} personne{pluralize(persons)}) : il lui faut un {sizes}."
            )
        return None

    @transaction.atomic
    def propose_to(self, household, *, by, figures=None):
        locked = Dwelling.objects.select_for_update().get(pk=self.pk)
        if household.status not in REHOUSABLE_STATUSES:
            raise ValidationError(
                "Seul un ménage admis dans le dispositif peut recevoir une proposition."
            )
        error = locked.proposable_error(household)
        if error:
            raise ValidationError(error)
        return DwellingProposal.objects.create(
            household=household,
            dwelling=locked,
            proposed_by=by,
            figures=figures or {},
        )


class ProposalStatus(models.TextChoices):
    PENDING = "pending", "En attente de réponse"
    ACCEPTED = "accepted", "Acceptée"
    REFUSED = "refused", "Refusée"


# The statuses that keep the dwelling reserved.
OPEN_PROPOSALS = frozenset({ProposalStatus.PENDING, ProposalStatus.ACCEPTED})


class ProposalQuerySet(models.QuerySet):
    def visible_to(self, user, action="housing.view"):
        return self.filter(policy.household_q(user, action, prefix="household__"))


class DwellingProposal(models.Model):
    household = models.ForeignKey(
        Household, on_delete=models.PROTECT, related_name="dwelling_proposals"
    )
    dwelling = models.ForeignKey(Dwelling, on_delete=models.PROTECT, related_name="proposals")
    status = models.CharField(
        "réponse", max_length=20, choices=ProposalStatus.choices, default=ProposalStatus.PENDING
    )
    proposed_at = models.DateTimeField("proposé le", default=timezone.now)
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True
    )
    # Matching figures at the time of the proposal (rent, APL estimate, effort rate…).
    figures = models.JSONField("chiffres au moment de la proposition", default=dict, blank=True)
    decided_at = models.DateTimeField("réponse le", null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    refusal_reason = models.TextField("motif du refus", blank=True)

    objects = ProposalQuerySet.as_manager()

    class Meta:
        verbose_name = "proposition de logement"
        verbose_name_plural = "propositions de logement"
        ordering = ["-proposed_at", "-pk"]

    def __str__(self):
        return f"Proposition {self.dwelling.reference} à {self.household.reference}"

    def _check_pending(self):
        if self.status != ProposalStatus.PENDING:
            raise ValidationError("La réponse du ménage à cette proposition est déjà enregistrée.")

    @transaction.atomic
    def accept(self, *, by):
        self._check_pending()
        self.status = ProposalStatus.ACCEPTED
        self.decided_at = timezone.now()
        self.decided_by = by
        self.save(update_fields=["status", "decided_at", "decided_by"])

    @transaction.atomic
    def refuse(self, *, by, reason):
        self._check_pending()
        if not (reason or "").strip():
            raise ValidationError({"refusal_reason": "Indiquez le motif du refus du ménage."})
        self.status = ProposalStatus.REFUSED
        self.decided_at = timezone.now()
        self.decided_by = by
        self.refusal_reason = reason.strip()
        self.save(update_fields=["status", "decided_at", "decided_by", "refusal_reason"])


class HousingWish(models.Model):
    """What the household wishes beyond the diagnostic's proposal: quartiers, floor, lift."""

    household = models.OneToOneField(
        Household, on_delete=models.CASCADE, related_name="housing_wish"
    )
    quartiers = models.JSONField("quartiers souhaités", default=list, blank=True)
    max_floor = models.SmallIntegerField("étage maximum sans ascenseur", null=True, blank=True)
    needs_lift = models.BooleanField("rez-de-chaussée ou ascenseur indispensable", default=False)
    updated_at = models.DateTimeField("modifié le", default=timezone.now)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True
    )

    class Meta:
        verbose_name = "souhaits de logement"
        verbose_name_plural = "souhaits de logement"


class RehousingQuerySet(models.QuerySet):
    def visible_to(self, user, action="housing.view"):
        return self.filter(policy.household_q(user, action, prefix="household__"))

    def glides_to_come(self):
        return self.filter(solution=Solution.SLIDING_LEASE, glided_on__isnull=True).order_by(
            "planned_glide_date", "pk"
        )


class Rehousing(models.Model):
    household = models.ForeignKey(Household, on_delete=models.PROTECT, related_name="rehousings")
    solution = models.CharField("solution", max_length=20, choices=Solution.choices)
    dwelling = models.ForeignKey(
        Dwelling, on_delete=models.PROTECT, null=True, blank=True, related_name="rehousings"
    )
    structure_name = models.CharField("structure (résidence sociale)", max_length=200, blank=True)
    lease_start = models.DateField("début du bail")
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True
    )
    proposal = models.OneToOneField(
        DwellingProposal,
        verbose_name="proposition acceptée",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="rehousing",
    )
    lease_reference = models.CharField("référence du bail", max_length=40, blank=True)
    planned_glide_date = models.DateField("glissement prévu le", null=True, blank=True)
    glided_on = models.DateField("bail glissé le", null=True, blank=True)
    glide_recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    planned_end = models.DateField("fin de la sous-location", null=True, blank=True)
    exceptional_reason = models.TextField("motif exceptionnel (sous-location)", blank=True)

    objects = RehousingQuerySet.as_manager()

    class Meta:
        verbose_name = "relogement"
        ordering = ["-lease_start", "-pk"]
        indexes = [
            # The letting board's and the reminders' glides to come (`glides_to_come`): a few
            # dozen rows of thousands of rehousings, read by their planned date.
            models.Index(
                fields=["planned_glide_date", "id"],
                name="rehousing_glide_to_come",
                condition=models.Q(solution=Solution.SLIDING_LEASE, glided_on__isnull=True),
            ),
        ]

    def __str__(self):
        where = self.dwelling.reference if self.dwelling_id else self.structure_name
        return f"{self.get_solution_display()} — {where} ({self.lease_start:%d/%m/%Y})"

    @property
    def place_label(self) -> str:
        if self.dwelling_id:
            d = self.dwelling
            return f"{d.reference}, {d.address} ({d.typology}, {d.get_quartier_display()})"
        return self.structure_name

    def rule_errors(self) -> dict:
        """The rules of docs/domain.md §3.2 for this solution, as {field: French message}."""
        return {**self._place_errors(), **self._glide_errors(), **self._sublet_errors()}

    def _place_errors(self) -> dict:
        """A social residence names its structure; every other solution lets a dwelling."""
        errors = {}
        if self.solution == Solution.SOCIAL_RESIDENCE:
            if not self.structure_name.strip():
                errors["structure_name"] = "Indiquez la résidence sociale qui accueille le ménage."
            if self.dwelling_id:
                errors["dwelling"] = (
                    "Une résidence sociale n'occupe pas un logement du parc : laissez le logement vide."
                )
        elif not self.dwelling_id:
            errors["dwelling"] = "Choisissez le logement attribué."
        return errors

    def _glide_errors(self) -> dict:
        """A sliding lease glides 3 to 12 months after the lease starts; no other solution glides."""
        start = self.lease_start
        if self.solution != Solution.SLIDING_LEASE:
            if self.planned_glide_date:
                return {
                    "planned_glide_date": "Une date de glissement ne concerne que le bail glissant."
                }
            return {}
        if not self.planned_glide_date:
            return {"planned_glide_date": "Indiquez la date prévue du glissement du bail."}
        if not start:
            return {}
        earliest, latest = add_months(start, GLIDE_MIN_MONTHS), add_months(start, GLIDE_MAX_MONTHS)
        if not earliest <= self.planned_glide_date <= latest:
            return {
                "planned_glide_date": (
                    "Le glissement du bail doit intervenir entre 3 et 12 mois après le début du bail "
                    f"(entre le {earliest:%d/%m/%Y} et le {latest:%d/%m/%Y})."
                )
            }
        return {}

    def _sublet_errors(self) -> dict:
        """A sublet is very exceptional (a written reason) and lasts at most 3 years; no other
        solution has an end date."""
        start = self.lease_start
        if self.solution != Solution.SUBLET:
            if self.planned_end:
                return {"planned_end": "Une date de fin ne concerne que la sous-location."}
            return {}
        errors = {}
        if not self.exceptional_reason.strip():
            errors["exceptional_reason"] = (
                "La sous-location est très exceptionnelle : indiquez par écrit le motif."
            )
        if not self.planned_end:
            errors["planned_end"] = "Indiquez la date de fin de la sous-location."
        elif start and self.planned_end > add_months(start, 12 * SUBLET_MAX_YEARS):
            errors["planned_end"] = (
                "Une sous-location ne peut pas dépasser 3 ans "
                f"(fin au plus tard le {add_months(start, 12 * SUBLET_MAX_YEARS):%d/%m/%Y})."
            )
        elif start and self.planned_end <= start:
            errors["planned_end"] = "La fin de la sous-location doit suivre le début du bail."
        return errors

    @classmethod
    @transaction.atomic
    def record(cls, *, household, by, **fields):
        """Record a rehousing; the dwelling becomes let. Refused (nothing written) if a rule fails."""
        rehousing = cls(household=household, created_by=by, **fields)
        errors = rehousing.rule_errors()
        if household.status not in REHOUSABLE_STATUSES:
            errors["__all__"] = "Seul un ménage admis dans le dispositif peut être relogé."
        dwelling = None
        if rehousing.dwelling_id:
            dwelling = Dwelling.objects.select_for_update().get(pk=rehousing.dwelling_id)
            if dwelling.is_let:
                errors["dwelling"] = "Ce logement est déjà loué : il ne peut pas être attribué."
            elif (
                dwelling.proposals.filter(status__in=OPEN_PROPOSALS)
                .exclude(household=household)
                .exists()
            ):
                errors["dwelling"] = (
                    "Ce logement est réservé par une proposition faite à un autre ménage."
                )
        proposal = rehousing.proposal
        if proposal is not None:
            if proposal.household_id != household.pk or proposal.status != ProposalStatus.ACCEPTED:
                errors["proposal"] = (
                    "La proposition doit être une proposition acceptée par ce ménage."
                )
            elif proposal.dwelling_id != rehousing.dwelling_id:
                errors["dwelling"] = "Le logement doit être celui de la proposition acceptée."
        if errors:
            raise ValidationError(errors)
        rehousing.save()
        if dwelling is not None:
            dwelling.is_let = True
            dwelling.updated_at = timezone.now()
            dwelling.save(update_fields=["is_let", "updated_at"])
        return rehousing

    @transaction.atomic
    def record_glide(self, *, on, by):
        """The bail glissant is transferred to the household (docs/domain.md §3.2)."""
        if self.solution != Solution.SLIDING_LEASE:
            raise ValidationError("Seul un bail glissant peut glisser.")
        if self.glided_on:
            raise ValidationError(
                f"Le glissement est déjà enregistré au {self.glided_on:%d/%m/%Y}."
            )
        low, high = (
            add_months(self.lease_start, GLIDE_MIN_MONTHS),
            add_months(self.lease_start, GLIDE_MAX_MONTHS),
        )
        if not (low <= on <= high):
            raise ValidationError(
                {
                    "glided_on": "Le bail glisse entre 3 et 12 mois après son début "
                    f"(entre le {low:%d/%m/%Y} et le {high:%d/%m/%Y})."
                }
            )
        if on > timezone.localdate():
            raise ValidationError(
                {"glided_on": "Le glissement ne peut pas être daté dans le futur."}
            )
        self.glided_on = on
        self.glide_recorded_by = by
        self.save(update_fields=["glided_on", "glide_recorded_by"])


def stays_in_place(household, rehousings=None) -> bool:
    """An eviction-prevention household with no rehousing stays in its dwelling
    (docs/domain.md §1.2). `rehousings`: its rehousings, when the caller read them."""
    if household.public != Public.EVICTION_THREAT:
        return False
    return not (household.rehousings.exists() if rehousings is None else rehousings)


class DocumentKind(models.TextChoices):
    CONVENTION = "convention", "Convention tripartite"
    CONTRACT = "contract", "Contrat d'accompagnement social"


class DocumentStatus(models.TextChoices):
    GENERATED = "generated", "Générée"
    SIGNED = "signed", "Signée"


def _document_path(instance, filename):
    return (
        f"housing/{instance.household_id}/{instance.kind}-v{instance.number}-{uuid.uuid4().hex}.pdf"
    )


def _scan_path(instance, filename):
    extension = filename.rsplit(".", 1)[-1].lower() if "." in filename else "bin"
    return f"housing/{instance.household_id}/{instance.kind}-v{instance.number}-signe-{uuid.uuid4().hex}.{extension}"


def latest_by_kind(documents):
    """{kind: its latest version} among `documents` (one household's), kinds in the order met."""
    latest = {}
    for document in documents:
        if document.kind not in latest or document.number > latest[document.kind].number:
            latest[document.kind] = document
    return latest


def signed_for_lease(latest, lease) -> bool:
    """`AgreementDocumentQuerySet.both_signed` from what is already loaded: `latest`, the
    household's {kind: latest version}; `lease`, its latest rehousing (or None)."""
    if not all(
        kind in latest and latest[kind].status == DocumentStatus.SIGNED
        for kind in DocumentKind.values
    ):
        return False
    return lease is None or latest[DocumentKind.CONVENTION].rehousing_id == lease.pk


class AgreementDocumentQuerySet(models.QuerySet):
    def visible_to(self, user, action="housing.view"):
        return self.filter(policy.household_q(user, action, prefix="household__"))

    def latest_of(self, household, kind):
        return self.filter(household=household, kind=kind).order_by("-number").first()

    def both_signed(self, household) -> bool:
        """May the accompaniment start (§2.3)? The latest convention and the latest contract are
        both signed, and the convention is the one attached to the household's latest lease
        (each rehousing is sealed by its own convention). A household staying in place has no
        rehousing: its convention is one of "maintien dans les lieux" (see
        `documents.document_context`)."""
        return signed_for_lease(
            latest_by_kind(self.filter(household=household)),
            household.rehousings.order_by("-lease_start", "-pk").first(),
        )


class AgreementDocument(models.Model):
    household = models.ForeignKey(
        Household, on_delete=models.PROTECT, related_name="agreement_documents"
    )
    kind = models.CharField("document", max_length=20, choices=DocumentKind.choices)
    number = models.PositiveSmallIntegerField("version", default=1)
    status = models.CharField(
        "état", max_length=20, choices=DocumentStatus.choices, default=DocumentStatus.GENERATED
    )
    generated_at = models.DateTimeField(default=timezone.now)
    signed_on = models.DateField("signé le", null=True, blank=True)
    # The convention is attached to the lease (docs/domain.md §2.3): the rehousing it seals.
    rehousing = models.ForeignKey(
        Rehousing,
        verbose_name="relogement (bail)",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="agreement_documents",
    )
    generated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True
    )
    pdf = models.FileField(
        "document généré", upload_to=_document_path, max_length=200, blank=True, default=""
    )
    signed_scan = models.FileField(
        "exemplaire signé", upload_to=_scan_path, max_length=200, blank=True
    )
    signed_recorded_at = models.DateTimeField("signature enregistrée le", null=True, blank=True)
    signed_recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )

    objects = AgreementDocumentQuerySet.as_manager()

    class Meta:
        verbose_name = "document contractuel"
        ordering = ["kind", "-number"]
        constraints = [
            models.UniqueConstraint(
                fields=["household", "kind", "number"], name="unique_agreement_version"
            )
        ]

    def __str__(self):
        return f"{self.get_kind_display()} v{self.number} — {self.household.reference}"

    @property
    def filename(self) -> str:
        stem = (
            "convention-tripartite"
            if self.kind == DocumentKind.CONVENTION
            else "contrat-accompagnement"
        )
        return f"{stem}-{self.household.reference}-v{self.number}.pdf"

    @classmethod
    @transaction.atomic
    def generate(cls, household, kind, *, by, at=None):
        """Render the document from today's data as a new version (status: generated).
        `at` dates a generation recorded after the fact (the demo's histories); default now."""
        from django.core.files.base import ContentFile

        from .documents import document_context, render_document

        # Lock the household row so two generations cannot take the same version number.
        Household.objects.select_for_update().filter(pk=household.pk).first()
        context = document_context(household, kind)
        number = (
            cls.objects.filter(household=household, kind=kind).aggregate(n=Max("number"))["n"] or 0
        ) + 1
        document = cls(
            household=household,
            kind=kind,
            number=number,
            generated_by=by,
            generated_at=at or timezone.now(),
            rehousing=context.get("rehousing") if kind == DocumentKind.CONVENTION else None,
        )
        context["document"] = document
        pdf = render_document(kind, context)
        document.pdf.save("document.pdf", ContentFile(pdf), save=False)
        document.save()
        return document

    @classmethod
    @transaction.atomic
    def record_signed_batch(cls, entries, *, by, scan):
        """Both documents of many households, generated and signed on past dates (histories
        recorded after the fact: the demo). `entries`: (household, generated_at, signed_on).

        The rules of `generate` and `mark_signed`, for a batch in a fixed number of queries:
        the next version number of each kind, the convention joined to the household's latest
        rehousing (refused when there is none and the household does not stay in place), a
        signature on or after the generation and not in the future. The PDF is rendered from the
        household's data on its first download (`ensure_pdf`); the signed scan is one file."""
        entries = list(entries)
        pks = [household.pk for household, _at, _on in entries]
        numbers = {
            f"{household}:{kind}": n
            for household, kind, n in cls.objects.filter(household__in=pks)
            .values_list("household", "kind")
            .annotate(n=Max("number"))
            .order_by()
        }
        rehousing_of = {}
        for rehousing in Rehousing.objects.filter(household__in=pks).order_by("lease_start", "pk"):
            rehousing_of[rehousing.household_id] = rehousing  # the latest wins
        today = timezone.localdate()
        scan_name = None
        documents = []
        for household, generated_at, signed_on in entries:
            rehousing = rehousing_of.get(household.pk)
            if rehousing is None and household.public != Public.EVICTION_THREAT:
                raise ValidationError(
                    f"{household.reference} : enregistrez d'abord le relogement, la convention "
                    "tripartite est jointe au bail."
                )
            if signed_on < timezone.localdate(generated_at) or signed_on > today:
                raise ValidationError(
                    f"{household.reference} : la signature doit suivre la génération et ne peut "
                    "pas être dans le futur."
                )
            if scan_name is None:
                scan_name = default_storage.save(
                    f"housing/signes/exemplaire-signe-{uuid.uuid4().hex}.pdf", scan
                )
            for kind in (DocumentKind.CONVENTION, DocumentKind.CONTRACT):
                documents.append(
                    cls(
                        household=household,
                        kind=kind,
                        number=numbers.get(f"{household.pk}:{kind}", 0) + 1,
                        generated_by=by,
                        generated_at=generated_at,
                        rehousing=rehousing if kind == DocumentKind.CONVENTION else None,
                        status=DocumentStatus.SIGNED,
                        signed_on=signed_on,
                        signed_recorded_at=timezone.now(),
                        signed_recorded_by=by,
                        signed_scan=scan_name,
                    )
                )
        cls.objects.bulk_create(documents, batch_size=2000)
        return documents

    def ensure_pdf(self):
        """A document recorded in a batch has its PDF rendered on first need (then kept)."""
        if self.pdf:
            return
        from django.core.files.base import ContentFile

        from .documents import document_context, render_document

        context = document_context(self.household, self.kind)
        context["document"] = self
        self.pdf.save("document.pdf", ContentFile(render_document(self.kind, context)), save=False)
        self.save(update_fields=["pdf"])

    @transaction.atomic
    def mark_signed(self, *, on, scan, by):
        if self.status == DocumentStatus.SIGNED:
            raise ValidationError("Ce document est déjà enregistré comme signé.")
        latest = AgreementDocument.objects.latest_of(self.household, self.kind)
        if latest.pk != self.pk:
            raise ValidationError(
                f"Une version plus récente (v{latest.number}) existe : c'est elle qui doit être signée."
            )
        generated_day = timezone.localdate(self.generated_at)
        if on < generated_day:
            raise ValidationError(
                {
                    "signed_on": f"La signature ne peut pas précéder la génération ({generated_day:%d/%m/%Y})."
                }
            )
        if on > timezone.localdate():
            raise ValidationError(
                {"signed_on": "La date de signature ne peut pas être dans le futur."}
            )
        self.status = DocumentStatus.SIGNED
        self.signed_on = on
        self.signed_recorded_at = timezone.now()
        self.signed_recorded_by = by
        self.signed_scan.save(scan.name, scan, save=False)
        self.save(
            update_fields=[
                "status",
                "signed_on",
                "signed_recorded_at",
                "signed_recorded_by",
                "signed_scan",
            ]
        )


class ImportStatus(models.TextChoices):
    PREVIEW = "preview", "Aperçu"
    APPLIED = "applied", "Importé"


class DwellingImport(models.Model):
    """An uploaded stock file: parsed rows kept for the preview, applied at once on confirmation."""

    filename = models.CharField("fichier", max_length=200)
    status = models.CharField(
        "état", max_length=20, choices=ImportStatus.choices, default=ImportStatus.PREVIEW
    )
    rows = models.JSONField(default=list)
    errors = models.JSONField(default=list)
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True
    )
    applied_at = models.DateTimeField(null=True, blank=True)
    created_count = models.PositiveIntegerField(default=0)
    updated_count = models.PositiveIntegerField(default=0)
    unchanged_count = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = "import du parc"
        ordering = ["-created_at", "-pk"]
