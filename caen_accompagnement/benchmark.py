"""Instruments of `make bench` and `manage.py load_test` (docs/performance.md): the pure parts
(ratios, targets, refusals) and the loopback tools (a throwaway gunicorn, a load generator).

Nothing here is imported by the app itself.
"""

import http.client
import ipaddress
import json
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from urllib.parse import urlsplit

from django.conf import settings

# --- Targets of issue 14 point 2 -----------------------------------------------------------
PAGE_LIMIT = 5.0  # × /sante/: list pages, the household file, a social worker's caseload
WIDE_PAGE_LIMIT = 10.0  # × /sante/: the manager's caseload and the dashboard
IMPORT_MIN_ROWS_PER_SECOND = 1000.0
IMPORT_MAX_REQUEST_SECONDS = 5.0  # issue 14: no request of the import flow over 5 s
PDF_LIMIT = 1.2  # × raw WeasyPrint on the same HTML


class Refused(Exception):
    """The bench or the load script will not run here (its message says why, in French)."""


def ensure_loopback(address: str) -> str:
    """`address` (a URL, a host or an IP) when it designates 127.0.0.0/8 or `localhost`;
    Refused otherwise: the load script never sends its traffic to another machine."""
    host = urlsplit(address).hostname if "//" in address else address.split(":")[0]
    host = (host or "").strip("[]").lower()
    if host == "localhost":
        return address
    try:
        ip = ipaddress.ip_address(host)
    except ValueError:
        raise Refused(
            f"Adresse refusée : « {address} ». Seule la boucle locale (127.0.0.0/8) est acceptée."
        ) from None
    if ip.version != 4 or ip not in ipaddress.ip_network("127.0.0.0/8"):
        raise Refused(
            f"Adresse refusée : « {address} ». Seule la boucle locale (127.0.0.0/8) est acceptée."
        )
    return address


def ensure_demo_only(total_households: int, demo_households: int, database: str) -> None:
    """Refused when `database` holds households that are not demo households."""
    if total_households > demo_households:
        raise Refused(
            f"La base « {database} » contient {total_households - demo_households} ménage(s) "
            "qui ne sont pas des données de démonstration : le banc d'essai n'y touche pas."
        )


HEALTH_CHECKS = {"database": "PostgreSQL", "redis": "Redis"}


def health_checks_label(checks):
    """What the yardstick checked, for the table: `/sante/` with REDIS_URL set also opens a
    Redis connection, 2.5 to 4 times its time without (docs/performance.md)."""
    named = " et ".join(HEALTH_CHECKS.get(check, check) for check in checks)
    return f"vérifie {named}" + ("" if "redis" in checks else " ; pas de REDIS_URL")


def ratio(value, reference):
    """value / reference, None when either is missing or the reference is zero."""
    if value is None or not reference:
        return None
    return value / reference


def reference_row(ms, rps, errors, health_ms, admin_ms=None):
    """A reference row of the table, measured like the pages but held to no target: its time
    per request, × /sante/ and × the admin changelist. The floor (`figures["floor"]`) is the
    stock Django admin index (`/banc-admin/`): a logged-in Django page with no data, the cost
    any page of the app pays before its own work (docs/performance.md)."""
    return {
        "ms": ms,
        "rps": rps,
        "errors": errors,
        "ratio_health": ratio(ms, health_ms),
        "ratio_admin": ratio(ms, admin_ms),
    }


@dataclass
class Target:
    name: str
    value: float | None
    limit: str
    passed: bool | None  # None: not measured (page absent)

    @property
    def verdict(self):
        return {True: "OK", False: "ÉCHEC", None: "non mesuré"}[self.passed]


def page_targets(pages):
    """Targets of the pages. `pages`: dicts with name, kind ("list", "file", "caseload",
    "wide", "other"), ratio_health, ratio_admin, queries_small, queries_large."""
    targets = []
    for page in pages:
        name, kind = page["name"], page["kind"]
        rh, ra = page.get("ratio_health"), page.get("ratio_admin")
        if kind in ("list", "file", "caseload"):
            targets.append(
                Target(
                    f"{name} ≤ {PAGE_LIMIT:g}× /sante/",
                    rh,
                    f"≤ {PAGE_LIMIT:g}",
                    None if rh is None else rh <= PAGE_LIMIT,
                )
            )
            targets.append(
                Target(
                    f"{name} plus rapide que l'admin Django",
                    ra,
                    "< 1",
                    None if ra is None else ra < 1,
                )
            )
        elif kind == "wide":
            targets.append(
                Target(
                    f"{name} ≤ {WIDE_PAGE_LIMIT:g}× /sante/",
                    rh,
                    f"≤ {WIDE_PAGE_LIMIT:g}",
                    None if rh is None else rh <= WIDE_PAGE_LIMIT,
                )
            )
        small, large = page.get("queries_small"), page.get("queries_large")
        if small is not None or large is not None:
            targets.append(
                Target(
                    f"{name} : requêtes identiques ({small} puis {large})",
                    large,
                    f"= {small}",
                    None if small is None or large is None else small == large,
                )
            )
    return targets


def import_targets(imports, longest_request=None):
    """`imports`: {"preview": rows/s, "confirm": rows/s}; `longest_request`: the slowest
    request of the import flow (upload, preview page, confirmation), in seconds."""
    targets = [
        Target(
            f"import : {step} ≥ {IMPORT_MIN_ROWS_PER_SECOND:g} lignes/s",
            rate,
            f"≥ {IMPORT_MIN_ROWS_PER_SECOND:g}",
            None if rate is None else rate >= IMPORT_MIN_ROWS_PER_SECOND,
        )
        for step, rate in imports.items()
    ]
    if longest_request is not None:
        targets.append(
            Target(
                f"import : aucune requête au-delà de {IMPORT_MAX_REQUEST_SECONDS:g} s",
                round(longest_request, 2),
                f"≤ {IMPORT_MAX_REQUEST_SECONDS:g}",
                longest_request <= IMPORT_MAX_REQUEST_SECONDS,
            )
        )
    return targets


def cpu_seconds_of(pid):
    """CPU time (s) process `pid` has used so far, from /proc/<pid>/schedstat (nanoseconds,
    Linux); None when it cannot be read (another machine's PostgreSQL, another system)."""
    try:
        with open(f"/proc/{int(pid)}/schedstat") as stat:
            return int(stat.read().split()[0]) / 1e9
    except (OSError, ValueError, IndexError):
        return None


@contextmanager
def database_work(connection):
    """Yields a list whose one number is, after the block, the CPU time the PostgreSQL backend
    of `connection` used inside it (/proc/<pid>/schedstat, a server on this machine), else
    the time the block spent waiting on the database."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        backend = cursor.fetchone()[0]
    waited = [0.0]

    def timed(execute, sql, params, many, context):
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            waited[0] += time.perf_counter() - started

    spent = [0.0]
    before = cpu_seconds_of(backend)
    with connection.execute_wrapper(timed):
        yield spent
    after = cpu_seconds_of(backend)
    spent[0] = waited[0] if before is None or after is None else after - before


def pdf_figures(pairs):
    """A PDF's figures from its pairs ((view wall s, view work s), (raw wall s, raw CPU s)):
    medians over the pairs of each time and of each pair's ratio (a pair shares the load of
    the moment). `ratio` (work: the CPU the request used, PostgreSQL's included / the
    rendering's CPU) is the one
    the target reads; `ratio_wall` is the same with wall-clock times."""
    pairs = list(pairs)

    def median(values):
        return statistics.median(list(values))

    return {
        "view_s": median(v[0] for v, _ in pairs),
        "raw_s": median(r[0] for _, r in pairs),
        "view_work_s": median(v[1] for v, _ in pairs),
        "raw_cpu_s": median(r[1] for _, r in pairs),
        "ratio_wall": round(median(v[0] / r[0] for v, r in pairs), 2),
        "ratio": round(median(v[1] / r[1] for v, r in pairs), 2),
        "runs": len(pairs),
    }


def pdf_targets(pdfs):
    """`pdfs`: {name: ratio to raw WeasyPrint}."""
    return [
        Target(
            f"PDF {name} ≤ {PDF_LIMIT:g}× WeasyPrint seul",
            value,
            f"≤ {PDF_LIMIT:g}",
            None if value is None else value <= PDF_LIMIT,
        )
        for name, value in pdfs.items()
    ]


def summary_line(figures: dict, targets: list[Target]) -> str:
    """The last line of the bench: one JSON object with every figure, ratio and verdict."""
    data = dict(figures)
    data["targets"] = [asdict(t) for t in targets]
    data["passed"] = sum(1 for t in targets if t.passed)
    data["failed"] = sum(1 for t in targets if t.passed is False)
    return json.dumps(data, ensure_ascii=False, sort_keys=True, default=str)


# --- A throwaway gunicorn on the loopback ----------------------------------------------------
def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Server:
    """gunicorn (2 workers by default) on a free loopback port, its database `database_url`;
    started on entering, stopped (SIGTERM to its own pid, then SIGKILL) on leaving."""

    def __init__(self, database_url, *, workers=2, settings_module=None, log_path=None):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.database_url = database_url
        self.workers = workers
        self.settings_module = settings_module or "caen_accompagnement.bench_settings"
        self.log_path = log_path or os.devnull
        self.process = None

    def __enter__(self):
        env = dict(os.environ)
        env.update(
            DATABASE_URL=self.database_url,
            DJANGO_SETTINGS_MODULE=self.settings_module,
            DEBUG="0",
            LOCAL_HTTP="1",  # plain HTTP on the loopback, no redirect to HTTPS
            REQUIRE_2FA="0",  # the bench logs in with sessions it made itself
            SECRET_KEY=os.environ.get("SECRET_KEY") or "bench-only-secret-key",
            LOG_LEVEL="ERROR",
        )
        gunicorn = shutil.which("gunicorn", path=os.path.dirname(sys.executable)) or "gunicorn"
        self._log = open(self.log_path, "ab")  # noqa: SIM115 — closed in __exit__
        self.process = subprocess.Popen(
            [
                gunicorn,
                "caen_accompagnement.wsgi:application",
                "--bind",
                f"127.0.0.1:{self.port}",
                "--workers",
                str(self.workers),
                "--timeout",
                "120",
                "--access-logfile",
                "-" if self.log_path != os.devnull else os.devnull,
            ],
            cwd=settings.BASE_DIR,
            env=env,
            stdout=self._log,
            stderr=self._log,
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError("gunicorn s'est arrêté au démarrage")
            try:
                if get(self.url + "/sante/")[0] == 200:
                    return self
            except OSError:
                pass
            time.sleep(0.3)
        self.__exit__(None, None, None)
        raise RuntimeError("gunicorn ne répond pas")

    def __exit__(self, *exc):
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self._log.close()


# --- HTTP on the loopback ----------------------------------------------------------------------
def get(url, cookies=None, timeout=30):
    """(status, body) of one GET, over a fresh connection."""
    parts = urlsplit(ensure_loopback(url))
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=timeout)
    try:
        headers = {"Cookie": cookie_header(cookies)} if cookies else {}
        conn.request(
            "GET", parts.path + (f"?{parts.query}" if parts.query else ""), headers=headers
        )
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


def cookie_header(cookies: dict) -> str:
    return "; ".join(f"{k}={v}" for k, v in cookies.items())


WRK_RPS = re.compile(r"Requests/sec:\s+([\d.]+)")
WRK_ERRORS = re.compile(r"Non-2xx or 3xx responses:\s+(\d+)")
WRK_SOCKET = re.compile(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)")


def parse_wrk(output: str) -> tuple[float, int]:
    """(requests per second, failed requests) from wrk's report."""
    rps = float(WRK_RPS.search(output).group(1))
    errors = int(m.group(1)) if (m := WRK_ERRORS.search(output)) else 0
    if m := WRK_SOCKET.search(output):
        errors += sum(int(g) for g in m.groups())
    return rps, errors


def load(url, *, cookies=None, connections=4, seconds=5.0):
    """(requests per second, failed requests) of `connections` keep-alive connections
    requesting `url` for `seconds`: wrk when installed, else a small threaded client."""
    ensure_loopback(url)
    wrk = shutil.which("wrk")
    if wrk:
        command = [
            wrk,
            f"-t{min(2, connections)}",
            f"-c{connections}",
            f"-d{seconds:g}s",
            "--timeout",
            "60s",  # wrk's default (2 s) would count a slow page as an error
        ]
        if cookies:
            command += ["-H", f"Cookie: {cookie_header(cookies)}"]
        output = subprocess.run(
            command + [url], capture_output=True, text=True, check=True, timeout=seconds + 60
        ).stdout
        return parse_wrk(output)
    return _python_load(url, cookies, connections, seconds)


def _python_load(url, cookies, connections, seconds):
    parts = urlsplit(url)
    path = parts.path + (f"?{parts.query}" if parts.query else "")
    headers = {"Cookie": cookie_header(cookies)} if cookies else {}
    done, errors, lock = [0], [0], threading.Lock()
    stop = time.monotonic() + seconds

    def run():
        conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=60)
        while time.monotonic() < stop:
            try:
                conn.request("GET", path, headers=headers)
                response = conn.getresponse()
                response.read()
                ok = response.status < 400
            except (OSError, http.client.HTTPException):
                conn.close()
                conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=60)
                ok = False
            with lock:
                done[0] += 1
                errors[0] += not ok
        conn.close()

    started = time.monotonic()
    threads = [threading.Thread(target=run) for _ in range(connections)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return done[0] / (time.monotonic() - started), errors[0]
