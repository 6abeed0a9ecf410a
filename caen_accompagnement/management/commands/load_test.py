"""`manage.py load_test`: 20 social workers at once, logging contacts and reading files, 20 % of
them double-submitting each form; then every contact the server acknowledged must be in the
database exactly once (docs/performance.md, issue 14 point 3).

Bounded: it stops by itself after `--seconds` (at most 45, every request times out after 10 s,
so the whole run stays under 60 s past the set-up). Loopback only: `--url` outside 127.0.0.0/8
is refused. Without `--url` it makes its own throwaway database (`<DATABASE NAME>_bench`,
`--households` demo households) and its own gunicorn (2 workers), and drops both at the end.
With `--url` (a server already running on this machine on the *current* database) it writes
demo contacts into that database: refused when it holds households that are not demo ones.
"""

import http.client
import io
import random
import re
import threading
import time
from collections import Counter
from datetime import timedelta
from http.cookies import SimpleCookie
from urllib.parse import urlencode, urlsplit

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.db.models import Count
from django.test import Client
from django.test.utils import override_settings
from django.urls import reverse
from django.utils import timezone

from accounts.demo import email_of
from accounts.models import User
from caen_accompagnement import benchmark
from caen_accompagnement.benchmark import Refused

from .bench import database_url, throwaway_database

SOCIAL_WORKERS = ["ts1", "ts2", "ts3", "ts4"]
TIMEOUT = 10  # seconds, per request
MAX_SECONDS = 45
CSRF_INPUT = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
ONCE_KEY_INPUT = re.compile(r'name="once_key" value="([^"]+)"')
NOTE = "Visite (test de charge) {}."  # the form's one-time key in the note: the contact's mark


class VirtualUser:
    """One social worker's browser: its own session, keep-alive connection and cookies."""

    def __init__(self, base, session_cookie, accompaniments, double_submit, rng):
        self.base = urlsplit(base)
        self.cookies = {settings.SESSION_COOKIE_NAME: session_cookie}
        self.accompaniments = accompaniments
        self.double_submit = double_submit
        self.rng = rng
        self.errors = Counter()
        self.requests = 0
        self.acknowledged = []  # one-time keys of the contacts the server answered "saved"
        self.submitted = 0
        self.conn = None

    def request(self, method, path, body=None, conn=None):
        own = conn is None
        conn = conn or self.conn or self._connect()
        headers = {"Cookie": benchmark.cookie_header(self.cookies)}
        if body is not None:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
            headers["Referer"] = f"http://{self.base.netloc}{path}"
        try:
            conn.request(method, path, body=body, headers=headers)
            response = conn.getresponse()
            content = response.read()
        except (OSError, http.client.HTTPException) as exc:
            conn.close()
            if own:
                self.conn = None
            self.errors[type(exc).__name__] += 1
            return None, b"", None
        for header in response.msg.get_all("Set-Cookie") or []:
            for name, morsel in SimpleCookie(header).items():
                self.cookies[name] = morsel.value
        self.requests += 1
        return response.status, content, response.getheader("Location")

    def _connect(self):
        self.conn = http.client.HTTPConnection(self.base.hostname, self.base.port, timeout=TIMEOUT)
        return self.conn

    def run(self, deadline):
        while time.monotonic() < deadline:
            acc_pk, household_pk = self.rng.choice(self.accompaniments)
            # Read a file (the household's, then the accompaniment's).
            for path in (
                reverse("households:detail", args=[household_pk]),
                reverse("accompaniments:detail", args=[acc_pk]),
            ):
                status, _body, _loc = self.request("GET", path)
                if status is not None and status != 200:
                    self.errors[f"GET {status}"] += 1
            if time.monotonic() >= deadline:
                break
            self.log_contact(acc_pk)
        if self.conn:
            self.conn.close()

    def log_contact(self, acc_pk):
        path = reverse("accompaniments:contact_create", args=[acc_pk])
        status, body, _loc = self.request("GET", path)
        if status != 200:
            if status is not None:
                self.errors[f"GET formulaire {status}"] += 1
            return
        page = body.decode()
        csrf = CSRF_INPUT.search(page)
        key = ONCE_KEY_INPUT.search(page)
        if not (csrf and key):
            self.errors["formulaire illisible"] += 1
            return
        at = timezone.localtime() - timedelta(minutes=self.rng.randint(1, 120))
        body = urlencode(
            {
                "csrfmiddlewaretoken": csrf.group(1),
                "once_key": key.group(1),
                "kind": "home_visit",
                "at": at.strftime("%Y-%m-%dT%H:%M"),
                "duration_minutes": "30",
                "note": NOTE.format(key.group(1)),
                "next_step": "",
                "partner": "",
            }
        )
        self.submitted += 1
        copies = 2 if self.double_submit else 1
        answers = [None] * copies

        def post(i):
            conn = http.client.HTTPConnection(self.base.hostname, self.base.port, timeout=TIMEOUT)
            try:
                answers[i] = self.request("POST", path, body, conn=conn)
            finally:
                conn.close()

        threads = [threading.Thread(target=post, args=(i,)) for i in range(copies)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        saved = False
        for status, _body, location in answers:
            if status == 302 and "brouillon_enregistre" in (location or ""):
                saved = True
            elif status is not None:
                self.errors[f"POST {status}"] += 1
        if saved:
            self.acknowledged.append(key.group(1))


def check_integrity(acknowledged):
    """(missing, duplicated) among the acknowledged one-time keys: each key's contact is found
    by its note, which carries the key."""
    from accompaniments.models import Contact

    notes = {NOTE.format(key): key for key in acknowledged}
    counts = dict(
        Contact.objects.filter(note__in=notes)
        .order_by()
        .values_list("note")
        .annotate(n=Count("pk"))
        .values_list("note", "n")
    )
    missing = [key for note, key in notes.items() if note not in counts]
    duplicated = [notes[note] for note, n in counts.items() if n != 1]
    return missing, duplicated


class Command(BaseCommand):
    help = "Test de charge borné (boucle locale) : contacts saisis en parallèle, puis intégrité."

    def add_arguments(self, parser):
        parser.add_argument("--url", help="serveur déjà lancé, sur la boucle locale uniquement")
        parser.add_argument("--users", type=int, default=20)
        parser.add_argument("--double-submit", type=float, default=0.2, help="part (0.2)")
        parser.add_argument("--seconds", type=float, default=30)
        parser.add_argument("--households", type=int, default=300)
        parser.add_argument("--seed", type=int, default=14)

    def handle(self, *args, url, users, double_submit, seconds, households, seed, **options):
        if not 0 < seconds <= MAX_SECONDS:
            raise CommandError(f"--seconds doit être compris entre 1 et {MAX_SECONDS}.")
        try:
            with override_settings(REQUIRE_2FA=False):
                if url:
                    benchmark.ensure_loopback(url)
                    self.ensure_demo_database()
                    self.load(url.rstrip("/"), users, double_submit, seconds, seed)
                else:
                    with throwaway_database() as name:
                        self.stdout.write(f"Base jetable : {name}.")
                        call_command("seed_demo", households=households, stdout=io.StringIO())
                        connection.close()
                        with benchmark.Server(database_url(connection.settings_dict)) as server:
                            self.load(server.url, users, double_submit, seconds, seed)
        except Refused as exc:
            raise CommandError(str(exc)) from None

    def ensure_demo_database(self):
        from households.demo import existing_numbers
        from households.models import Household

        benchmark.ensure_demo_only(
            Household.objects.count(), len(existing_numbers()), connection.settings_dict["NAME"]
        )

    def load(self, url, users, double_submit, seconds, seed):
        from accompaniments.models import Accompaniment

        rng = random.Random(seed)
        doubles = round(users * double_submit)
        virtual = []
        for n in range(users):
            account = SOCIAL_WORKERS[n % len(SOCIAL_WORKERS)]
            user = User.objects.get(email=email_of(account))
            caseload = list(
                Accompaniment.objects.active()
                .filter(household__referent=user)
                .values_list("pk", "household_id")
            )
            if not caseload:
                raise CommandError(f"{account} n'a aucun accompagnement en cours.")
            client = Client()
            client.force_login(user)
            cookie = client.cookies[settings.SESSION_COOKIE_NAME].value
            virtual.append(
                VirtualUser(url, cookie, caseload, n < doubles, random.Random(rng.random()))
            )
        connection.close()
        self.stdout.write(
            f"{users} travailleurs sociaux sur {url} pendant {seconds:g} s, {doubles} d'entre "
            "eux envoient chaque formulaire deux fois en même temps."
        )
        deadline = time.monotonic() + seconds
        threads = [threading.Thread(target=v.run, args=(deadline,)) for v in virtual]
        started = time.monotonic()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(seconds + 3 * TIMEOUT)
        elapsed = time.monotonic() - started
        errors = sum((v.errors for v in virtual), Counter())
        acknowledged = [c for v in virtual for c in v.acknowledged]
        missing, duplicated = check_integrity(acknowledged)
        requests = sum(v.requests for v in virtual)
        self.stdout.write(
            f"{requests} requêtes en {elapsed:.1f} s ({requests / elapsed:.1f}/s), "
            f"{sum(v.submitted for v in virtual)} contacts saisis, {len(acknowledged)} "
            f"confirmés par le serveur, {sum(errors.values())} erreur(s)"
            + (f" : {dict(errors)}" if errors else "")
            + "."
        )
        self.stdout.write(
            f"Intégrité : {len(acknowledged) - len(missing) - len(duplicated)} contact(s) "
            f"confirmé(s) présents une seule fois, {len(missing)} manquant(s), "
            f"{len(duplicated)} en double."
        )
        if errors or missing or duplicated or not acknowledged:
            raise CommandError("Test de charge en échec.")
        self.stdout.write(
            self.style.SUCCESS("Test de charge réussi : 0 erreur, 0 perte, 0 doublon.")
        )
