"""What an import would do (the preview) and doing it (the confirmation).

`build_plan` reads the database only; `ImportPlan.apply` writes everything in one transaction.
Rules (docs/imports.md):
- natural key: list + the list's reference. A known reference whose row changed updates its
  household in place (values given in the row replace the stored ones; empty cells erase
  nothing); an identical row is left alone.
- a new reference joins an existing household when the SNE number matches, else when a member
  has the same last name, first name (ignoring accents, case, hyphens, spaces) and birth date:
  the household gains a source and only its empty fields are filled.
- same names with another (or no) birth date: a new household, plus a `PossibleDuplicate`
  for a human to decide.
- a row that would write to a household the importing user may not change (a letting officer
  and a household past preselection, docs/access.md) is rejected with its reason; the rest imports.
"""

import itertools
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import prefetch_related_objects
from django.utils import timezone

from accounts import policy
from audit.models import Action, log, log_each
from caen_accompagnement.bulk import insert_all
from households.enums import Gender, Public, Relation, Source, Status
from households.models import (
    Household,
    HouseholdSource,
    ImportBatch,
    Person,
    PossibleDuplicate,
)
from households.text import normalize_name

from .reading import open_table
from .rows import ListRow, RejectedRow, read_rows

# Rows planned and written together: the database is asked about them in a fixed number of
# queries (sources by reference, households by SNE number, members by name) and written in one
# statement per kind of record. Memory holds one chunk, not the file.
CHUNK_ROWS = 1000
# Rows of each kind the preview (and the result page) lists; the counts cover every row.
SHOWN = 500

CREATE, MERGE, UPDATE, UNCHANGED = "create", "merge", "update", "unchanged"
ACTION_LABELS = {
    CREATE: "Nouveau ménage",
    MERGE: "Rattaché à un ménage existant",
    UPDATE: "Mis à jour",
    UNCHANGED: "Inchangé",
}

# Household fields a row may set: (ListRow attribute, model field, French label).
HOUSEHOLD_FIELDS = [
    ("public", "public", "public"),
    ("sne_number", "sne_number", "numéro unique"),
    ("declared_size", "declared_size", "nombre de personnes"),
    ("accommodation", "accommodation", "hébergement"),
    ("has_codesi_social_report", "has_codesi_social_report", "rapport social CODESI"),
    ("phone", "phone", "téléphone"),
    ("observations", "observations", "observations"),
    ("tenant_account", "tenant_account", "compte locataire"),
    ("rent_debt", "rent_debt", "dette"),
    ("months_unpaid", "months_unpaid", "mois d'impayés"),
]
PERSON_FIELDS = [
    ("last_name", "last_name", "nom"),
    ("first_name", "first_name", "prénom"),
    ("birth_date", "birth_date", "date de naissance"),
    ("gender", "gender", "sexe"),
]


def _display(attribute, value):
    if value in (None, ""):
        return "—"
    if attribute == "public":
        return Public(value).label
    if attribute == "gender":
        return Gender(value).label
    if attribute in ("birth_date", "decision_date"):
        return value.strftime("%d/%m/%Y")
    if attribute == "has_codesi_social_report":
        return "oui" if value else "non"
    if attribute == "rent_debt":
        return f"{value:,.2f} €".replace(",", " ").replace(".", ",")
    return str(value)


@dataclass
class Change:
    attribute: str
    label: str
    old: object
    new: object

    @property
    def text(self):
        return f"{self.label} : {_display(self.attribute, self.old)} → {_display(self.attribute, self.new)}"


@dataclass
class PlannedRow:
    row: ListRow
    action: str
    household: Household | None = None  # the existing household (merge, update, unchanged)
    source_row: HouseholdSource | None = None  # update, unchanged
    into: "PlannedRow | None" = None  # merge into a household created earlier in this file
    changes: list[Change] = field(default_factory=list)
    person_changes: list[Change] = field(default_factory=list)
    duplicates: list[Household] = field(default_factory=list)
    duplicates_pending: list["PlannedRow"] = field(default_factory=list)
    created: Household | None = None  # set by apply
    person: Person | None = None  # the member a name match found (else the reference person)

    @property
    def action_label(self):
        return ACTION_LABELS[self.action]

    @property
    def public_label(self):
        return _display("public", self.row.public)

    @property
    def public_to_qualify(self) -> bool:
        """No public column and an accommodation that does not tell it (docs/imports.md)."""
        return self.row.public == Public.TO_QUALIFY

    @property
    def target_label(self) -> str:
        if self.household:
            return self.household.reference
        if self.into:
            return f"ménage de la ligne {self.into.row.line}"
        return ""

    @property
    def duplicate_labels(self) -> list[str]:
        labels = [
            f"{h.reference} ({h.display_name}, né(e) le {_display('birth_date', _birth_of(h))})"
            for h in self.duplicates
        ]
        labels += [
            f"ménage de la ligne {p.row.line} ({p.row.full_name or self.row.full_name}, né(e) le "
            f"{_display('birth_date', p.row.birth_date)})"
            for p in self.duplicates_pending
        ]
        return labels


def _birth_of(household):
    person = household.reference_person
    return person.birth_date if person else None


@dataclass
class ImportPlan:
    source: str
    filename: str
    planned: list[PlannedRow]
    rejected: list[RejectedRow]
    ignored_columns: list[str]
    table_description: str = ""

    def of(self, action):
        return [p for p in self.planned if p.action == action]

    @property
    def counts(self):
        return {
            CREATE: len(self.of(CREATE)),
            MERGE: len(self.of(MERGE)),
            UPDATE: len(self.of(UPDATE)),
            UNCHANGED: len(self.of(UNCHANGED)),
        }

    def stored_households(self) -> list[Household]:
        """The households already in the database that the preview shows."""
        found = [p.household for p in self.planned if p.household is not None]
        return found + [h for p in self.planned for h in p.duplicates]

    @property
    def flagged(self):
        return [p for p in self.planned if p.duplicates or p.duplicates_pending]

    def summary(self) -> dict:
        """The shape printed by `import_list --json`."""
        counts = self.counts
        return {
            "created": counts[CREATE],
            "merged": counts[MERGE],
            "updated": counts[UPDATE],
            "unchanged": counts[UNCHANGED],
            "rejected": [{"line": r.line, "errors": r.errors} for r in self.rejected],
        }

    # --- writing ----------------------------------------------------------------------
    @transaction.atomic
    def apply(self, *, by=None, request=None, batch=None) -> ImportBatch:
        """Write the plan; returns the (confirmed) batch, created when none is given."""
        now = timezone.now()
        if batch is None:
            batch = ImportBatch.objects.create(
                source=self.source, filename=self.filename[:255], uploaded_by=by
            )
        writer = _Writer(self.source, self.filename, by, request, now)
        tally = Tally(self.table_description, self.ignored_columns)
        for start in range(0, len(self.planned), CHUNK_ROWS):
            chunk = self.planned[start : start + CHUNK_ROWS]
            writer.write(chunk)
            tally.add(chunk, [])
        tally.add([], self.rejected)
        writer.close(batch, tally)
        return batch


class _Writer:
    """Writes planned rows a chunk at a time, each kind of record in one statement per chunk
    (creations, sources, first history rows, possible duplicates, audit entries), through the
    owners' batch forms (`Household.record_creations`, `audit.log_each`)."""

    def __init__(self, source, filename, by, request, now):
        self.source, self.filename, self.by, self.request, self.now = (
            source,
            filename,
            by,
            request,
            now,
        )
        self.label = Source(source).label
        self.done: list[dict] = []  # the first SHOWN households, for the result page

    def write(self, chunk: list[PlannedRow]):
        creates = [p for p in chunk if p.action == CREATE]
        merges = [p for p in chunk if p.action == MERGE]
        updates = [p for p in chunk if p.action == UPDATE]
        self._create(creates)
        changed_households, changed_persons, new_persons = [], [], []
        merge_targets = [p.into.created for p in merges if p.into]
        prefetch_related_objects([h for h in merge_targets if h is not None], "members")
        sources = [self._source(p.household or p.created, p.row) for p in creates]
        for planned in merges:
            household = planned.household or planned.into.created
            if planned.into:  # planned against a row of this file: compute against what it wrote
                planned.changes, planned.person_changes = _fill_blanks(household, planned.row)
            _stage_changes(household, planned, changed_households, changed_persons, new_persons)
            sources.append(self._source(household, planned.row))
        source_rows = []
        for planned in updates:
            _stage_changes(
                planned.household, planned, changed_households, changed_persons, new_persons
            )
            source_row = planned.source_row
            source_row.decision_date = planned.row.decision_date or source_row.decision_date
            source_row.row_hash = planned.row.digest()
            source_row.last_imported_at = self.now
            source_rows.append(source_row)
        _save_grouped(Household, changed_households, ["version", "updated_at"], self.now)
        _save_grouped(Person, changed_persons, ["search_key", "match_key"])
        insert_all(Person, new_persons)
        insert_all(HouseholdSource, sources)
        HouseholdSource.objects.bulk_update(
            source_rows, ["decision_date", "row_hash", "last_imported_at"]
        )
        entries = []
        for planned in chunk:
            if planned.action == UNCHANGED:
                continue
            household = planned.created or planned.household or planned.into.created
            entries.append(
                (
                    household,
                    household,
                    f"Import {self.label} « {self.filename} », ligne {planned.row.line} : "
                    f"{planned.action_label.lower()}",
                )
            )
            if len(self.done) < SHOWN:
                self.done.append(
                    {
                        "line": planned.row.line,
                        "action": planned.action,
                        "household": household.pk,
                        "reference": household.reference,
                        "name": planned.row.full_name,
                        "flagged": bool(planned.duplicates or planned.duplicates_pending),
                    }
                )
        log_each(self.request, Action.IMPORT, entries, actor=self.by)
        for planned in creates:
            # Household ⇄ member: a reference cycle the collector would free late; memory
            # holds one chunk only if it goes now.
            planned.created._prefetched_objects_cache = {}

    def _create(self, creates):
        households = []
        for planned in creates:
            household = Household(
                status=Status.PRESELECTED, status_changed_at=self.now, created_at=self.now
            )
            for attribute, model_field, _ in HOUSEHOLD_FIELDS:
                value = getattr(planned.row, attribute)
                if value is not None:
                    setattr(household, model_field, value)
            households.append(household)
        insert_all(Household, households)
        persons = []
        for planned, household in zip(creates, households, strict=True):
            row = planned.row
            person = Person(
                household=household,
                position=0,
                relation=Relation.REFERENCE,
                last_name=row.last_name,
                first_name=row.first_name,
                birth_date=row.birth_date,
                gender=row.gender or "",
            )
            person.refresh_keys()  # what Person.save does, bulk_create does not call it
            persons.append(person)
            household._prefetched_objects_cache = {}
            planned.created = household
        insert_all(Person, persons)
        for household, person in zip(households, persons, strict=True):
            # Later rows merging into this household read its members without a query.
            household._prefetched_objects_cache["members"] = _Members([person])
        # The initial history rows: where the file comes from and who brought it in.
        Household.record_creations(
            households,
            by=self.by,
            at=self.now,
            reasons=[
                f"Import de la liste {self.label} (« {self.filename} », ligne {p.row.line}, "
                f"référence {p.row.reference})"
                for p in creates
            ],
        )
        duplicates = []
        for planned in creates:
            row = planned.row
            for other in planned.duplicates + [p.created for p in planned.duplicates_pending]:
                duplicates.append(
                    PossibleDuplicate(
                        household=planned.created,
                        other=other,
                        reason=f"Même nom et prénom que {other.reference}, date de naissance "
                        f"différente ou absente (import {self.label}, ligne {row.line})",
                    )
                )
        PossibleDuplicate.objects.bulk_create(duplicates, ignore_conflicts=True)

    def _source(self, household, row):
        return HouseholdSource(
            household=household,
            source=self.source,
            reference=row.reference,
            decision_date=row.decision_date,
            row_hash=row.digest(),
            first_imported_at=self.now,
            last_imported_at=self.now,
        )

    def close(self, batch, tally):
        """The batch is confirmed with its summary; the import itself goes to the audit log."""
        summary = {**tally.summary(), "households": self.done}
        batch.confirmed(summary, self.now, tally.read)
        log(
            self.request,
            Action.IMPORT,
            batch,
            actor=self.by,
            label=f"Import {self.label} « {self.filename} » : {summary['created']} créé(s), "
            f"{summary['merged']} rattaché(s), {summary['updated']} mis à jour, "
            f"{summary['unchanged']} inchangé(s), {len(summary['rejected'])} rejeté(s)",
        )
        return summary


class _Members(list):
    """A stand-in for a prefetched `members` queryset (what `members.all()` returns)."""

    def all(self):
        return self

    def _fetch_all(self):
        pass


def _stage_changes(household, planned, changed_households, changed_persons, new_persons):
    """Apply a row's changes to the instances in memory; the caller saves them in bulk."""
    fields = [c.attribute for c in planned.changes if c.attribute != "decision_date"]
    for change in planned.changes:
        if change.attribute != "decision_date":
            setattr(household, change.attribute, change.new)
    if fields:
        household.version += 1
        changed_households.append((household, tuple(fields)))
    if planned.person_changes:
        person = planned.person or household.reference_person
        is_new = person is None
        if is_new:
            person = Person(household=household, relation=Relation.REFERENCE)
        for change in planned.person_changes:
            setattr(person, change.attribute, change.new)
        person.refresh_keys()
        if is_new or person.pk is None:
            if all(p is not person for p in new_persons):
                new_persons.append(person)
        else:
            changed_persons.append((person, tuple(c.attribute for c in planned.person_changes)))


def _save_grouped(model, changed, extra_fields, now=None):
    """`bulk_update` of (instance, changed fields) pairs, one statement per set of fields."""
    groups: dict[tuple, dict[int, object]] = {}
    for instance, fields in changed:
        groups.setdefault(tuple(sorted(fields)), {})[id(instance)] = instance
    for fields, instances in groups.items():
        if now is not None:
            for instance in instances.values():
                instance.updated_at = now  # auto_now: bulk_update does not set it
        model.objects.bulk_update(list(instances.values()), [*fields, *extra_fields])


def _fill_blanks(household, row, person=None):
    """A merge: the household keeps what it has and gains what it lacked; the row's person is
    `person` (the member its name matched) or else the reference person."""
    changes = []
    for attribute, model_field, label in HOUSEHOLD_FIELDS:
        new, old = getattr(row, attribute), getattr(household, model_field)
        if attribute == "public" or new is None:
            continue  # one public per household: the first list decided it
        if attribute == "has_codesi_social_report":
            if new and not old:
                changes.append(Change(model_field, label, old, new))
        elif old in (None, ""):
            changes.append(Change(model_field, label, old, new))
    person_changes = []
    person = person or household.reference_person
    for attribute, model_field, label in PERSON_FIELDS[2:]:
        new = getattr(row, attribute)
        old = getattr(person, model_field) if person else None
        if new is not None and old in (None, ""):
            person_changes.append(Change(model_field, label, old, new))
    return changes, person_changes


def _overwrite(household, row, source_row):
    """An update: what the row now says replaces what is stored; empty cells erase nothing.

    A list that joined an existing household (a merge: the household was there before this
    list's row) does not replace what was decided before it: the public, and the spelling of
    names that are the same but for accents and case.
    The row's person is the member with its name; else, for the first list only, the reference
    person (a corrected name). Returns (changes, person changes, that person).
    """
    joined_later = household.created_at < source_row.first_imported_at
    changes = []
    for attribute, model_field, label in HOUSEHOLD_FIELDS:
        new, old = getattr(row, attribute), getattr(household, model_field)
        if attribute == "public" and joined_later:
            continue
        if new is not None and new != old:
            changes.append(Change(model_field, label, old, new))
    if row.decision_date and row.decision_date != source_row.decision_date:
        changes.append(
            Change("decision_date", "date de décision", source_row.decision_date, row.decision_date)
        )
    person_changes = []
    person = next((p for p in household.members_list if p.match_key == row.match_key), None)
    if person is None and joined_later:
        return changes, person_changes, None
    person = person or household.reference_person
    for attribute, model_field, label in PERSON_FIELDS:
        new = getattr(row, attribute)
        old = getattr(person, model_field) if person else None
        if (
            joined_later
            and attribute in ("last_name", "first_name")
            and normalize_name(new) == normalize_name(old or "")
        ):
            continue
        if new not in (None, "") and new != old:
            person_changes.append(Change(model_field, label, old, new))
    return changes, person_changes, person


def build_plan(content: bytes, filename: str, source: str, user=None) -> ImportPlan:
    """Read the file and decide, row by row, what confirming it would do. Reads only.

    With `user` (the web import), rows that would write to a household outside the user's
    "household.change" scope are rejected; without (the command line), every row may write.
    The whole plan, in memory: for a file of any size, `analyse` and `confirm` go by chunks.
    """
    planner = Planner(content, filename, source, user)
    planned: list[PlannedRow] = []
    rejected: list[RejectedRow] = []
    for _count, chunk, chunk_rejected in planner.chunks(keep=True):
        planned += chunk
        rejected += chunk_rejected
    rejected.sort(key=lambda r: r.line)
    return ImportPlan(source, filename, planned, rejected, planner.ignored, planner.description)


class Planner:
    """The file's rows planned CHUNK_ROWS at a time (the header is read and checked at once:
    ImportFileError when the file is not a table, or later from `chunks` when a line is)."""

    def __init__(self, content: bytes, filename: str, source: str, user=None):
        table = open_table(content, filename)
        self.rows, self.ignored = read_rows(table, source, filename)
        self.description = table.description
        self.filename, self.source, self.user = filename, source, user

    def chunks(self, *, writing=False, keep=False):
        """Yield (rows read, PlannedRows, RejectedRows) for each chunk.

        `writing`: the caller writes each chunk before asking for the next, so later chunks find
        its households in the database. Otherwise the households earlier chunks would create are
        remembered, reduced to what later rows compare (unless `keep`: the whole plan is kept).
        """
        pending = _Pending()
        while True:
            read = list(itertools.islice(self.rows, CHUNK_ROWS))
            if not read:
                return
            rows = [r for r in read if isinstance(r, ListRow)]
            rejected = [r for r in read if not isinstance(r, ListRow)]
            known = _Known.load(rows, self.source)
            planned: list[PlannedRow] = []
            for row in rows:
                outcome = _plan_row(row, known, pending)
                if isinstance(outcome, RejectedRow):
                    rejected.append(outcome)
                else:
                    planned.append(outcome)
            if self.user is not None:
                planned = _keep_in_scope(planned, self.user, rejected)
            rejected.sort(key=lambda r: r.line)
            yield len(read), planned, rejected
            if writing:
                pending = _Pending()
            elif not keep:
                pending.lighten()


def _noop(done):
    pass


def analyse(content, filename, source, user=None, progress=_noop) -> "Tally":
    """The preview of a file of any size: what confirming would do, counted, with the first
    SHOWN rows of each kind. Reads only; `progress(rows read)` after each chunk."""
    planner = Planner(content, filename, source, user)
    tally = Tally(planner.description, planner.ignored)
    done = 0
    for count, planned, rejected in planner.chunks():
        tally.add(planned, rejected)
        done += count
        progress(done)
    return tally


@transaction.atomic
def confirm(
    content, filename, source, *, user=None, by=None, request=None, batch=None, progress=_noop
) -> ImportBatch:
    """Plan and write a file of any size, chunk by chunk, in one transaction (all or nothing),
    against the database of this moment. Returns the confirmed batch (created when none)."""
    planner = Planner(content, filename, source, user)
    tally = Tally(planner.description, planner.ignored)
    writer = _Writer(source, filename, by, request, timezone.now())
    done = 0
    for count, planned, rejected in planner.chunks(writing=True):
        writer.write(planned)
        tally.add(planned, rejected)
        done += count
        progress(done)
    if batch is None:
        batch = ImportBatch.objects.create(source=source, filename=filename[:255], uploaded_by=by)
    writer.close(batch, tally)
    tally.batch = batch
    return tally


def count_rows(content: bytes, filename: str) -> int:
    """Rows of the file (blank lines skipped), for the progress bar: one quick read."""
    return sum(1 for _ in open_table(content, filename).rows)


class Tally:
    """What an import found (or did), gathered chunk by chunk in bounded memory: the counts,
    the first SHOWN rows of each kind as the preview shows them, every rejected row."""

    def __init__(self, description="", ignored=()):
        self.description, self.ignored = description, list(ignored)
        self.counts = dict.fromkeys((CREATE, MERGE, UPDATE, UNCHANGED), 0)
        self.shown: dict[str, list[dict]] = {action: [] for action in self.counts}
        self.rejected: list[RejectedRow] = []
        self.flagged = 0
        self.viewed: dict[int, None] = {}  # stored households the shown rows show
        self.read = 0  # rows read

    def add(self, planned, rejected):
        self.read += len(planned) + len(rejected)
        for p in planned:
            self.counts[p.action] += 1
            if p.duplicates or p.duplicates_pending:
                self.flagged += 1
            if len(self.shown[p.action]) < SHOWN:
                self.shown[p.action].append(_preview_row(p))
                if p.household is not None:
                    self.viewed[p.household.pk] = None
                self.viewed.update(dict.fromkeys(h.pk for h in p.duplicates))
        self.rejected.extend(rejected)

    def summary(self) -> dict:
        """The shape printed by `import_list --json` (and kept on a confirmed batch)."""
        return {
            "created": self.counts[CREATE],
            "merged": self.counts[MERGE],
            "updated": self.counts[UPDATE],
            "unchanged": self.counts[UNCHANGED],
            "rejected": [{"line": r.line, "errors": r.errors} for r in self.rejected],
            "flagged": self.flagged,
        }

    def preview(self) -> dict:
        """What the preview page shows, stored on the batch (JSON)."""
        return {
            "description": self.description,
            "ignored": self.ignored,
            "counts": self.counts,
            "rows": self.shown,
            "rejected": [
                {"line": r.line, "reference": r.reference, "name": r.name, "errors": r.errors}
                for r in sorted(self.rejected, key=lambda r: r.line)[:SHOWN]
            ],
            "rejected_count": len(self.rejected),
            "flagged": self.flagged,
            "viewed": list(self.viewed),
        }


def _preview_row(planned: "PlannedRow") -> dict:
    row = planned.row
    return {
        "line": row.line,
        "reference": row.reference,
        "name": row.full_name,
        "birth_date": row.birth_date.strftime("%d/%m/%Y") if row.birth_date else "",
        "public": planned.public_label,
        "to_qualify": planned.public_to_qualify,
        "accommodation": row.accommodation or "",
        "target": planned.target_label,
        "details": [c.text for c in planned.changes + planned.person_changes],
        "duplicates": planned.duplicate_labels,
    }


@dataclass
class _Known:
    """What the database already holds about the file's rows, loaded in a fixed number of
    queries: sources by reference (of this list), households by SNE number, members by name."""

    sources: dict[str, HouseholdSource]
    by_sne: dict[str, Household]
    by_name: dict[str, list[Person]]

    @classmethod
    def load(cls, rows, source):
        sources = {
            s.reference: s
            for s in HouseholdSource.objects.filter(
                source=source, reference__in=[r.reference for r in rows]
            ).select_related("household")
        }
        snes = {r.sne_number for r in rows if r.sne_number}
        by_sne = {h.sne_number: h for h in Household.objects.filter(sne_number__in=snes)}
        by_name: dict[str, list[Person]] = {}
        for person in Person.objects.filter(
            match_key__in={r.match_key for r in rows}
        ).select_related("household"):
            by_name.setdefault(person.match_key, []).append(person)
        # One prefetch of members for every household the plan will show or diff.
        households = {s.household_id: s.household for s in sources.values()}
        households.update({h.pk: h for h in by_sne.values()})
        for persons in by_name.values():
            households.update({p.household_id: p.household for p in persons})
        prefetch_related_objects(list(households.values()), "members")
        for source_row in sources.values():
            source_row.household = households[source_row.household_id]
        by_sne = {sne: households[h.pk] for sne, h in by_sne.items()}
        for persons in by_name.values():
            for person in persons:
                person.household = households[person.household_id]
        return cls(sources, by_sne, by_name)


class _ByHash(dict):
    """A dict keyed by the hash of its text keys: a file's worth of keys costs a few bytes
    each, not the text (two different names or numbers sharing a 64-bit hash: not in a file
    of 20,000 rows)."""

    def __getitem__(self, key):
        return super().__getitem__(hash(key))

    def __setitem__(self, key, value):
        super().__setitem__(hash(key), value)

    def __contains__(self, key):
        return super().__contains__(hash(key))

    def get(self, key, default=None):
        return super().get(hash(key), default)

    def setdefault(self, key, default=None):
        return super().setdefault(hash(key), default)


@dataclass
class _Pending:
    """The households earlier rows of the same file will create, by SNE number and by name."""

    by_sne: _ByHash = field(default_factory=_ByHash)
    by_name: _ByHash = field(default_factory=_ByHash)

    def lighten(self):
        """Keep of each planned creation only what later rows compare and show."""
        light = {}

        def reduced(planned):
            if isinstance(planned, _Created):
                return planned
            if id(planned) not in light:
                row = planned.row
                light[id(planned)] = _Created(row.line, row.birth_date, bool(row.sne_number))
            return light[id(planned)]

        for hashed, planned in dict.items(self.by_sne):
            dict.__setitem__(self.by_sne, hashed, reduced(planned))
        for hashed, planned_rows in dict.items(self.by_name):
            dict.__setitem__(self.by_name, hashed, [reduced(p) for p in planned_rows])


@dataclass(slots=True)
class _Created:
    """A household an earlier chunk of the file would create, as later rows see it: both the
    planned row (`into`, `duplicates_pending`) and its row (`.row`). Its name is the later
    row's (the same name, but for accents and case: that is how it was found)."""

    line: int
    birth_date: object
    sne_number: bool
    full_name: str = ""

    @property
    def row(self):
        return self


def _plan_row(row, known: _Known, pending: _Pending) -> "PlannedRow | RejectedRow":
    """One row's fate: a known reference updates its household; a new one merges into a
    household found by SNE number or by name and birth date (known, or created by an earlier
    row), else creates one."""
    source_row = known.sources.get(row.reference)
    if source_row is not None:
        return _plan_known_reference(row, source_row, known, pending)
    if row.sne_number and row.sne_number in known.by_sne:
        household = known.by_sne[row.sne_number]
        changes, person_changes = _fill_blanks(household, row)
        return PlannedRow(row, MERGE, household, None, None, changes, person_changes)
    if row.sne_number and row.sne_number in pending.by_sne:
        return PlannedRow(row, MERGE, into=pending.by_sne[row.sne_number])
    homonyms = known.by_name.get(row.match_key, [])
    same = [
        p
        for p in homonyms
        if row.birth_date
        and p.birth_date == row.birth_date
        and not (row.sne_number and p.household.sne_number)  # two SNE numbers: two people
    ]
    if same:
        match = min(same, key=lambda p: p.household_id)
        household = match.household
        changes, person_changes = _fill_blanks(household, row, match)
        return PlannedRow(row, MERGE, household, None, None, changes, person_changes, person=match)
    same_new = [
        p
        for p in pending.by_name.get(row.match_key, [])
        if row.birth_date
        and p.row.birth_date == row.birth_date
        and not (row.sne_number and p.row.sne_number)
    ]
    if same_new:
        return PlannedRow(row, MERGE, into=same_new[0])
    return _plan_create(row, homonyms, pending)


def _plan_known_reference(row, source_row, known: _Known, pending: _Pending):
    household = source_row.household
    owner = known.by_sne.get(row.sne_number) if row.sne_number else None
    if row.sne_number and (
        (owner is not None and owner.pk != household.pk) or row.sne_number in pending.by_sne
    ):
        return _sne_taken(row, owner)
    if source_row.row_hash == row.digest():
        return PlannedRow(row, UNCHANGED, household, source_row)
    changes, person_changes, person = _overwrite(household, row, source_row)
    action = UPDATE if changes or person_changes else UNCHANGED
    return PlannedRow(
        row, action, household, source_row, None, changes, person_changes, person=person
    )


def _plan_create(row, homonyms, pending: _Pending):
    """A new household, flagged as a possible duplicate of every homonym's household."""
    create = PlannedRow(row, CREATE)
    seen = set()
    for person in homonyms:
        if person.household_id not in seen:
            seen.add(person.household_id)
            create.duplicates.append(person.household)
    create.duplicates_pending = list(pending.by_name.get(row.match_key, []))
    if row.sne_number:
        pending.by_sne[row.sne_number] = create
    pending.by_name.setdefault(row.match_key, []).append(create)
    return create


def _keep_in_scope(planned, user, rejected):
    """Rows that would write to a household the user may not change move to `rejected`."""
    allowed = []
    for planned_row in planned:
        household = planned_row.household
        if (
            planned_row.action in (MERGE, UPDATE)
            and household is not None
            and not policy.can(user, "household.change", household)
        ):
            rejected.append(_out_of_scope(planned_row.row, household))
        else:
            allowed.append(planned_row)
    return allowed


def _sne_taken(row, owner):
    where = owner.reference if owner is not None else "créé par une autre ligne du fichier"
    return RejectedRow(
        row.line,
        [
            f"Ligne {row.line}, colonne « numero_unique » : le numéro unique {row.sne_number} "
            f"est déjà celui d'un autre ménage ({where})."
        ],
        row.reference,
        row.full_name,
    )


def _out_of_scope(row, household):
    return RejectedRow(
        row.line,
        [
            f"Ligne {row.line} : ce ménage est déjà connu ({household.reference}) et n'est plus "
            f"en présélection (statut « {household.get_status_display()} ») ; vous ne pouvez "
            "plus modifier son identité. La ligne n'est pas importée : la direction du CCAS "
            "peut l'importer."
        ],
        row.reference,
        row.full_name,
    )
