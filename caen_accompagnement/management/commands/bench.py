"""`make bench`: the pages, imports and PDFs measured side by side (docs/performance.md).

In one run, on a throwaway PostgreSQL database `<DATABASE NAME>_bench` created for it (migrated,
seeded with `seed_demo`, dropped at the end unless `--keep`; a leftover one is dropped first, and
refused if it holds households that are not demo households):

1. query counts of every page at 300 households (Django's test client, in process);
2. the same at `--households` (10,000 by default);
3. under gunicorn (2 workers, a free loopback port, started and stopped here), each page's time
   per request (wrk, 4 connections) divided by `/sante/`'s and by a stock Django admin
   changelist of households (bench_urls.py); as a reference row held to no target, the stock
   admin index `/banc-admin/` (the floor: a logged-in Django page with no data) against
   `/sante/`; throughput of 8 connections on `/mon-suivi/` against `/sante/`;
4. import rows/s of a generated CODESI file of `--import-rows` rows (the analysis and the
   confirmation jobs, run as the worker runs them) and the time of each request of the flow,
   in process, in a transaction rolled back afterwards;
5. each PDF against raw WeasyPrint on the HTML the view rendered.

It prints a table, a pass/fail line per target of issue 14 point 2, and as its last line one
JSON object with every figure. Loopback only; the configured database itself is never written.
"""

import gc
import io
import json
import logging
import random
import time
import warnings
from contextlib import contextmanager

from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext, override_settings, setup_test_environment
from django.urls import NoReverseMatch, URLResolver, get_resolver, reverse

from accounts.demo import email_of
from accounts.models import User
from caen_accompagnement import benchmark
from caen_accompagnement.benchmark import Refused
from households.demo import DEMO_REFERENCE_RE

ADMIN_CHANGELIST = "/banc-admin/households/household/"
ADMIN_INDEX = "/banc-admin/"  # the floor: a logged-in stock Django page with no data

# (label, URL name, account, kind): kind says which target applies (benchmark.page_targets).
PAGES = [
    ("/accessibilite/", "accessibility", "direction", "other"),
    ("/menages/", "households:list", "direction", "list"),
    ("/menages/<id>/", "households:detail", "direction", "file"),
    ("/diagnostics/", "diagnostics:list", "direction", "list"),
    ("/signalements/", "accompaniments:signals", "direction", "list"),
    ("/cellule/", "coordination:list", "cellule", "list"),
    ("/logements/", "housing:dwelling_list", "location", "list"),
    ("/mon-suivi/ (TS)", "accompaniments:caseload", "ts1", "caseload"),
    ("/mon-suivi/ (direction)", "accompaniments:caseload", "direction", "wide"),
    ("/tableaux-de-bord/", "reporting:dashboard", "direction", "wide"),
]
ACCOUNT_OF_APP = {
    "households": "direction",
    "diagnostics": "direction",
    "accompaniments": "ts1",
    "housing": "location",
    "coordination": "cellule",
    "reporting": "direction",
    "audit": "direction",
}


def other_list_pages(known):
    """The URLconf's other list pages (names "list", "…_list", "…_board" without parameters)."""
    found = []

    def walk(patterns, namespaces):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                inner = namespaces + [pattern.namespace] if pattern.namespace else namespaces
                if not pattern.pattern.converters:
                    walk(pattern.url_patterns, inner)
            elif pattern.name and namespaces and not pattern.pattern.converters:
                name = pattern.name
                if name == "list" or name.endswith(("_list", "_board")):
                    full = ":".join(namespaces + [name])
                    if full not in known and namespaces[0] in ACCOUNT_OF_APP:
                        found.append(full)
                        known.add(full)

    walk(get_resolver().url_patterns, [])
    return [(reverse(n), n, ACCOUNT_OF_APP[n.split(":")[0]], "list") for n in found]


def database_url(settings_dict):
    from urllib.parse import quote

    user = quote(settings_dict.get("USER") or "")
    password = settings_dict.get("PASSWORD")
    auth = f"{user}:{quote(password)}@" if password else (f"{user}@" if user else "")
    host = settings_dict.get("HOST") or "127.0.0.1"
    port = settings_dict.get("PORT") or 5432
    return f"postgres://{auth}{host}:{port}/{settings_dict['NAME']}"


def demo_only_or_refuse(name):
    """Refused when the existing database `name` holds households that are not demo ones."""
    import psycopg

    params = {
        k: v
        for k, v in {
            "dbname": name,
            "host": connection.settings_dict.get("HOST") or None,
            "port": connection.settings_dict.get("PORT") or None,
            "user": connection.settings_dict.get("USER") or None,
            "password": connection.settings_dict.get("PASSWORD") or None,
        }.items()
        if v
    }
    try:
        conn = psycopg.connect(**params)
    except psycopg.OperationalError:
        return  # no such database
    with conn:
        cursor = conn.cursor()
        cursor.execute("SELECT to_regclass('households_household') IS NOT NULL")
        if not cursor.fetchone()[0]:
            return
        cursor.execute("SELECT count(*) FROM households_household")
        total = cursor.fetchone()[0]
        cursor.execute(
            "SELECT count(DISTINCT household_id) FROM households_householdsource"
            " WHERE reference ~ %s",
            [DEMO_REFERENCE_RE],
        )
        benchmark.ensure_demo_only(total, cursor.fetchone()[0], name)


@contextmanager
def throwaway_database(keep=False):
    """A fresh database `<name>_bench`, migrated; the connection switched to it; dropped after."""
    if connection.vendor != "postgresql":
        raise Refused("Le banc d'essai mesure PostgreSQL : DATABASE_URL doit désigner PostgreSQL.")
    original = connection.settings_dict["NAME"]
    name = f"{original}_bench"
    demo_only_or_refuse(name)
    connection.settings_dict.setdefault("TEST", {})["NAME"] = name
    connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
    try:
        yield name
    finally:
        connection.close()
        if keep:
            settings.DATABASES["default"]["NAME"] = original
            connection.settings_dict["NAME"] = original
        else:
            connection.creation.destroy_test_db(original, verbosity=0)


def codesi_file(rows, seed=14):
    """A CODESI list of `rows` fictitious households (semicolon CSV, UTF-8)."""
    rng = random.Random(seed)
    last = ["Martin", "Lefèvre", "Diallo", "Morin", "Leroy", "Roux", "Fournier", "Girard"]
    first = ["Amandine", "Mamadou", "Sophie", "Karim", "Léa", "Hugo", "Inès", "Yann"]
    out = io.StringIO()
    out.write(
        "reference;nom;prenom;date_naissance;sexe;nb_personnes;numero_unique;public;"
        "date_decision;hebergement;rapport_social;telephone;observations\n"
    )
    for n in range(1, rows + 1):
        out.write(
            f"BANC-{n:06d};{rng.choice(last)}-{n};{rng.choice(first)};"
            f"{rng.randint(1, 28):02d}/{rng.randint(1, 12):02d}/{rng.randint(1950, 2004)};"
            f"{rng.choice('FM')};{rng.randint(1, 6)};;Hébergé chez un tiers;12/01/2026;"
            ";oui;;\n"
        )
    return out.getvalue().encode()


def pdf_cases():
    """(name, URL, cleanup) of every PDF view, several candidates per kind (the first served
    counts). `cleanup(url)`, when not None, removes what the request stored outside the
    database (the transaction around each request rolls the rows back, not the files)."""
    from django.utils import timezone

    from accompaniments.models import Interview
    from coordination.models import Meeting
    from diagnostics.models import Diagnostic
    from households.models import Household
    from housing.models import AgreementDocument, DocumentKind

    cases = []
    if d := Diagnostic.objects.order_by("pk").first():
        cases.append(
            ("synthèse de diagnostic", reverse("diagnostics:synthesis_pdf", args=[d.pk]), None)
        )
    if i := Interview.objects.order_by("pk").first():
        url = reverse("accompaniments:interview_pdf", args=[i.accompaniment_id, i.pk])
        cases.append(("rapport social", url, None))
    meetings = list(Meeting.objects.filter(items__isnull=False).distinct().order_by("-pk")[:8])
    for name, url_name in (
        ("pré-lecture de cellule", "coordination:preread_pdf"),
        ("projet de compte rendu", "coordination:minutes_preview"),
    ):
        cases += [(name, reverse(url_name, args=[m.pk]), None) for m in meetings]
    # Conventions and contracts recorded in a batch are rendered on their first download
    # (`AgreementDocument.ensure_pdf`): that first download is the one measured.
    for kind in DocumentKind.values:
        for document in AgreementDocument.objects.filter(pdf="", kind=kind).order_by("pk")[:3]:
            name = f"{document.get_kind_display().lower()} (1er téléchargement)"
            url = reverse("housing:document_download", args=[document.pk])
            cases.append((name, url, _drop_document_pdf))
    year = max(settings.PROGRAMME_START.year, timezone.localdate().year - 1)
    cases.append(("bilan annuel", reverse("reporting:bilan_download", args=[year, "pdf"]), None))
    if h := Household.objects.order_by("pk").first():
        url = reverse("privacy:access_request_pdf", args=[h.pk])
        cases.append(("droit d'accès (dossier)", url, None))
    return cases


def _drop_document_pdf(url):
    """Delete the file `ensure_pdf` stored for the document of `url` (its row is rolled back)."""
    from django.urls import resolve

    from housing.models import AgreementDocument

    document = AgreementDocument.objects.get(pk=resolve(url).kwargs["pk"])
    if document.pdf:
        document.pdf.storage.delete(document.pdf.name)


class Command(BaseCommand):
    help = "Banc d'essai : pages, imports et PDF mesurés côte à côte (docs/performance.md)."

    def add_arguments(self, parser):
        parser.add_argument("--households", type=int, default=10_000)
        parser.add_argument("--small", type=int, default=300, help="premier palier (300)")
        parser.add_argument("--seconds", type=float, default=5.0, help="durée de wrk par page")
        parser.add_argument("--import-rows", type=int, default=10_000)
        parser.add_argument("--keep", action="store_true", help="garder la base du banc")
        parser.add_argument("--server-log", default=None, help="journal de gunicorn")

    def handle(self, *args, **options):
        try:
            setup_test_environment()  # the test client records template contexts
        except RuntimeError:
            pass
        warnings.filterwarnings("ignore", "No directory at", UserWarning)
        self.notes = []
        try:
            # In process as in the bench's gunicorn: sessions made here, no second factor.
            with override_settings(REQUIRE_2FA=False):
                self.run(**options)
        except Refused as exc:
            raise CommandError(str(exc)) from None

    def note(self, text):
        if text not in self.notes:
            self.notes.append(text)

    # --- the run ---------------------------------------------------------------------------
    def run(self, *, households, small, seconds, import_rows, server_log, keep, **options):
        """Two fresh databases, one after the other: `small` demo households (query counts),
        then `households` (counts, times, imports, PDFs): a demo topped up from 300 would not
        have the larger demo's accompaniments and contacts."""
        figures = {"households": households, "small": small}
        with throwaway_database() as name:
            self.stdout.write(f"Base jetable : {name}.")
            self.seed(small)
            small_pages = self.pages()
            self.counts(small_pages, "queries_small")
        with throwaway_database(keep) as name:
            self.stdout.write(f"Base jetable : {name}" + (" (gardée)." if keep else "."))
            self.seed(households)
            pages = self.pages()
            counts = {p["name"]: p.get("queries_small") for p in small_pages}
            for page in pages:
                page["queries_small"] = counts.get(page["name"])
            self.counts(pages, "queries_large")
            figures["contacts"] = self.contacts_count()
            self.timings(pages, seconds, server_log, figures)
            figures["pages"] = pages
            figures["imports"] = self.imports(import_rows)
            figures["pdfs"] = self.pdfs()
        figures["notes"] = self.notes
        targets = (
            benchmark.page_targets([p for p in pages if p.get("status") != 404])
            + benchmark.import_targets(
                {k: figures["imports"].get(f"{k}_rows_per_s") for k in ("preview", "confirm")},
                figures["imports"].get("longest_request_s"),
            )
            + benchmark.pdf_targets({k: v["ratio"] for k, v in figures["pdfs"].items()})
        )
        self.report(pages, figures, targets)
        self.stdout.write(benchmark.summary_line(figures, targets))

    def seed(self, households):
        started = time.monotonic()
        call_command("seed_demo", households=households, stdout=io.StringIO())
        self.stdout.write(
            f"Jeu de démonstration : {households} ménages ({time.monotonic() - started:.0f} s)."
        )
        # The demo passes the pipeline's invariants (docs/pipeline.md), checked in one query.
        started, report = time.monotonic(), io.StringIO()
        try:
            call_command("check_pipeline", stdout=report, stderr=report)
        except SystemExit:
            raise CommandError(f"check_pipeline :\n{report.getvalue()}") from None
        self.stdout.write(
            f"check_pipeline : {report.getvalue().strip().splitlines()[-1]} "
            f"({time.monotonic() - started:.1f} s)"
        )

    def contacts_count(self):
        from accompaniments.models import Contact

        return Contact.objects.count()

    def user(self, account):
        return User.objects.get(email=email_of(account))

    def pages(self):
        """The pages to measure, with their URL (the household file: a household in
        accompaniment of the first tier, present at every size)."""
        from households.models import Household

        pages = []
        known = set()
        for label, name, account, kind in PAGES:
            known.add(name)
            try:
                if name == "households:detail":
                    household = (
                        Household.objects.filter(accompaniments__isnull=False)
                        .order_by("pk")
                        .first()
                        or Household.objects.order_by("pk").first()
                    )
                    url = reverse(name, args=[household.pk])
                else:
                    url = reverse(name)
            except NoReverseMatch:
                self.note(f"{label} : page absente de cette version (non mesurée).")
                continue
            pages.append({"name": label, "url": url, "account": account, "kind": kind})
        for url, _name, account, kind in other_list_pages(known):
            pages.append({"name": url, "url": url, "account": account, "kind": kind})
        return pages

    def counts(self, pages, key):
        for page in pages:
            client = Client()
            client.force_login(self.user(page["account"]))
            client.get(page["url"], secure=True)  # warm-up
            with CaptureQueriesContext(connection) as ctx:
                response = client.get(page["url"], secure=True)
            page["status"] = response.status_code
            if response.status_code == 404:
                note = f"{page['name']} : 404, non mesurée."
                if note not in self.notes:
                    self.note(note)
                continue
            if response.status_code != 200:
                raise CommandError(f"{page['url']} répond {response.status_code} en interne.")
            page[key] = len(ctx.captured_queries)

    def timings(self, pages, seconds, server_log, figures):
        url = database_url(connection.settings_dict)
        sessions = {}

        def cookies(account):
            if account not in sessions:
                client = Client()
                client.force_login(self.user(account))
                sessions[account] = {
                    settings.SESSION_COOKIE_NAME: client.cookies[settings.SESSION_COOKIE_NAME].value
                }
            return sessions[account]

        connection.close()  # gunicorn's workers get their own connections
        with benchmark.Server(url, log_path=server_log) as server:
            self.stdout.write(
                f"gunicorn (2 workers) sur {server.url}, wrk 4 connexions, {seconds:g} s par page."
            )

            def measure(path, account=None, connections=4):
                full = server.url + path
                status, _body = benchmark.get(full, cookies(account) if account else None)
                rps, errors = benchmark.load(
                    full,
                    cookies=cookies(account) if account else None,
                    connections=connections,
                    seconds=seconds,
                )
                return status, rps, errors

            status, rps, errors = measure("/sante/")
            health_ms = 4 / rps * 1000
            # What /sante/ checked: the database, and Redis when REDIS_URL is set (a fresh
            # connection each time): its time, the yardstick, differs by a factor of 2.5 to 4.
            checked = sorted(json.loads(benchmark.get(server.url + "/sante/")[1])["services"])
            figures["health"] = {"ms": health_ms, "rps": rps, "errors": errors, "checks": checked}
            status, rps, errors = measure(ADMIN_CHANGELIST, "admin")
            if status != 200:
                raise CommandError(f"La liste de l'admin Django répond {status}.")
            admin_ms = 4 / rps * 1000
            figures["admin_changelist"] = {"ms": admin_ms, "rps": rps, "errors": errors}
            status, rps, errors = measure(ADMIN_INDEX, "admin")
            if status != 200:
                raise CommandError(f"L'accueil de l'admin Django répond {status}.")
            figures["floor"] = benchmark.reference_row(
                4 / rps * 1000, rps, errors, health_ms, admin_ms
            )
            for page in pages:
                if page.get("status") == 404:
                    continue
                status, rps, errors = measure(page["url"], page["account"])
                if status != 200:
                    raise CommandError(f"{page['url']} répond {status}.")
                if errors:
                    self.note(f"{page['name']} : {errors} erreur(s) sous charge.")
                if rps:
                    ms = 4 / rps * 1000
                else:  # no answer within the run: more than 4 × `seconds` per request
                    ms = 4 * seconds * 1000
                    self.note(
                        f"{page['name']} : aucune réponse complète en {seconds:g} s "
                        f"(temps par requête compté {ms:.0f} ms, au moins)."
                    )
                page.update(status=status, errors=errors, rps=rps, ms=ms)
                page["ratio_health"] = benchmark.ratio(page["ms"], health_ms)
                page["ratio_admin"] = benchmark.ratio(page["ms"], admin_ms)
                self.stdout.write(f"  {page['name']:<28} {page['ms']:8.1f} ms")
            caseload = reverse("accompaniments:caseload")
            _s, health8, _e = measure("/sante/", connections=8)
            _s, caseload8, errors8 = measure(caseload, "ts1", connections=8)
            figures["throughput_8"] = {
                "health_rps": health8,
                "caseload_rps": caseload8,
                "caseload_errors": errors8,
                "ratio": benchmark.ratio(caseload8, health8),
            }

    def imports(self, rows):
        """Rows/s of the analysis (preview) and the confirmation of a generated CODESI file, and
        the time of each request of the flow (upload, preview page, confirm), in process;
        everything it wrote is rolled back.

        The analysis and the confirmation are background jobs (households/imports/jobs.py): the
        requests only record them in the outbox; each job is run here as the worker runs it
        (`OutboxMessage.relay`: in the outbox's transaction, progress written every chunk
        through a second connection), and timed."""
        from households.models import Household, ImportBatch
        from notifications.models import OutboxMessage

        def run_job():
            message = OutboxMessage.objects.filter(
                task="households.run_import_job", done_at__isnull=True
            ).latest("pk")
            return OutboxMessage.relay(message.pk)

        content = codesi_file(rows)
        client = Client()
        client.force_login(self.user("location"))
        result = {"rows": rows}
        # Every file through the jobs, however small (`--import-rows`).
        with transaction.atomic(), override_settings(IMPORT_INLINE_MAX_BYTES=0):
            before = Household.objects.count()
            started = time.perf_counter()
            response = client.post(
                reverse("households:import"),
                {"source": "codesi", "file": SimpleUploadedFile("codesi_banc.csv", content)},
                secure=True,
            )
            result["upload_request_s"] = time.perf_counter() - started
            if response.status_code != 302:
                self.note(f"Import : le dépôt a répondu {response.status_code}.")
                transaction.set_rollback(True)
                return result
            page = response.url
            batch = ImportBatch.objects.latest("pk")
            started = time.perf_counter()
            run_job()
            result["preview_s"] = time.perf_counter() - started
            started = time.perf_counter()
            response = client.get(page, secure=True)
            result["preview_request_s"] = time.perf_counter() - started
            result["preview_status"] = response.status_code
            started = time.perf_counter()
            response = client.post(page.rstrip("/") + "/confirmer/", secure=True)
            result["confirm_request_s"] = time.perf_counter() - started
            result["confirm_status"] = response.status_code
            started = time.perf_counter()
            run_job()
            result["confirm_s"] = time.perf_counter() - started
            batch.refresh_from_db()
            result["state"] = batch.state
            result["created"] = Household.objects.count() - before
            transaction.set_rollback(True)
        result["preview_rows_per_s"] = rows / result["preview_s"]
        result["confirm_rows_per_s"] = rows / result["confirm_s"]
        result["longest_request_s"] = max(
            result["upload_request_s"], result["preview_request_s"], result["confirm_request_s"]
        )
        return result

    def pdfs(self, repeat=7):
        """Each PDF view against raw WeasyPrint on the HTML it rendered, in `repeat` pairs: a
        request then a rendering, or a rendering then a request (alternated), each after a
        garbage collection, one warm-up pair first. Each pair gives two ratios:

        - time (`ratio_wall`): wall-clock time of the request / of the rendering;
        - work (`ratio`): the CPU time the request used, in this process and in its PostgreSQL
          backend (/proc/<pid>/schedstat; the time spent waiting on the database when the
          server is not on this machine) / the CPU time of the rendering. What a quiet
          machine's wall clock would give, but not moved by the other processes of a shared
          machine (docs/performance.md).

        The figures are the medians over the pairs (a pair shares the machine's load); the
        target reads the work ratio.

        Raw WeasyPrint is the stock call on the HTML the view handed to WeasyPrint, with the
        stylesheet of `pdf/base.html` (caen_accompagnement.pdf.STYLESHEET) parsed afresh:
        `HTML(string=html, base_url=BASE_DIR).write_pdf(stylesheets=[CSS(filename=…)])`."""
        import weasyprint

        from caen_accompagnement.pdf import STYLESHEET

        cases = pdf_cases()
        captured = []
        original = weasyprint.HTML

        class RecordingHTML(original):
            def __init__(self, *args, **kwargs):
                captured.append(kwargs.get("string"))
                super().__init__(*args, **kwargs)

        def view(client, url, cleanup):
            """(wall s, work s) of one request: work is this process's CPU time plus its
            PostgreSQL backend's (benchmark.database_work)."""
            captured.clear()
            weasyprint.HTML = RecordingHTML
            try:
                with transaction.atomic():  # the export's audit entry is not kept
                    gc.collect()  # neither timing pays for the other's garbage
                    with benchmark.database_work(connection) as db:
                        cpu, started = time.process_time(), time.perf_counter()
                        response = client.get(url, secure=True)
                        wall = time.perf_counter() - started
                        cpu = time.process_time() - cpu
                    if cleanup is not None:
                        cleanup(url)
                    transaction.set_rollback(True)
            finally:
                weasyprint.HTML = original
            if response.status_code != 200 or len(captured) != 1:
                raise CommandError(f"PDF {url} : réponse {response.status_code}.")
            return wall, cpu + db[0]

        def raw(html):
            """(wall s, CPU s) of one stock rendering."""
            gc.collect()
            cpu, started = time.process_time(), time.perf_counter()
            original(string=html, base_url=str(settings.BASE_DIR)).write_pdf(
                stylesheets=[weasyprint.CSS(filename=str(STYLESHEET))]
            )
            return time.perf_counter() - started, time.process_time() - cpu

        results = {}
        for name, url, cleanup in cases:
            if name in results or (client := self.pdf_client(url, cleanup)) is None:
                continue
            view(client, url, cleanup)  # warm-up of both
            raw(captured[-1])
            pairs = []
            for run in range(repeat):
                first = raw(captured[-1]) if run % 2 else None  # alternate who goes first
                measured = view(client, url, cleanup)
                pairs.append((measured, first or raw(captured[-1])))
            results[name] = benchmark.pdf_figures(pairs)
        for name, _url, _cleanup in cases:
            if name not in results:
                self.note(f"PDF {name} : aucun compte de démonstration ne l'obtient.")
        return results

    def pdf_client(self, url, cleanup=None):
        """A test client logged in as the first demo account the PDF view serves, else None
        (the refusals of the other candidates are not logged)."""
        request_logger = logging.getLogger("django.request")
        level = request_logger.level
        request_logger.setLevel(logging.CRITICAL)
        try:
            for account in ("direction", "cellule", "ts1", "location", "ddcs"):
                client = Client()
                client.force_login(self.user(account))
                with transaction.atomic():
                    response = client.get(url, secure=True)
                    if cleanup is not None:
                        cleanup(url)
                    transaction.set_rollback(True)
                if response.status_code == 200 and response["Content-Type"] == "application/pdf":
                    return client
        finally:
            request_logger.setLevel(level)
        return None

    # --- output ----------------------------------------------------------------------------
    def report(self, pages, figures, targets):
        w = self.stdout.write
        w("")
        w(
            f"{'page':<28} {'compte':<10} {'ms/req':>8} {'× santé':>8} {'× admin':>8} "
            f"{'req. ' + str(figures['small']):>9} {'req. ' + str(figures['households']):>11}"
        )

        def fmt(value, spec):
            return "—" if value is None else format(value, spec)

        w(
            f"{'/sante/':<28} {'':<10} {figures['health']['ms']:8.1f} {1:8.2f}"
            f"   ({benchmark.health_checks_label(figures['health']['checks'])})"
        )
        w(f"{'admin Django (ménages)':<28} {'admin':<10} {figures['admin_changelist']['ms']:8.1f}")
        floor = figures["floor"]
        w(
            f"{'admin Django (accueil)':<28} {'admin':<10} {floor['ms']:8.1f} "
            f"{fmt(floor['ratio_health'], '8.2f')} {fmt(floor['ratio_admin'], '8.2f')}"
            "   (plancher : toute page connectée)"
        )
        for p in pages:
            w(
                f"{p['name']:<28} {p['account']:<10} {fmt(p.get('ms'), '8.1f')} "
                f"{fmt(p.get('ratio_health'), '8.2f')} {fmt(p.get('ratio_admin'), '8.2f')} "
                f"{fmt(p.get('queries_small'), '9d')} {fmt(p.get('queries_large'), '11d')}"
            )
        t = figures["throughput_8"]
        w(
            f"\n8 connexions : /mon-suivi/ {t['caseload_rps']:.1f} req/s, /sante/ "
            f"{t['health_rps']:.1f} req/s (rapport {t['ratio']:.3f})."
        )
        i = figures["imports"]
        if "confirm_s" in i:
            w(
                f"Import CODESI de {i['rows']} lignes : aperçu {i['preview_s']:.1f} s "
                f"({i['preview_rows_per_s']:.0f} lignes/s), confirmation {i['confirm_s']:.1f} s "
                f"({i['confirm_rows_per_s']:.0f} lignes/s), {i['created']} ménages créés ; "
                f"requêtes : dépôt {i['upload_request_s']:.2f} s, aperçu "
                f"{i['preview_request_s']:.2f} s, confirmation {i['confirm_request_s']:.2f} s."
            )
        for name, pdf in figures["pdfs"].items():
            w(
                f"PDF {name} : {pdf['view_s'] * 1000:.0f} ms, WeasyPrint seul "
                f"{pdf['raw_s'] * 1000:.0f} ms (× {pdf['ratio_wall']:.2f} en temps) ; "
                f"travail {pdf['view_work_s'] * 1000:.0f} ms contre "
                f"{pdf['raw_cpu_s'] * 1000:.0f} ms (× {pdf['ratio']:.2f})."
            )
        for note in self.notes:
            w(f"Note : {note}")
        w("\nObjectifs (issue 14, point 2) :")
        for target in targets:
            value = "—" if target.value is None else f"{target.value:.2f}"
            w(f"  [{target.verdict}] {target.name} : {value} ({target.limit})")
        passed = sum(1 for t in targets if t.passed)
        failed = sum(1 for t in targets if t.passed is False)
        w(f"{passed} atteint(s), {failed} manqué(s).")
