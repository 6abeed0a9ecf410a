from datetime import date, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection, models, transaction
from django.db.models import Exists, OuterRef, Q
from django.urls import reverse
from django.utils import timezone

from accounts import policy
from caen_accompagnement.bulk import insert_all
from caen_accompagnement.versioning import save_if_unchanged

from .enums import (
    IN_PROGRAMME_STATUSES,
    ORIGIN_OF_PUBLIC,
    SUPPORTED_STRUCTURE_PUBLICS,
    TRANSITIONS,
    AgeBand,
    Employment,
    ExitReason,
    FamilyStructure,
    Gender,
    NoticeMethod,
    Origin,
    Owner,
    Public,
    Quartier,
    Relation,
    Source,
    Status,
)
from .outbound import (
    HOUSEHOLD_FILE_AUDIENCE,
    check_outbound,
    check_outbound_texts,
    known_names_in,
)
from .text import name_match_key, normalize_search

# Households whose diagnostic level is to be set: proposed to the cellule for it, or in
# diagnostic without one (the diagnostics worklist's first section; its own index).
AWAITING_LEVEL_Q = Q(status=Status.AWAITING_LEVEL) | Q(
    status=Status.DIAGNOSTIC, diagnostic_level=None
)


# What a row of the households list shows (`with_list_data`, households/views.py `_list_rows`):
# the reference (id, creation date), the name (members, or anonymised), the size, the public,
# the status and since when, the référent's name.
LIST_COLUMNS = (
    "created_at",
    "anonymised_at",
    "declared_size",
    "public",
    "status",
    "status_changed_at",
    "referent__first_name",
    "referent__last_name",
    "referent__email",
)


def rows_of_households(model, columns, household_ids, *, order, params=()):
    """The rows (tuples of `columns`, SQL) of `model`'s table for the households
    `household_ids`, ordered by `order` (SQL, its parameters `params`), in one statement: no
    QuerySet built and compiled for a page's members or lists (`Household._reference_people`,
    `HouseholdSource.labels_of`, docs/performance.md)."""
    if not household_ids:
        return []
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {columns} FROM {connection.ops.quote_name(model._meta.db_table)}"
            f" WHERE household_id IN ({', '.join(['%s'] * len(household_ids))})"
            f" ORDER BY {order}",
            [*household_ids, *params],
        )
        return cursor.fetchall()


class HouseholdQuerySet(models.QuerySet):
    def visible_to(self, user, action="household.view"):
        # No join: a scope reached through another app's tables is a subquery of household ids
        # (accounts/policy.py `provide_scope`), so each household comes once.
        return self.filter(policy.household_q(user, action))

    def in_programme(self):
        return self.filter(status__in=IN_PROGRAMME_STATUSES)

    def awaiting_level(self):
        return self.filter(AWAITING_LEVEL_Q)

    def search(self, text):
        """Accent-, case- and hyphen-insensitive search on any member's name or the file reference."""
        text = (text or "").strip()
        if not text:
            return self
        pk = Household.pk_from_reference(text)
        if pk is not None:
            return self.filter(pk=pk)
        words = normalize_search(text).split()
        qs = self
        for word in words:
            qs = qs.filter(
                Exists(Person.objects.filter(household=OuterRef("pk"), search_key__contains=word))
                | Q(sne_number__iexact=word)
            )
        return qs

    def with_members_and_sources(self):
        """Members in display order and the lists each household comes from, prefetched."""
        return self.prefetch_related("members", "sources")  # Person's Meta.ordering

    def with_list_data(self):
        """What the list page shows of each household and its référent: only the columns a
        row shows, not their whole rows (an address, phones, birth dates: no personal detail the
        list does not show is read, docs/performance.md). Its members' names and number and
        its lists are read for the page afterwards, as values (`names_and_member_counts`,
        `HouseholdSource.labels_of`)."""
        return (
            self.select_related("referent")
            .only(*LIST_COLUMNS)
            .annotate(has_open_duplicate=Exists(PossibleDuplicate.objects.open_for(OuterRef("pk"))))
        )

    def with_source(self, source):
        return self.filter(
            Exists(HouseholdSource.objects.filter(household=OuterRef("pk"), source=source))
        )


class Household(models.Model):
    public = models.CharField("public", max_length=30, choices=Public.choices)
    status = models.CharField(
        "statut", max_length=30, choices=Status.choices, default=Status.PRESELECTED, db_index=True
    )
    status_changed_at = models.DateTimeField("statut depuis le", default=timezone.now)
    exit_reason = models.CharField(
        "motif de sortie", max_length=20, choices=ExitReason.choices, blank=True
    )
    referent = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="référent",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="referent_households",
    )
    substitute = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="référent suppléant",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="substitute_households",
    )
    sne_number = models.CharField(
        "numéro unique (SNE)", max_length=30, unique=True, null=True, blank=True
    )
    tenant_account = models.CharField("compte locataire Caen habitat", max_length=30, blank=True)
    declared_size = models.PositiveSmallIntegerField(
        "nombre de personnes déclaré", null=True, blank=True
    )
    address = models.CharField("adresse actuelle", max_length=250, blank=True)
    quartier = models.CharField("quartier", max_length=30, choices=Quartier.choices, blank=True)
    phone = models.CharField("téléphone", max_length=30, blank=True)
    accommodation = models.CharField("hébergement actuel", max_length=250, blank=True)
    has_codesi_social_report = models.BooleanField(
        "rapport social présenté en CODESI", default=False
    )
    rent_debt = models.DecimalField(
        "dette locative (€)", max_digits=10, decimal_places=2, null=True, blank=True
    )
    months_unpaid = models.PositiveSmallIntegerField("mois d'impayés", null=True, blank=True)
    diagnostic_level = models.PositiveSmallIntegerField(
        "niveau de diagnostic",
        choices=[(1, "Niveau 1"), (2, "Niveau 2"), (3, "Niveau 3")],
        null=True,
        blank=True,
    )
    # A level recorded by the CCAS manager between two cellules (diagnostics.set_diagnostic_level),
    # waiting for the next cellule's ratification (its agenda shows it, the file says so).
    diagnostic_level_provisional = models.BooleanField("niveau provisoire", default=False)
    observations = models.TextField("observations", blank=True)
    created_at = models.DateTimeField("créé le", default=timezone.now)
    updated_at = models.DateTimeField("modifié le", auto_now=True)
    # Optimistic concurrency: a form posts the version it was read at (see `check_version`).
    version = models.PositiveIntegerField(default=1)
    # Retention (docs/privacy.md): the day from which an archived file may be anonymised, set
    # when a retention report first announces it; then when it was anonymised.
    anonymisation_due_on = models.DateField("anonymisation prévue le", null=True, blank=True)
    anonymised_at = models.DateTimeField("anonymisé le", null=True, blank=True)

    objects = HouseholdQuerySet.as_manager()

    class Meta:
        verbose_name = "ménage"
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["public"]),
            models.Index(fields=["referent", "status"]),
            models.Index(fields=["tenant_account"]),
            # The households list's order (newest first): its page read from the index, the
            # per-row annotations computed for 25 rows, not for every household before sorting.
            models.Index(fields=["-created_at", "-id"], name="household_newest"),
            # The diagnostics worklist: a status, the longest waiting first.
            models.Index(
                fields=["status", "status_changed_at", "id"], name="household_status_since"
            ),
            # Its "level to set" section (two statuses, one of them only without a level): read
            # in order from this index rather than sorting every match to keep 25.
            models.Index(
                fields=["status_changed_at", "id"],
                condition=AWAITING_LEVEL_Q,
                name="household_awaiting_level",
            ),
            # A social worker's caseload (`Accompaniment.objects.caseload_of`): the ids of the
            # households they follow or stand in for, read from these indexes alone (index-only
            # scans), not from the households' rows (docs/performance.md).
            models.Index(fields=["referent", "id"], name="household_referent_ids"),
            models.Index(fields=["substitute", "id"], name="household_substitute_ids"),
        ]

    def __str__(self):
        return f"{self.reference} — {self.display_name}"

    # --- identity ---------------------------------------------------------------------
    @property
    def reference(self) -> str:
        return self.reference_of(self.pk, self.created_at)

    @staticmethod
    def reference_of(pk, created_at) -> str:
        """`reference` from the household's id and creation time (a row read as values)."""
        year = timezone.localtime(created_at).year if created_at else timezone.now().year
        return f"LA-{year}-{pk:04d}" if pk else "LA-nouveau"

    @staticmethod
    def pk_from_reference(text):
        parts = text.strip().upper().split("-")
        if len(parts) == 3 and parts[0] == "LA" and parts[1].isdigit() and parts[2].isdigit():
            return int(parts[2])
        return None

    def get_absolute_url(self):
        return reverse("households:detail", args=[self.pk])

    def tab_url(self, tab):
        """The file opened on `tab` (households/panels.py), e.g. after an action made there."""
        return f"{self.get_absolute_url()}?onglet={tab}"

    @property
    def members_list(self):
        """Members in display order (uses the prefetch when there is one). A list page may
        prefetch them already ordered as `ordered_members` (`Prefetch("members", queryset=…
        .order_by("position", "pk"), to_attr="ordered_members")`): no related manager per row."""
        if "ordered_members" in self.__dict__:
            return self.ordered_members
        return sorted(self.members.all(), key=lambda p: (p.position, p.pk or 0))

    @property
    def reference_person(self):
        members = self.members_list
        for person in members:
            if person.relation == Relation.REFERENCE:
                return person
        return members[0] if members else None

    @property
    def display_name(self) -> str:
        if self.anonymised_at:
            return "(ménage anonymisé)"
        person = self.reference_person
        return person.full_name if person else "(sans membre)"

    @staticmethod
    def display_names(households):
        """{pk: display_name} of a page of households, from one query of their members' names
        (the reference person, else the first member, as `reference_person`): no Person built
        per member, no prefetch per household (a list page's rows, docs/performance.md)."""
        return Household.names_and_member_counts(households)[0]

    @staticmethod
    def display_names_of(households):
        """`display_names` of households read as values: (pk, anonymised_at) pairs."""
        return Household._names_and_member_counts(households)[0]

    @staticmethod
    def names_and_member_counts(households):
        """({pk: display_name}, {pk: number of members}) of a page of households, from the one
        query of `display_names` (the households list shows both: `size_from`)."""
        return Household._names_and_member_counts([(h.pk, h.anonymised_at) for h in households])

    @staticmethod
    def _names_and_member_counts(households):
        """`names_and_member_counts` of (pk, anonymised_at) pairs."""
        people, counts = Household._reference_people([pk for pk, _ in households])
        names = {
            pk: "(ménage anonymisé)"
            if anonymised_at
            else (Person.name_of(*people[pk]) if pk in people else "(sans membre)")
            for pk, anonymised_at in households
        }
        return names, counts

    @staticmethod
    def initials_of(households):
        """{pk: initials} of a page of households, from one query of their members' names (the
        signals list, the letting board: no Person built per member)."""
        people = Household._reference_people([h.pk for h in households])[0]
        return {
            h.pk: Household.initials_from(*people[h.pk]) if h.pk in people else "—"
            for h in households
        }

    @staticmethod
    def _reference_people(ids):
        """({pk: (first name, last name) of `reference_person`}, {pk: number of members}) of a
        page of households (their ids), from one query: the reference person, else the first
        member.

        Written as SQL: five list pages and the caseload ask it on every view, and Django built
        and compiled the same query each time (0.95 ms with its execution, 0.3 ms as SQL at
        10,000 households, docs/performance.md); tests/households/test_models.py holds it
        equal to `reference_person` and `size`."""
        members = rows_of_households(
            Person,
            "household_id, first_name, last_name",
            ids,
            order="household_id, CASE WHEN relation = %s THEN 0 ELSE 1 END, position, id",
            params=[Relation.REFERENCE.value],
        )
        people, counts = {}, {}
        for household_id, first_name, last_name in members:
            counts[household_id] = counts.get(household_id, 0) + 1
            people.setdefault(household_id, (first_name, last_name))
        return people, {pk: counts.get(pk, 0) for pk in ids}

    @property
    def initials(self) -> str:
        """What minutes and pre-read packs show instead of names."""
        person = self.reference_person
        if not person:
            return "—"
        return self.initials_from(person.first_name, person.last_name)

    @staticmethod
    def initials_from(first_name, last_name) -> str:
        return f"{(first_name[:1] or '?').upper()}. {(last_name[:1] or '?').upper()}."

    # --- derived characteristics (§7.1) -----------------------------------------------
    @property
    def origin(self):
        return ORIGIN_OF_PUBLIC.get(self.public, Origin.EMERGENCY)

    def get_origin_display(self):
        return Origin(self.origin).label

    @property
    def size(self) -> int:
        return self.size_from(len(self.members_list))

    def size_from(self, member_count) -> int:
        """The household's size, its members counted elsewhere (`names_and_member_counts`)."""
        return max(member_count, self.declared_size or 0)

    @property
    def family_structure(self):
        members = self.members_list
        adults_in_couple = sum(
            1 for p in members if p.relation in (Relation.REFERENCE, Relation.SPOUSE)
        )
        has_spouse = any(p.relation == Relation.SPOUSE for p in members)
        children = sum(1 for p in members if p.relation == Relation.CHILD)
        others = sum(1 for p in members if p.relation == Relation.OTHER)
        if not members:
            return None
        if others:
            return FamilyStructure.OTHER
        if has_spouse:
            return FamilyStructure.COUPLE_CHILDREN if children else FamilyStructure.COUPLE
        if children:
            return FamilyStructure.SINGLE_PARENT
        if adults_in_couple > 1:
            return FamilyStructure.OTHER
        # One person listed: alone only if no more are declared. An imported list names only
        # the reference person with its « nombre de personnes »: composition to be specified.
        return FamilyStructure.SINGLE if self.size == 1 else None

    def get_family_structure_display(self):
        value = self.family_structure
        if value:
            return FamilyStructure(value).label
        return "À préciser" if self.members_list else "—"

    @property
    def age_band(self):
        person = self.reference_person
        age = person.age() if person else None
        if age is None:
            return None
        if age < 25:
            return AgeBand.UNDER_25
        if age < 35:
            return AgeBand.FROM_25
        if age < 60:
            return AgeBand.FROM_35
        return AgeBand.OVER_60

    def get_age_band_display(self):
        value = self.age_band
        return AgeBand(value).label if value else "—"

    @property
    def suggested_diagnostic_level(self) -> int:
        """Rule of §2.1.1: supported collective structure → 1; CODESI social report → 2; else 3."""
        if self.public in SUPPORTED_STRUCTURE_PUBLICS:
            return 1
        if self.has_codesi_social_report:
            return 2
        return 3

    @property
    def in_programme(self) -> bool:
        return self.status in IN_PROGRAMME_STATUSES

    # --- state changes ----------------------------------------------------------------
    def save_if_unchanged(self, expected_version, fields):
        """Save `fields` only if nobody saved since `expected_version` was read (optimistic lock)."""
        save_if_unchanged(self, expected_version, fields)

    def can_move_to(self, status, owner=Owner.MANUAL) -> bool:
        """Is `status` reachable from here by `owner` (the status form is the manual owner)?"""
        return TRANSITIONS[self.status].get(status) == owner

    @property
    def next_statuses(self):
        """The statuses the status form may move this household to (the manual transitions),
        in pipeline order, as (value, label)."""
        allowed = {to for to, owner in TRANSITIONS[self.status].items() if owner == Owner.MANUAL}
        return [(value, label) for value, label in Status.choices if value in allowed]

    def open_duplicates(self):
        """Unresolved possible duplicates, whichever side of the pair this household is on."""
        return PossibleDuplicate.objects.open_for(self.pk).select_related("household", "other")

    def creation_row(self, *, by, reason="Création du dossier", at=None):
        """The first row of the status timeline (unsaved): shared by `record_creation` and its
        batch forms `record_creations` (an import) and `create_files` (the demo)."""
        return StatusChange(
            household=self,
            from_status="",
            to_status=self.status,
            at=at or self.status_changed_at,  # the timeline starts with the file's status date
            by=by,
            owner=Owner.CREATION,
            reason=reason,
        )

    @classmethod
    def record_creations(cls, households, *, by, reasons, at=None):
        """`record_creation` for many new files at once (an import): one INSERT for all their
        first timeline rows. `reasons` gives each household's reason, in the same order."""
        return insert_all(
            StatusChange,
            (
                household.creation_row(by=by, reason=reason, at=at)
                for household, reason in zip(households, reasons, strict=True)
            ),
        )

    @transaction.atomic
    def record_creation(self, *, by, reason="Création du dossier", at=None):
        """First row of the status timeline of a new file (created by hand or imported)."""
        row = self.creation_row(by=by, reason=reason, at=at)
        row.save()
        return row

    @staticmethod
    @transaction.atomic
    def create_files(rows):
        """Many new files at once, each with the first row of its timeline (`creation_row`, as
        `record_creation` writes it): `rows` are (unsaved household, {by, reason, at}); the file
        starts in its status on that date. Two inserts."""
        rows = list(rows)
        for household, spec in rows:
            household.created_at = household.status_changed_at = spec["at"]
        Household.objects.bulk_create([household for household, _ in rows], batch_size=2000)
        return StatusChange.objects.bulk_create(
            [household.creation_row(**spec) for household, spec in rows], batch_size=2000
        )

    def apply_move(
        self,
        status,
        *,
        by,
        owner=Owner.MANUAL,
        reason="",
        decision="",
        exit_reason="",
        at=None,
        known_names=None,
        checked_texts=None,
    ):
        """The rules of a transition (TRANSITIONS, its owner, the exit reason, outbound text),
        applied to this household in memory; returns the unsaved history row. The one rule code
        of `move_to` (one household) and `move_many` (a batch), so the two cannot diverge.
        A batch passes the programme's name words (`known_names`) and the set of the (reason,
        decision) pairs it already found clean (`checked_texts`): each pair is checked once."""
        expected = TRANSITIONS[self.status].get(status)
        if expected is None:
            raise ValidationError(
                f"Passage impossible de « {self.get_status_display()} » à « {Status(status).label} »."
            )
        if expected != owner:
            raise ValidationError(
                f"Le passage de « {self.get_status_display()} » à « {Status(status).label} » "
                f"se fait par {Owner(expected).label}, pas ici."
            )
        if status == Status.EXITED and not exit_reason:
            raise ValidationError("Indiquez le motif de sortie du dispositif.")
        check_outbound_texts(
            {"reason": reason, "decision": decision},
            HOUSEHOLD_FILE_AUDIENCE,
            known_names,
            checked_texts,
        )
        if exit_reason and exit_reason not in ExitReason.values:
            raise ValidationError("Motif de sortie inconnu.")
        previous = self.status
        now = at or timezone.now()
        self.status = status
        self.status_changed_at = now
        if status == Status.EXITED:
            self.exit_reason = exit_reason
        return StatusChange(
            household=self,
            from_status=previous,
            to_status=status,
            at=now,
            by=by,
            owner=owner,
            reason=reason,
            decision=decision,
        )

    MOVED_FIELDS = ["status", "status_changed_at", "exit_reason", "updated_at"]

    @transaction.atomic
    def move_to(
        self, status, *, by, owner=Owner.MANUAL, reason="", decision="", exit_reason="", at=None
    ):
        """The one way a household's pipeline status changes; writes the history row.

        `owner` names who applies the transition (households.enums.TRANSITIONS): a workflow-owned
        transition (admission, start of the accompaniment, …) is refused unless its owner asks,
        so no form or script can put a file in a state its records contradict. `at` dates the
        change (a past act recorded now, or the demo's history); by default, now.
        """
        row = self.apply_move(
            status,
            by=by,
            owner=owner,
            reason=reason,
            decision=decision,
            exit_reason=exit_reason,
            at=at,
        )
        self.save(update_fields=self.MOVED_FIELDS)
        row.save()
        return row

    @staticmethod
    @transaction.atomic
    def move_many(moves):
        """`move_to` for a batch: `moves` are (household, status, {by, owner, reason, decision,
        exit_reason, at}), applied in order (a household may move several times, each step from
        the status the previous one left). The same rules as `move_to` (`apply_move`), checked
        for every move before anything is written; the outbound texts with one name query for
        the whole batch; then one update of the households and one insert of their history.
        A refused move raises its ValidationError and nothing is written."""
        moves = list(moves)
        texts = {
            text
            for _, _, spec in moves
            for key in ("reason", "decision")
            if (text := spec.get(key))
        }
        known = known_names_in(texts)
        rows, moved, checked = [], {}, set()
        for household, status, spec in moves:
            rows.append(
                household.apply_move(status, known_names=known, checked_texts=checked, **spec)
            )
            moved[household.pk] = household
        Household.save_moved(list(moved.values()))
        return StatusChange.objects.bulk_create(rows, batch_size=2000)

    @staticmethod
    def save_moved(households):
        """Write the moved fields of many households. On PostgreSQL one UPDATE … FROM (VALUES …)
        per 2,000 rows (`bulk_update`'s CASE per row grows with the batch: 17 s for 3,000
        households); elsewhere `bulk_update`."""
        stamp = timezone.now()
        for household in households:
            household.updated_at = stamp
        if connection.vendor != "postgresql":
            Household.objects.bulk_update(households, Household.MOVED_FIELDS, batch_size=500)
            return
        table = Household._meta.db_table
        for start in range(0, len(households), 2000):
            chunk = households[start : start + 2000]
            values = ", ".join(
                ["(%s::bigint, %s::varchar, %s::timestamptz, %s::varchar)"] * len(chunk)
            )
            params = [
                value
                for h in chunk
                for value in (h.pk, h.status, h.status_changed_at, h.exit_reason)
            ]
            with connection.cursor() as cursor:
                cursor.execute(
                    f"UPDATE {table} AS h SET status = v.status, status_changed_at = v.at, "
                    f"exit_reason = v.exit_reason, updated_at = %s "
                    f"FROM (VALUES {values}) AS v(id, status, at, exit_reason) WHERE h.id = v.id",
                    [stamp, *params],
                )

    # --- retention (docs/privacy.md) ---------------------------------------------------
    ARCHIVE_REASON = "Conservation : aucun contact depuis {years} ans (archivage automatique)"

    @transaction.atomic
    def archive(self, *, last_contact, by=None):
        """Retention: the file leaves the active base. Whatever the pipeline status (the
        retention rule outranks the pipeline), it becomes ARCHIVED, with its history row."""
        if self.status == Status.ARCHIVED:
            raise ValidationError("Ce ménage est déjà archivé.")
        previous, now = self.status, timezone.now()
        self.status = Status.ARCHIVED
        self.status_changed_at = now
        self.save(update_fields=["status", "status_changed_at", "updated_at"])
        years = settings.ACTIVE_RETENTION_YEARS
        return StatusChange.objects.create(
            household=self,
            from_status=previous,
            to_status=Status.ARCHIVED,
            at=now,
            by=by,
            owner=Owner.RETENTION,
            reason=self.ARCHIVE_REASON.format(years=years)
            + f" ; dernier contact le {timezone.localtime(last_contact):%d/%m/%Y}.",
        )

    def announce_anonymisation(self, on):
        """A retention report names this archived file: it is anonymised from `on`, not before."""
        if self.status != Status.ARCHIVED or self.anonymised_at:
            raise ValidationError("Seul un ménage archivé, non anonymisé, peut être annoncé.")
        self.anonymisation_due_on = on
        self.save(update_fields=["anonymisation_due_on", "updated_at"])

    @transaction.atomic
    def anonymise_own_data(self):
        """What this app holds on the household, made anonymous (the caller erases the other
        apps' data in the same transaction): names removed, birth dates to the year (1 January),
        contact details, identifiers and free text deleted. Statuses, dates, public, size and
        composition stay, for statistics."""
        now = timezone.now()
        for person in self.members.all():
            person.last_name = person.first_name = ""
            if person.birth_date:
                person.birth_date = date(person.birth_date.year, 1, 1)
            person.save(
                update_fields=["last_name", "first_name", "birth_date", "search_key", "match_key"]
            )
        for source in self.sources.all():
            source.reference = f"anonyme-{source.pk}"
            source.row_hash = ""
            source.save(update_fields=["reference", "row_hash"])
        self.status_changes.update(reason="")
        self.referent_assignments.update(reason="")
        PossibleDuplicate.objects.filter(Q(household=self) | Q(other=self)).update(
            reason="", resolution=""
        )
        for batch in ImportBatch.objects.filter(state=ImportBatch.State.CONFIRMED):
            entries = batch.summary.get("households", [])
            if any(e.get("household") == self.pk and e.get("name") for e in entries):
                for entry in entries:
                    if entry.get("household") == self.pk:
                        entry["name"] = ""
                batch.save(update_fields=["summary"])
        self.address = self.phone = self.accommodation = self.observations = ""
        self.tenant_account = ""
        self.sne_number = None
        self.anonymised_at = now
        self.save()

    @transaction.atomic
    def record_information_notice(self, *, given_on, method, by):
        """The household was given the information notice (RGPD art. 13): when and how."""
        if given_on > timezone.localdate():
            raise ValidationError("La date de remise ne peut pas être dans le futur.")
        return InformationNotice.objects.create(
            household=self, given_on=given_on, method=method, recorded_by=by
        )

    @property
    def latest_notice(self):
        return self.information_notices.order_by("-given_on", "-pk").first()

    @transaction.atomic
    def assign_referent(self, referent, *, by, substitute=None, reason=""):
        check_outbound(HOUSEHOLD_FILE_AUDIENCE, reason=reason)
        self.referent = referent
        self.substitute = substitute
        self.save(update_fields=["referent", "substitute", "updated_at"])
        return ReferentAssignment.objects.create(
            household=self, referent=referent, substitute=substitute, by=by, reason=reason
        )


class Person(models.Model):
    household = models.ForeignKey(Household, on_delete=models.CASCADE, related_name="members")
    position = models.PositiveSmallIntegerField("ordre", default=0)
    last_name = models.CharField("nom", max_length=100)
    first_name = models.CharField("prénom", max_length=100)
    birth_date = models.DateField("date de naissance", null=True, blank=True)
    gender = models.CharField("sexe", max_length=1, choices=Gender.choices, blank=True)
    relation = models.CharField(
        "lien avec la personne de référence",
        max_length=20,
        choices=Relation.choices,
        default=Relation.REFERENCE,
    )
    employment = models.CharField(
        "rapport à l'emploi", max_length=20, choices=Employment.choices, blank=True
    )
    # Derived keys for accent-insensitive search and duplicate matching, kept on the row so
    # both run as indexed SQL on PostgreSQL and SQLite alike.
    search_key = models.CharField(max_length=210, editable=False, db_index=True)
    match_key = models.CharField(max_length=210, editable=False, db_index=True)

    class Meta:
        verbose_name = "membre du ménage"
        verbose_name_plural = "membres du ménage"
        ordering = ["position", "pk"]

    def __str__(self):
        return self.full_name

    def save(self, *args, **kwargs):
        # Not business logic: the two keys are pure functions of the name, kept in step here.
        self.refresh_keys()
        super().save(*args, **kwargs)

    def refresh_keys(self):
        self.search_key = normalize_search(f"{self.last_name} {self.first_name}")
        self.match_key = name_match_key(self.last_name, self.first_name)

    @property
    def full_name(self):
        return self.name_of(self.first_name, self.last_name)

    @staticmethod
    def name_of(first_name, last_name):
        return f"{first_name} {last_name.upper()}".strip()

    def age(self, on: date | None = None):
        if not self.birth_date:
            return None
        on = on or timezone.localdate()
        years = on.year - self.birth_date.year
        if (on.month, on.day) < (self.birth_date.month, self.birth_date.day):
            years -= 1
        return years


SOURCE_LABELS = dict(Source.choices)  # as get_source_display: an unknown value shows as is


class HouseholdSource(models.Model):
    """A priority list the household came from, with the list's own reference and decision date."""

    household = models.ForeignKey(Household, on_delete=models.CASCADE, related_name="sources")
    source = models.CharField("liste", max_length=20, choices=Source.choices)
    reference = models.CharField("référence sur la liste", max_length=60)
    decision_date = models.DateField("date de décision", null=True, blank=True)
    row_hash = models.CharField(max_length=64, blank=True, editable=False)
    first_imported_at = models.DateTimeField("importé le", default=timezone.now)
    last_imported_at = models.DateTimeField("dernier import", default=timezone.now)

    class Meta:
        verbose_name = "source"
        ordering = ["first_imported_at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["source", "reference"], name="unique_source_reference")
        ]

    def __str__(self):
        return f"{self.get_source_display()} {self.reference}"

    @staticmethod
    def labels_of(households):
        """{pk: [the names of its lists]} of a page of households, in the order of `sources`
        (first imported first), from one SQL statement of two columns (the households list):
        Django built and compiled the same query on every view of it (0.55 → 0.2 ms,
        docs/performance.md, as `Household._reference_people`)."""
        labels = {h.pk: [] for h in households}
        rows = rows_of_households(
            HouseholdSource, "household_id, source", list(labels), order="first_imported_at, id"
        )
        for household_id, source in rows:
            labels[household_id].append(SOURCE_LABELS.get(source, source))
        return labels


class StatusChange(models.Model):
    household = models.ForeignKey(
        Household, on_delete=models.CASCADE, related_name="status_changes"
    )
    from_status = models.CharField(
        "statut précédent", max_length=30, choices=Status.choices, blank=True
    )
    to_status = models.CharField("nouveau statut", max_length=30, choices=Status.choices)
    at = models.DateTimeField("date", default=timezone.now)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="par",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
    )
    # Who applied it (households.enums.Owner): the owner of the TRANSITIONS edge, or the file's
    # creation, or retention's archiving.
    owner = models.CharField("par la voie de", max_length=20, choices=Owner.choices, blank=True)
    reason = models.TextField("motif", blank=True)
    # Which cellule decision (or other act) this applies, as the cellule names it.
    decision = models.CharField("décision", max_length=200, blank=True)

    class Meta:
        verbose_name = "changement de statut"
        verbose_name_plural = "changements de statut"
        ordering = ["at", "pk"]


class ReferentAssignment(models.Model):
    household = models.ForeignKey(
        Household, on_delete=models.CASCADE, related_name="referent_assignments"
    )
    referent = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    substitute = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    at = models.DateTimeField("date", default=timezone.now)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True
    )
    reason = models.CharField("motif", max_length=250, blank=True)

    class Meta:
        verbose_name = "affectation de référent"
        ordering = ["at", "pk"]


class InformationNotice(models.Model):
    """When and how the household received the information notice on its personal data."""

    household = models.ForeignKey(
        Household, on_delete=models.CASCADE, related_name="information_notices"
    )
    given_on = models.DateField("remise le")
    method = models.CharField("modalité", max_length=20, choices=NoticeMethod.choices)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True
    )
    recorded_at = models.DateTimeField("enregistrée le", default=timezone.now)

    class Meta:
        verbose_name = "notice d'information remise"
        verbose_name_plural = "notices d'information remises"
        ordering = ["-given_on", "-pk"]


class PossibleDuplicateQuerySet(models.QuerySet):
    def open_for(self, household):
        """Unresolved pairs involving `household` (a pk, an instance or an OuterRef)."""
        return self.filter(Q(household=household) | Q(other=household), resolved_at__isnull=True)


class PossibleDuplicate(models.Model):
    """Same name, different birth date: a human decides whether they are one household."""

    household = models.ForeignKey(
        Household, on_delete=models.CASCADE, related_name="possible_duplicates"
    )
    other = models.ForeignKey(Household, on_delete=models.CASCADE, related_name="+")
    reason = models.CharField("motif", max_length=250)
    created_at = models.DateTimeField(default=timezone.now)
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    resolution = models.CharField("décision", max_length=250, blank=True)

    objects = PossibleDuplicateQuerySet.as_manager()

    class Meta:
        verbose_name = "doublon possible"
        verbose_name_plural = "doublons possibles"
        constraints = [
            models.UniqueConstraint(fields=["household", "other"], name="unique_possible_duplicate")
        ]


class ImportBatchQuerySet(models.QuerySet):
    def abandoned(self, now=None):
        """Previews left unconfirmed (or never analysed) for more than IMPORT_PENDING_HOURS."""
        limit = (now or timezone.now()) - timedelta(hours=settings.IMPORT_PENDING_HOURS)
        return self.filter(
            state__in=[ImportBatch.State.PENDING, ImportBatch.State.ANALYSING],
            uploaded_at__lt=limit,
        )

    @transaction.atomic
    def purge_abandoned(self, now=None):
        """Data minimisation: an abandoned preview loses its file (personal data) and its row.

        Nothing of such a batch was ever written to households, so nothing else goes. A batch
        being confirmed at this very moment is locked by the confirmation: it is skipped.
        """
        pks = list(
            self.abandoned(now).select_for_update(skip_locked=True).values_list("pk", flat=True)
        )
        deleted, _ = self.filter(pk__in=pks).delete()
        return deleted


class ImportBatch(models.Model):
    """One uploaded priority list, kept from the upload until it is confirmed or cancelled.

    Nothing is written to households before `confirmed`; the file itself (stored in `content`)
    and the preview of its rows are dropped once the batch is settled (data minimisation), the
    summary stays as the trace of what was done. A batch left pending goes whole after IMPORT_PENDING_HOURS
    (`purge_abandoned`, run by the `households.purge_abandoned_imports` task).

    The analysis (preview) and the confirmation of a file are background jobs
    (households/imports/jobs.py), handed over through the outbox (notifications.OutboxMessage)
    like any other work: the batch says which job is queued or running (its state), whether it
    started and how far it got (`job_started_at`, `progress_*`, written every chunk of rows),
    `error` why it failed, `preview` what the analysis found.
    """

    class State(models.TextChoices):
        ANALYSING = "analysing", "Analyse du fichier en cours"
        PENDING = "pending", "En attente de confirmation"
        CONFIRMING = "confirming", "Enregistrement en cours"
        CONFIRMED = "confirmed", "Confirmé"
        CANCELLED = "cancelled", "Annulé"
        FAILED = "failed", "Échec"

    RUNNING_STATES = (State.ANALYSING, State.CONFIRMING)

    source = models.CharField("liste", max_length=20, choices=Source.choices)
    filename = models.CharField("fichier", max_length=255)
    content = models.BinaryField("contenu du fichier", null=True, blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="déposé par",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    uploaded_at = models.DateTimeField("déposé le", default=timezone.now)
    state = models.CharField(
        "état", max_length=20, choices=State.choices, default=State.PENDING, db_index=True
    )
    settled_at = models.DateTimeField("confirmé ou annulé le", null=True, blank=True)
    summary = models.JSONField("bilan", default=dict, blank=True)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="confirmé par",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    # The background job (analysis or confirmation) of the current state.
    preview = models.JSONField("aperçu", default=dict, blank=True)
    job_started_at = models.DateTimeField("tâche commencée le", null=True, blank=True)
    progress_done = models.PositiveIntegerField("lignes traitées", default=0)
    progress_total = models.PositiveIntegerField("lignes à traiter", default=0)
    error = models.TextField("erreur", blank=True)

    objects = ImportBatchQuerySet.as_manager()

    class Meta:
        verbose_name = "import de liste"
        verbose_name_plural = "imports de listes"
        ordering = ["-uploaded_at", "-pk"]

    def __str__(self):
        return f"{self.get_source_display()} — {self.filename}"

    @property
    def running(self) -> bool:
        return self.state in self.RUNNING_STATES

    @property
    def progress_percent(self) -> int:
        if not self.progress_total:
            return 0
        return min(100, round(100 * self.progress_done / self.progress_total))

    def queue(self, state):
        """Ask for the job of `state` (analysis or confirmation); the caller saves nothing else.
        The job runs once its transaction commits (households/imports/jobs.py `start`)."""
        self.state = state
        self.job_started_at = None
        self.progress_done = self.progress_total = 0
        self.error = ""
        self.save(
            update_fields=["state", "job_started_at", "progress_done", "progress_total", "error"]
        )

    @transaction.atomic
    def preview_ready(self, preview, rows):
        """The analysis of the file's `rows` rows found what confirming would do: the batch
        awaits the user's choice."""
        self.preview = preview
        self.state = self.State.PENDING
        self.progress_done = self.progress_total = rows
        self.save(update_fields=["preview", "state", "progress_done", "progress_total"])

    def confirmed(self, summary, now, rows):
        """The confirmation wrote everything (in the caller's transaction): the file goes."""
        self.state = self.State.CONFIRMED
        self.settled_at = now
        self.content = None  # the file is not kept once its content is in the households
        self.preview = {}  # nor the names its preview listed
        self.summary = summary
        self.progress_done = self.progress_total = rows
        self.save(
            update_fields=[
                "state",
                "settled_at",
                "content",
                "preview",
                "summary",
                "progress_done",
                "progress_total",
            ]
        )

    @transaction.atomic
    def fail(self, message, *, back_to_preview=False):
        """The job failed (nothing of it written): the user reads `message`. With
        `back_to_preview`, the batch awaits confirmation again (a retry may succeed). A batch
        no longer running (another run of the job finished it) is left as it is."""
        if self.state not in self.RUNNING_STATES:
            return
        self.error = message
        if back_to_preview:
            self.state = self.State.PENDING
        else:
            self.state = self.State.FAILED
            self.settled_at = timezone.now()
            self.content = None
            self.preview = {}
        self.save(update_fields=["error", "state", "settled_at", "content", "preview"])

    @transaction.atomic
    def cancel(self):
        self.state = self.State.CANCELLED
        self.settled_at = timezone.now()
        self.content = None
        self.preview = {}
        self.save(update_fields=["state", "settled_at", "content", "preview"])
