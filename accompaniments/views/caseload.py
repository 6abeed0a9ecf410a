from datetime import timedelta
from urllib.parse import urlencode

from django.db.models import Count, Exists, F, OuterRef, Q, Window
from django.shortcuts import render
from django.template.defaultfilters import pluralize
from django.urls import reverse
from django.utils import dateformat, timezone

from accounts import policy
from accounts.enums import Role
from accounts.models import User
from audit.models import log_households
from caen_accompagnement import statements
from caen_accompagnement.hrefs import pk_href
from caen_accompagnement.pagination import PAGE_SIZE, paginate
from caen_accompagnement.templatetags.fr_format import format_day
from households.models import Household

from ..cadence import DUE_THIS_WEEK, OVERDUE, UP_TO_DATE, Cadence
from ..models import (
    Accompaniment,
    Extension,
    ExtensionStatus,
    MessageKind,
    ReminderChannel,
    Signal,
    SignalKind,
    VisitKind,
)
from .visits import caseload_agenda, caseload_visits

# The window counts the caseload's sorting query reads on the first row of the page.
TOTALS = ("urgency_total", "urgency_overdue", "urgency_week")
# The page's two tabs (?onglet=): what to act on (the default), and what is coming.
AGENDA = "agenda"
TABS = {"": "Accompagnements", AGENDA: "Agenda et enquêtes"}


# --- caseload --------------------------------------------------------------------------
@policy.action_required("accompaniment.view")
def caseload(request):
    """The référent's households sorted by urgency (the manager: the whole team's), under
    what asks for action (signals, missed visits, failed reminders, extensions to decide);
    the agenda tab (`?onglet=agenda`): the week's visits and the coming surveys."""
    user = request.user
    today = timezone.localdate()
    is_manager = user.has_role(Role.CCAS_MANAGER)
    referents, selected_referent, referent_id = [], None, None
    if is_manager:
        referents = User.objects.social_worker_choices()  # [(pk, name)]
        selected_referent = request.GET.get("referent", "")
        if selected_referent.isdigit():
            referent_id = int(selected_referent)

    def caseload():
        """The caseload's QuerySet (the chosen référent's for a manager who chose one)."""
        qs = Accompaniment.objects.caseload_of(user)
        return qs if referent_id is None else qs.filter(household__referent_id=referent_id)

    tab = AGENDA if request.GET.get("onglet") == AGENDA else ""
    keep = {"referent": selected_referent} if selected_referent else {}
    context = {
        "tab": tab,
        "tabs": [
            {
                "label": label,
                "href": "?" + urlencode({"onglet": key, **keep} if key else keep),
                "current": key == tab,
            }
            for key, label in TABS.items()
        ],
        "today": today,
        "is_manager": is_manager,
        "referents": referents,
        "selected_referent": selected_referent,
    }
    if tab == AGENDA:
        return _agenda(request, user, today, referent_id, context)

    # Sorted and counted by the database over the whole caseload (docs/performance.md), from
    # the accompaniments' rows alone (their last visit and contact are stored on them: no
    # contact is read): one narrow query reads the asked page's ids and due dates (LIMIT/
    # OFFSET, the most urgent first) with the counts; a second reads what the cards show of
    # those 25. Each one's SQL built once (caen_accompagnement/statements.py): per user,
    # roles, référent filter, day and page; per page of ids.
    def page_and_counts(number):
        """The asked page's rows (`pk`, `visit_due`, `call_due`) and the counts (one query)."""
        start = (number - 1) * PAGE_SIZE
        rows = statements.rows(
            ("caseload", user.pk, user.roles, referent_id, today, start),
            lambda: (
                caseload()
                .by_urgency(today)
                .with_urgency_totals(today)
                .values("pk", "visit_due", "call_due", *TOTALS)[start : start + PAGE_SIZE]
            ),
        )
        if not rows:  # no caseload, or a page past the end: count apart
            return [], caseload().urgency_counts(today)
        total, overdue, week = (rows[0][name] for name in TOTALS)
        counts = {"total": total, "overdue": overdue, "week": week}
        counts["up_to_date"] = total - overdue - week
        return rows, counts

    asked = request.GET.get("page", "")
    asked = int(asked) if asked.isdigit() and int(asked) > 0 else 1
    ordered, counts = page_and_counts(asked)
    # The page links keep the référent filter, not the one-shot draft confirmation. The
    # paginator numbers the pages from the count; the rows are those of `ordered`.
    page = paginate(
        request,
        range(counts["total"]),
        keep=["referent"] if selected_referent else [],
        count=counts["total"],
    )
    if page.number != asked:  # past the end: the paginator shows the last page
        ordered, _ = page_and_counts(page.number)
    # Their cadence from the due dates the database computed (`with_cadence`, tested equal to
    # the Python rule `cadence`); what the cards show read by id, unsorted (`ordered` gives the
    # order).
    pks = tuple(row["pk"] for row in ordered)
    shown = {
        row["pk"]: row
        for row in statements.rows(
            ("caseload-cards", pks),
            lambda: (
                Accompaniment.objects.filter(pk__in=pks)
                .with_open_signals()
                .values("pk", "household_id", "last_visit_on", "last_contact_on", "open_signals")
                .annotate(**CARD_HOUSEHOLD)
                .order_by()
            ),
        )
    }
    page.object_list = [
        (shown[row["pk"]], Cadence(row["visit_due"], row["call_due"], today)) for row in ordered
    ]
    # The names from one query of the members' names (no Person built, no prefetch).
    names = Household.display_names_of(
        [(acc["household_id"], acc["household_anonymised_at"]) for acc, _ in page]
    )
    urls = {name: pk_href(name) for name in CARD_URLS.values()}
    cards = [_card(acc, cadence, names, urls) for acc, cadence in page]
    open_signals, open_signals_total = _open_signals(user, is_manager, referent_id)
    pending_extensions, pending_extensions_total = _pending_extensions() if is_manager else ([], 0)
    visits = caseload_visits(user, referent_id)  # missed visits, failed reminders
    log_households(
        request,
        [acc["household_id"] for acc, _ in page]
        + [signal["household_id"] for signal in open_signals]
        + [extension.accompaniment.household for extension in pending_extensions]
        + [visit["household_id"] for visit in visits["missed_visits"]]
        + [message["household_id"] for message in visits["failed_visit_messages"]],
        "Mon suivi",
    )
    return render(
        request,
        "accompaniments/caseload.html",
        context
        | {
            "rows": page,
            "cards": cards,
            "counts": counts,
            "open_signals": open_signals,
            "open_signals_total": open_signals_total,
            "pending_extensions": pending_extensions,
            "pending_extensions_total": pending_extensions_total,
            "saved_draft": request.GET.get("brouillon_enregistre", ""),
            **visits,
            **_panel_rows(open_signals, pending_extensions, visits, is_manager),
        },
    )


def _agenda(request, user, today, referent_id, context):
    """/mon-suivi/'s agenda tab: the caseload's visits of the next seven days, and the
    post-autonomy surveys due within 30 days (late ones first), each as a panel of
    `_panel_rows`'s kind. Three queries besides the page's own."""
    upcoming = caseload_agenda(user, referent_id)
    surveys, surveys_due_total = _first_of(
        _surveys_due_qs(user, today, horizon_days=30)
        .select_related(None)
        .select_related("household")
        .only("closed_on", "next_survey_on", *PANEL_HOUSEHOLD)
    )
    surveys_due = _survey_rows(surveys, today)
    log_households(
        request,
        [visit.accompaniment.household for visit in upcoming]
        + [survey["accompaniment"].household for survey in surveys_due],
        "Mon suivi (agenda)",
    )
    return render(
        request,
        "accompaniments/caseload.html",
        context
        | {
            "upcoming_visits": upcoming,
            "surveys_due": surveys_due,
            "surveys_due_total": surveys_due_total,
            **_agenda_rows(upcoming, surveys_due),
        },
    )


# What a card reads of the household and its référent beside the accompaniment's own columns
# (the reference, the name, the référent's name), not their whole rows: decoding them was some
# 2 ms of the page (docs/performance.md).
CARD_HOUSEHOLD = {
    "household_created_at": F("household__created_at"),
    "household_anonymised_at": F("household__anonymised_at"),
    "referent_first_name": F("household__referent__first_name"),
    "referent_last_name": F("household__referent__last_name"),
    "referent_email": F("household__referent__email"),
}
# A card's links: key in the card → URL name, each taking the accompaniment's pk.
CARD_URLS = {
    "url": "accompaniments:detail",
    "contact_url": "accompaniments:contact_create",
    "plan_url": "accompaniments:visit_plan",
}


def _card(acc, cadence, names, urls):
    """What a card of the caseload shows, its links, dates, classes and labels formatted once
    here: a template variable costs some fifty function calls, a `|date` or `{% url %}` over a
    hundred, an `{% if %}` chain a few variables, and 25 cards of thirty of them were a third
    of the page (docs/performance.md). `acc`: the accompaniment's row (its values and
    CARD_HOUSEHOLD); `names`: the households' display names (`Household.display_names_of`);
    `urls`: `pk_href` of each of CARD_URLS."""
    urgency, days_late, signals = cadence.urgency, cadence.days_late, acc["open_signals"]
    referent = (
        User.name_of(acc["referent_first_name"], acc["referent_last_name"], acc["referent_email"])
        if acc["referent_email"]
        else "—"
    )
    return {
        "reference": Household.reference_of(acc["household_id"], acc["household_created_at"]),
        "name": names[acc["household_id"]],
        "referent": referent,
        **{key: urls[name](acc["pk"]) for key, name in CARD_URLS.items()},
        "border": URGENCY_BORDERS[urgency],
        "badge_class": URGENCY_BADGES[urgency],
        "badge": f"{cadence.urgency_label} ({days_late} j)" if days_late else cadence.urgency_label,
        "visit_due": format_day(cadence.visit_due),
        "visit_overdue": cadence.visit_overdue,
        "call_due": format_day(cadence.call_due),
        "call_overdue": cadence.call_overdue,
        "last_visit": format_day(acc["last_visit_on"]) or "aucune",
        "last_contact": format_day(acc["last_contact_on"]) or "aucun",
        "signals": f"{signals} signalement{pluralize(signals)}" if signals else "",
    }


# A card's border and badge by its urgency (accompaniments/cadence.py).
URGENCY_BORDERS = {OVERDUE: "border-danger", DUE_THIS_WEEK: "border-warning", UP_TO_DATE: ""}
URGENCY_BADGES = {
    OVERDUE: "text-bg-danger",
    DUE_THIS_WEEK: "text-bg-warning",
    UP_TO_DATE: "text-bg-success",
}


def _at(value, pattern="d/m/Y à H:i"):
    return dateformat.format(timezone.localtime(value), pattern)


def _link(accompaniment, detail):
    """A panel item's link to the accompaniment, by its household's reference. `detail`:
    `pk_href("accompaniments:detail")`, made once a page."""
    return {"href": detail(accompaniment.pk), "reference": accompaniment.household.reference}


def _row_link(row, detail):
    """`_link` for a panel's row read as values (`statements.rows`): its `accompaniment_id`,
    `household_id` and `household_created_at`."""
    return {
        "href": detail(row["accompaniment_id"]),
        "reference": Household.reference_of(row["household_id"], row["household_created_at"]),
    }


def _panel_rows(signals, extensions, visits, is_manager):
    """The panels' items as the text and links they show, formatted here (as the cards): a
    `get_absolute_url`, a `|date` and a chain of attributes in each item of six panels were
    some 3 ms of the page. `visits`: `caseload_visits`'s lists."""
    detail = pk_href("accompaniments:detail")
    contact = pk_href("accompaniments:contact_create")
    signal_href = pk_href("accompaniments:signal_detail")
    signal_kinds, visit_kinds = dict(SignalKind.choices), dict(VisitKind.choices)
    message_kinds, channels = dict(MessageKind.choices), dict(ReminderChannel.choices)
    return {
        "signal_rows": [
            {
                "href": signal_href(signal["pk"]),
                "text": f"{signal_kinds.get(signal['kind'], signal['kind'])} — "
                + Household.reference_of(signal["household_id"], signal["household_created_at"]),
                "day": format_day(timezone.localtime(signal["created_at"])),
            }
            for signal in signals
        ],
        "extension_rows": [
            _link(extension.accompaniment, detail) | {"until": format_day(extension.until)}
            for extension in extensions
        ],
        "missed_rows": [
            _row_link(visit, detail)
            | {
                "what": f"{visit_kinds.get(visit['kind'], visit['kind']).lower()} du "
                f"{_at(visit['starts_at'])}",
                "contact_href": "" if is_manager else contact(visit["accompaniment_id"]),
                "move_href": reverse(
                    "accompaniments:visit_move", args=[visit["accompaniment_id"], visit["pk"]]
                ),
            }
            for visit in visits["missed_visits"]
        ],
        "failed_rows": [
            _row_link(message, detail)
            | {
                "what": f"{message_kinds.get(message['kind'], message['kind']).lower()} par "
                f"{channels.get(message['channel'], message['channel'])} du rendez-vous du "
                f"{_at(message['starts_at'])} — échec après {message['tries']} "
                f"essai{pluralize(message['tries'])} ({message['error']})",
            }
            for message in visits["failed_visit_messages"]
        ],
    }


def _agenda_rows(upcoming, surveys):
    """The agenda tab's items, formatted here (as `_panel_rows`)."""
    detail = pk_href("accompaniments:detail")
    visit_kinds = dict(VisitKind.choices)
    return {
        "upcoming_rows": [
            _link(visit.accompaniment, detail)
            | {
                "when": _at(visit.starts_at, "l d/m à H:i"),
                "kind": visit_kinds.get(visit.kind, visit.kind).lower(),
            }
            for visit in upcoming
        ],
        "survey_rows": [
            _link(survey["accompaniment"], detail)
            | {
                "round": survey["round"],
                "due": format_day(survey["due_on"]),
                "late": survey["late"],
            }
            for survey in surveys
        ],
    }


# Each panel shows at most PANEL_SIZE items, the most pressing first, and says how many there
# are in all (a window COUNT in the same query): a caseload of years does not grow the page.
PANEL_SIZE = 10
# What a panel shows of a household: its reference (id and creation date), never its whole row
# (a panel's query costs mostly in the columns it reads: docs/performance.md).
PANEL_HOUSEHOLD = ("household__created_at",)


def _first_of(qs, size=PANEL_SIZE):
    """(the first `size` rows of `qs`, how many rows `qs` has), in one query."""
    rows = list(qs.annotate(panel_total=Window(Count("pk")))[:size])
    return rows, rows[0].panel_total if rows else 0


def _first_rows(key, build, size=PANEL_SIZE):
    """`_first_of` for the `values()` QuerySet `build()` makes, its SQL built once per `key`
    (caen_accompagnement/statements.py): rows as dicts."""
    rows = statements.rows(key, lambda: build().annotate(panel_total=Window(Count("pk")))[:size])
    return rows, rows[0]["panel_total"] if rows else 0


def _open_signals(user, is_manager, referent_id=None):
    """Caen habitat's signals on the caseload's households waiting for the référent, as
    values (`pk`, `kind`, `created_at`, `household_id`, `household_created_at`): each
    signal's household probed by its key (an active accompaniment; the user's own unless a
    manager, the chosen référent's if the manager chose one), not checked against the
    caseload's ids (`caseload_of`), which the planner reads whole for each signal
    (docs/performance.md). Its SQL built once per user, role and référent filter
    (caen_accompagnement/statements.py)."""

    def build():
        active = Accompaniment.objects.active().filter(household=OuterRef("household"))
        signals = Signal.objects.filter(Exists(active))
        if not is_manager:
            signals = signals.filter(Q(household__referent=user) | Q(household__substitute=user))
        elif referent_id is not None:
            signals = signals.filter(household__referent_id=referent_id)
        return (
            signals.unacknowledged()
            .exclude(kind=SignalKind.ADHESION_LOSS)
            .values(
                "pk",
                "kind",
                "created_at",
                "household_id",
                household_created_at=F("household__created_at"),
            )
        )

    return _first_rows(("caseload-signals", user.pk, is_manager, referent_id), build)


def _pending_extensions():
    """Extensions waiting for the manager's decision."""
    return _first_of(
        Extension.objects.filter(status=ExtensionStatus.PENDING)
        .select_related("accompaniment__household")
        .only("until", *(f"accompaniment__{f}" for f in PANEL_HOUSEHOLD))
    )


def _surveys_due_qs(user, today, horizon_days=None):
    """Post-autonomy surveys not yet done (`AccompanimentQuerySet.surveys_due`) on the
    households the user may change (a social worker: their own), with their round and due
    date, soonest first."""
    qs = Accompaniment.objects.visible_to(user, "accompaniment.change")
    if not user.has_role(Role.CCAS_MANAGER):
        qs = qs.filter(Q(household__referent=user) | Q(household__substitute=user))
    until = None if horizon_days is None else today + timedelta(days=horizon_days)
    return qs.surveys_due(until).select_related("household", "household__referent")


def _survey_rows(accompaniments, today):
    return [
        {
            "accompaniment": acc,
            "round": acc.next_survey_round,
            "due_on": acc.next_survey_on,
            "late": acc.next_survey_on < today,
        }
        for acc in accompaniments
    ]


def _surveys_due(user, today, horizon_days=None):
    """Post-autonomy surveys not yet done, with their due date (one query)."""
    return _survey_rows(_surveys_due_qs(user, today, horizon_days), today)


@policy.action_required("accompaniment.view")
def surveys(request):
    today = timezone.localdate()
    return render(
        request,
        "accompaniments/surveys.html",
        {"due": _surveys_due(request.user, today), "today": today},
    )
