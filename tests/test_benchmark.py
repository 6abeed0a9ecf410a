"""The instruments of `make bench` and `manage.py load_test` (docs/performance.md): their pure
parts (ratios, pass/fail of each target, the last JSON line), their refusals (an address outside
the loopback, a database holding households that are not demo ones) and the generated import
file. The bench run itself is not part of the suite."""

import json

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.urls import include, path

from caen_accompagnement import benchmark
from caen_accompagnement.benchmark import Refused
from caen_accompagnement.management.commands.bench import (
    codesi_file,
    demo_only_or_refuse,
    other_list_pages,
)
from caen_accompagnement.management.commands.load_test import NOTE, check_integrity
from tests.conftest import require_postgresql
from tests.factories import HouseholdFactory


@pytest.mark.parametrize(
    "address",
    ["127.0.0.1", "127.0.0.1:8000", "http://127.0.0.1:8000/", "http://127.9.8.7/", "localhost"],
)
def test_loopback_addresses_are_accepted(address):
    assert benchmark.ensure_loopback(address) == address


@pytest.mark.parametrize(
    "address",
    [
        "http://10.0.0.5:8000/",
        "192.168.1.10",
        "http://0.0.0.0:8000/",
        "http://[::1]:8000/",
        "http://example.org/",
        "http://127.0.0.1.example.org/",
        "https://ccas-caen.fr/",
    ],
)
def test_other_addresses_are_refused(address):
    with pytest.raises(Refused, match="Seule la boucle locale"):
        benchmark.ensure_loopback(address)


def test_load_script_refuses_a_remote_server_before_sending_anything():
    with pytest.raises(CommandError, match="Adresse refusée"):
        call_command("load_test", url="http://192.0.2.1:8000/", seconds=5)


def test_load_script_is_bounded():
    with pytest.raises(CommandError, match="entre 1 et 45"):
        call_command("load_test", url="http://127.0.0.1:8000/", seconds=120)


@pytest.mark.django_db
def test_load_check_finds_each_acknowledged_contact_by_its_form_key():
    """The load test's verdict: every contact the server acknowledged (its form's one-time key,
    carried in its note) is in the database exactly once."""
    from tests.accompaniments.factories import ContactFactory

    once, twice, lost = "key-once", "key-twice", "key-lost"
    ContactFactory(note=NOTE.format(once))
    for _ in range(2):
        ContactFactory(note=NOTE.format(twice))
    ContactFactory(note="Visite (test de charge) unrelated.")
    assert check_integrity([once]) == ([], [])
    assert check_integrity([once, twice, lost]) == ([lost], [twice])


def test_demo_only_refusal():
    benchmark.ensure_demo_only(300, 300, "caen")
    with pytest.raises(
        Refused, match="2 ménage\\(s\\) qui ne sont pas des données de démonstration"
    ):
        benchmark.ensure_demo_only(302, 300, "caen")


@pytest.mark.django_db(transaction=True)
def test_bench_refuses_a_database_holding_real_households():
    require_postgresql("le banc d'essai lit la base par sa propre connexion")
    name = connection.settings_dict["NAME"]
    demo_only_or_refuse(name)  # no household: nothing to protect
    demo_only_or_refuse(f"{name}_absent")  # no such database
    HouseholdFactory()  # not a demo household (no demo list reference)
    with pytest.raises(Refused, match="1 ménage\\(s\\) qui ne sont pas des données"):
        demo_only_or_refuse(name)


def test_ratio():
    assert benchmark.ratio(50, 10) == 5
    assert benchmark.ratio(None, 10) is None
    assert benchmark.ratio(5, 0) is None


def page(name, kind, rh, ra, small=12, large=12):
    return {
        "name": name,
        "kind": kind,
        "ratio_health": rh,
        "ratio_admin": ra,
        "queries_small": small,
        "queries_large": large,
    }


def verdicts(targets):
    return {t.name: t.passed for t in targets}


def test_page_targets():
    targets = benchmark.page_targets(
        [
            page("/menages/", "list", 5.0, 0.99),
            page("/menages/<id>/", "file", 5.01, 0.5),
            page("/mon-suivi/ (TS)", "caseload", 3, 1.0, 14, 15),
            page("/mon-suivi/ (direction)", "wide", 10.0, 2.0),
            page("/tableaux-de-bord/", "wide", 10.5, 0.1),
            page("/accessibilite/", "other", 40, 3),
        ]
    )
    assert verdicts(targets) == {
        "/menages/ ≤ 5× /sante/": True,
        "/menages/ plus rapide que l'admin Django": True,
        "/menages/ : requêtes identiques (12 puis 12)": True,
        "/menages/<id>/ ≤ 5× /sante/": False,
        "/menages/<id>/ plus rapide que l'admin Django": True,
        "/menages/<id>/ : requêtes identiques (12 puis 12)": True,
        "/mon-suivi/ (TS) ≤ 5× /sante/": True,
        "/mon-suivi/ (TS) plus rapide que l'admin Django": False,
        "/mon-suivi/ (TS) : requêtes identiques (14 puis 15)": False,
        "/mon-suivi/ (direction) ≤ 10× /sante/": True,  # no admin comparison for the wide pages
        "/mon-suivi/ (direction) : requêtes identiques (12 puis 12)": True,
        "/tableaux-de-bord/ ≤ 10× /sante/": False,
        "/tableaux-de-bord/ : requêtes identiques (12 puis 12)": True,
        "/accessibilite/ : requêtes identiques (12 puis 12)": True,  # no time target
    }


def test_unmeasured_figures_are_neither_passed_nor_failed():
    (target, *_rest) = benchmark.page_targets([page("/menages/", "list", None, None)])
    assert target.passed is None and target.verdict == "non mesuré"


def test_import_and_pdf_targets():
    targets = benchmark.import_targets({"preview": 1000.0, "confirm": 400.0})
    targets += benchmark.pdf_targets({"synthèse": 1.2, "rapport social": 1.9})
    assert [t.passed for t in targets] == [True, False, True, False]


def test_import_requests_target():
    (fast,) = benchmark.import_targets({}, 0.4)
    (slow,) = benchmark.import_targets({}, 5.2)
    assert fast.passed and not slow.passed
    assert fast.name == "import : aucune requête au-delà de 5 s"


def test_pdf_figures_are_medians_of_paired_ratios():
    # ((view wall, view CPU + SQL), (raw wall, raw CPU)): the third pair ran under a load
    # spike that slowed the request's wall clock only; the work ratio does not see it.
    pairs = [
        ((0.11, 0.10), (0.10, 0.10)),
        ((0.12, 0.11), (0.10, 0.10)),
        ((0.50, 0.10), (0.10, 0.10)),
    ]
    figures = benchmark.pdf_figures(pairs)
    assert figures["ratio"] == 1.0 and figures["ratio_wall"] == 1.2
    assert figures["view_s"] == 0.12 and figures["raw_cpu_s"] == 0.10 and figures["runs"] == 3


def test_last_line_is_one_json_object_with_every_figure_and_verdict():
    targets = benchmark.pdf_targets({"synthèse": 1.1}) + benchmark.import_targets({"preview": 9.0})
    line = benchmark.summary_line({"health": {"ms": 51.9}, "pages": []}, targets)
    assert "\n" not in line
    data = json.loads(line)
    assert data["health"] == {"ms": 51.9}
    assert (data["passed"], data["failed"]) == (1, 1)
    assert data["targets"][0] == {
        "name": "PDF synthèse ≤ 1.2× WeasyPrint seul",
        "value": 1.1,
        "limit": "≤ 1.2",
        "passed": True,
    }


def test_the_table_says_what_the_yardstick_checked():
    assert benchmark.health_checks_label(["database", "redis"]) == "vérifie PostgreSQL et Redis"
    assert benchmark.health_checks_label(["database"]) == "vérifie PostgreSQL ; pas de REDIS_URL"


def test_the_floor_is_a_reference_row_of_the_json_held_to_no_target():
    """The stock admin index, measured in the same run: its time and × /sante/ in the table and
    in the last line's JSON under "floor", and no target about it."""
    figures = {
        "health": {"ms": 2.0},
        "admin_changelist": {"ms": 16.0},
        "floor": benchmark.reference_row(12.0, 333.3, 0, health_ms=2.0, admin_ms=16.0),
        "pages": [],
    }
    targets = benchmark.page_targets([{"name": "/menages/", "kind": "list", "ratio_health": 4}])
    data = json.loads(benchmark.summary_line(figures, targets))
    assert data["floor"] == {
        "ms": 12.0,
        "rps": 333.3,
        "errors": 0,
        "ratio_health": 6.0,
        "ratio_admin": 0.75,
    }
    assert [t["name"] for t in data["targets"]] == [
        "/menages/ ≤ 5× /sante/",
        "/menages/ plus rapide que l'admin Django",
    ]
    assert benchmark.reference_row(12.0, 0, 0, health_ms=None)["ratio_health"] is None


WRK_OUTPUT = """Running 5s test @ http://127.0.0.1:40000/menages/
  2 threads and 4 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency   410.12ms   80.00ms 900.00ms   70.00%
  47 requests in 5.01s, 1.23MB read
  Socket errors: connect 0, read 1, write 0, timeout 2
  Non-2xx or 3xx responses: 3
Requests/sec:      9.38
Transfer/sec:    251.22KB
"""


def test_wrk_report_is_read():
    assert benchmark.parse_wrk(WRK_OUTPUT) == (9.38, 6)


@pytest.mark.django_db
def test_generated_codesi_file_is_read_without_rejection():
    from households.imports.plan import build_plan

    plan = build_plan(codesi_file(50), "codesi_banc.csv", "codesi")
    assert plan.rejected == []
    assert len(plan.planned) == 50


def fake_vacancy_list(request):
    from django.http import HttpResponse

    return HttpResponse("liste")


# A URLconf with a list page the bench's table does not name: the bench must find it.
urlpatterns = [
    path(
        "essai/logements-vacants/",
        include(([path("", fake_vacancy_list, name="vacancy_list")], "housing")),
    ),
]


def test_bench_finds_list_pages_by_their_url_names(settings):
    settings.ROOT_URLCONF = __name__
    assert other_list_pages(set()) == [
        ("/essai/logements-vacants/", "housing:vacancy_list", "location", "list")
    ]
    assert other_list_pages({"housing:vacancy_list"}) == []  # already in the bench's table
