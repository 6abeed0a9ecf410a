"""Deterministic demo data: accounts of every role, then each app's own demo data.

Each app that has demo data exposes `<app>.demo.seed(ctx)`, called in pipeline order with a
shared `DemoContext` (same seed → same data); an app's demo may have other phases, run at the
point of the history they belong to (`DEMO_STEPS`: the cellule's level decisions before the
diagnostics, its admissions before the documents and the accompaniments). Running the command twice is harmless: every
`seed` function must be idempotent (the households step does nothing when the demo households
are already there). The periodic jobs (`setup_schedules`) are set up at the end.

Every demo file agrees with its records (docs/pipeline.md, "The demo"): `check_pipeline`
passes on it; the households' histories go through the rules of `Household.move_to` in its
batch form (`move_many`). Timing: 10,000 households on PostgreSQL took 89 s on a quiet machine,
up to 205 s on one loaded by others (README, "Performances"; the requirement is under 2 minutes);
`-v2` prints the time of each step.
"""

import importlib
import random
import time
from dataclasses import dataclass, field

from django.core.management.base import BaseCommand
from django.db import connection, transaction
from django.test.utils import override_settings
from django.utils import timezone

from .run_due_jobs import run_due_jobs
from .setup_schedules import setup_schedules

# (app, function of its demo module), in this order. An app's demo may have phases run at
# the point of the history they belong to: the cellule's inscriptions, agendas and level
# decisions (coordination.demo's `levels`) before the diagnostics; its admissions and
# deferrals, attendance and minutes (`admissions`) after the submitted diagnostics and before
# the documents and the accompaniments of the admitted files; the rest of the cellule's demo
# after them.
DEMO_STEPS = [
    ("accounts", "seed"),
    ("households", "seed"),
    ("coordination", "levels"),
    ("diagnostics", "seed"),
    ("coordination", "admissions"),
    ("housing", "seed"),
    ("accompaniments", "seed"),
    ("coordination", "seed"),
    ("reporting", "seed"),
]


@dataclass
class DemoContext:
    rng: random.Random
    households: int
    now: object
    stdout: object
    users: dict = field(default_factory=dict)  # "ts1" → User, "direction" → User, …
    # household pk → its steps from « accompagné » on, left by households.demo to the
    # accompaniment's owners (accompaniments.demo: begin_many, close_many, then move_many).
    later: dict = field(default_factory=dict)
    # household pk → its steps from the cellule's decision on its submitted diagnostic on
    # (admission, non-admission, « compléments demandés »), left by diagnostics.demo to the
    # cellule (coordination.demo.admissions: record_decisions, a deferral's reopen_many and new
    # submission, then move_many up to « admis », the rest handed to `later`).
    awaiting: dict = field(default_factory=dict)
    # household pk → (the level the cellule decides, its steps from its inscription on an agenda
    # on), left by households.demo at « présélectionné » (coordination.demo.levels:
    # Meeting.add_items, publish_agendas, record_decisions, then move_many up to the
    # submission, the rest handed to `submissions`).
    levels: dict = field(default_factory=dict)
    # household pk → its steps from its diagnostic's submission on, left at « diagnostic en
    # cours » (diagnostics.demo: Diagnostic.submit_many, the cellule's next decision and what
    # follows handed to `awaiting`).
    submissions: dict = field(default_factory=dict)


class Command(BaseCommand):
    help = "Crée des données de démonstration fictives (ménages de Caen, comptes de chaque rôle)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--households", type=int, default=300, help="nombre de ménages fictifs (300)"
        )
        parser.add_argument(
            "--seed", type=int, default=14, help="graine : même graine, mêmes données (14)"
        )

    def handle(self, *args, households, seed, **options):
        started = time.monotonic()
        ctx = DemoContext(
            rng=random.Random(seed), households=households, now=timezone.now(), stdout=self.stdout
        )
        for app, function in DEMO_STEPS:
            try:
                module = importlib.import_module(f"{app}.demo")
            except ModuleNotFoundError as exc:
                if exc.name != f"{app}.demo":
                    raise
                continue
            step = time.monotonic()
            with transaction.atomic():
                getattr(module, function)(ctx)
            if options["verbosity"] > 1:
                self.stdout.write(f"  {app}.{function} : {time.monotonic() - step:.1f} s")
        step = time.monotonic()
        setup_schedules()
        self.seed_notifications(ctx)
        if options["verbosity"] > 1:
            self.stdout.write(f"  notifications : {time.monotonic() - step:.1f} s")
        self.refresh_statistics()
        self.stdout.write(
            self.style.SUCCESS(
                f"Données de démonstration prêtes en {time.monotonic() - started:.1f} s."
            )
        )

    def refresh_statistics(self):
        """VACUUM ANALYZE on PostgreSQL: the planner's statistics and the visibility map its
        index-only scans need, as autovacuum keeps them in service (it may be off on a
        development server), so a fresh demo is planned, and measured (`make bench`), as a
        database in use. Not inside a transaction (tests), where PostgreSQL refuses it."""
        if connection.vendor == "postgresql" and not connection.in_atomic_block:
            with connection.cursor() as cursor:
                cursor.execute("VACUUM ANALYZE")

    def seed_notifications(self, ctx):
        """Today's reminders, created by the jobs themselves, then put in every state. Their
        mails are kept in memory: a demo of 300 households would print hundreds to the console."""
        from notifications import demo

        with transaction.atomic():
            demo.preferences(ctx)
        with override_settings(EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend"):
            run_due_jobs()
        with transaction.atomic():
            demo.seed(ctx)
