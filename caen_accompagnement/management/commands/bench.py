"""Query counts and response times of the list pages on a large data set (`make bench`).

Works on the *current* database (DATABASE_URL, else the SQLite file): it first tops it up with
`seed_demo --households N` (fictitious households, bulk inserts, nothing created when they are
already there), then requests each list page of the project that exists in this build with
Django's test client, logged in as a user of the role that page is for, and prints for each:
SQL queries per request, median and 95th-percentile time over `--repeat` requests, rows shown and
rows in total. Use it on a development or demo database, never on production data (it refuses a
database holding households that are not demo households unless `--force`).
"""

import math
import statistics
import time
import warnings

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.db.models import QuerySet
from django.test import Client
from django.test.utils import CaptureQueriesContext, setup_test_environment
from django.urls import NoReverseMatch, URLResolver, get_resolver, reverse

from accounts.demo import email_of
from accounts.models import User
from households.demo import existing_numbers
from households.models import Household

# (URL name, demo account, query string): the list pages, each as the role whose work it is.
PAGES = [
    ("households:list", "direction", ""),
    ("households:list", "location", ""),
    ("households:list", "ts1", "q=mar"),
    ("diagnostics:list", "direction", ""),
    ("diagnostics:list", "ts1", ""),
    ("accompaniments:caseload", "ts1", ""),
    ("accompaniments:caseload", "direction", ""),
    ("accompaniments:signals", "gestion", ""),
    ("accompaniments:signals", "direction", ""),
    ("accompaniments:surveys", "ts1", ""),
    ("housing:dwelling_list", "location", ""),
    ("housing:letting_board", "location", ""),
    ("coordination:list", "cellule", ""),
    ("audit:list", "direction", ""),
]
# Other list pages found in the URLconf (names "list", "caseload" or "…_list" without
# parameters) are measured too, as the account of their app.
ACCOUNT_OF_APP = {
    "households": "direction",
    "diagnostics": "direction",
    "accompaniments": "ts1",
    "housing": "location",
    "coordination": "cellule",
    "reporting": "direction",
    "audit": "direction",
}


def list_pages():
    """Every list page of the URLconf as (URL name, account, query), the PAGES ones first."""
    found = []

    def walk(patterns, namespaces):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                inner = namespaces + [pattern.namespace] if pattern.namespace else namespaces
                if not pattern.pattern.converters:
                    walk(pattern.url_patterns, inner)
            elif pattern.name and namespaces and not pattern.pattern.converters:
                name = pattern.name
                if name in ("list", "caseload") or name.endswith("_list"):
                    found.append((":".join(namespaces + [name]), namespaces[0]))

    walk(get_resolver().url_patterns, [])
    pages = list(PAGES)
    known = {name for name, _account, _query in PAGES}
    for name, app in found:
        if name not in known and app in ACCOUNT_OF_APP:
            pages.append((name, ACCOUNT_OF_APP[app], ""))
            known.add(name)
    return pages


def rows_of(context):
    """(rows shown, rows in total) from the template context: its pages, else its longest list."""
    if context is None:
        return None, None
    values = {}
    for ctx in context if isinstance(context, list) else [context]:
        values.update(ctx.flatten())
    # Its pages (a work list of several sections has one per section): rows shown and in total.
    pages = {
        id(value): value
        for value in values.values()
        if hasattr(value, "paginator") and hasattr(value, "object_list")
    }
    if pages:
        shown = sum(len(page.object_list) for page in pages.values())
        return shown, sum(page.paginator.count for page in pages.values())
    # Query sets the template went through (a work list of several sections): their rows.
    evaluated = [
        value._result_cache
        for value in values.values()
        if isinstance(value, QuerySet) and value._result_cache is not None
    ]
    if evaluated:
        return sum(len(rows) for rows in evaluated), None
    lists = [value for value in values.values() if isinstance(value, list | tuple)]
    if lists:
        return max(len(value) for value in lists), None
    return None, None


class Command(BaseCommand):
    help = (
        "Mesure les pages de liste (requêtes SQL, temps médian et p95) sur un gros jeu de données."
    )

    def add_arguments(self, parser):
        parser.add_argument("--households", type=int, default=10_000)
        parser.add_argument("--repeat", type=int, default=20)
        parser.add_argument("--seed", type=int, default=14)
        parser.add_argument(
            "--force", action="store_true", help="accepter une base contenant de vrais ménages"
        )

    def handle(self, *args, households, repeat, seed, force, **options):
        demo = len(existing_numbers())
        total = Household.objects.count()
        if total > demo and not force:
            raise CommandError(
                f"La base contient {total - demo} ménage(s) qui ne sont pas des données de "
                "démonstration : le banc d'essai n'y ajoute rien sans --force."
            )
        started = time.monotonic()
        call_command("seed_demo", households=households, seed=seed, stdout=self.stdout)
        self.stdout.write(
            f"Jeu de données : {Household.objects.count()} ménages "
            f"(préparation {time.monotonic() - started:.1f} s), base "
            f"{connection.vendor}, {repeat} requêtes par page.\n"
        )

        try:
            setup_test_environment()  # the test client records template contexts
        except RuntimeError:  # already done (under pytest)
            pass
        warnings.filterwarnings("ignore", "No directory at", UserWarning)  # no collectstatic
        header = f"{'page':<42} {'compte':<12} {'statut':>6} {'requêtes':>8} {'médiane':>9} {'p95':>9} {'lignes':>14}"
        self.stdout.write(header)
        self.stdout.write("-" * len(header))
        for name, account, query in list_pages():
            try:
                url = reverse(name)
            except NoReverseMatch:
                continue
            if query:
                url = f"{url}?{query}"
            user = User.objects.filter(email=email_of(account)).first()
            client = Client()
            client.force_login(user)
            response = client.get(url, secure=True)  # warm-up (templates, caches)
            timings, queries = [], []
            for _ in range(repeat):
                with CaptureQueriesContext(connection) as ctx:
                    begin = time.perf_counter()
                    response = client.get(url, secure=True)
                    timings.append(time.perf_counter() - begin)
                queries.append(len(ctx.captured_queries))
            timings.sort()
            p95 = timings[max(0, math.ceil(0.95 * len(timings)) - 1)]
            shown, total_rows = rows_of(response.context)
            rows = "—" if shown is None else f"{shown}" + (f" / {total_rows}" if total_rows else "")
            query_count = (
                f"{queries[0]}"
                if min(queries) == max(queries)
                else f"{min(queries)}–{max(queries)}"
            )
            self.stdout.write(
                f"{url:<42} {account:<12} {response.status_code:>6} {query_count:>8} "
                f"{statistics.median(timings) * 1000:>7.0f}ms {p95 * 1000:>7.0f}ms {rows:>14}"
            )
