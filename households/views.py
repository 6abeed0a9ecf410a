"""Household pages: the list, the file, its create/edit forms, status and référent changes.

Every household is loaded through `Household.objects.visible_to(request.user)`, so a forged or
out-of-scope id answers 404; what the user may then do to it is asked of `accounts.policy`.
"""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from accounts import policy
from accounts.enums import Role
from audit.models import Action, log, log_households
from audit.once import submitted_once
from caen_accompagnement import statements
from caen_accompagnement.forms import add_errors
from caen_accompagnement.hrefs import pk_href
from caen_accompagnement.pagination import PAGE_SIZE, paginate
from caen_accompagnement.templatetags.fr_format import format_day
from caen_accompagnement.versioning import STALE_MESSAGE

from . import panels
from .enums import Public, Status
from .filters import HouseholdFilter
from .forms import HouseholdForm, ReferentForm, StatusChangeForm, member_formset
from .models import Household, HouseholdSource


@policy.action_required("household.view")
def household_list(request):
    user = request.user
    # The form validates the filters; the list's count and page are statements built once per
    # user, roles, filters as validated and page (caen_accompagnement/statements.py: Django
    # built and compiled them on every view, more than their SQL took).
    filterset = HouseholdFilter(request.GET, request=request)
    filterset.is_valid()
    key = (user.pk, user.is_active, user.roles, tuple(sorted(filterset.form.cleaned_data.items())))

    def households():
        return filterset.filter_queryset(Household.objects.visible_to(user).with_list_data())

    total = statements.count(("households", *key), lambda: households().values("pk"))
    page = paginate(request, range(total), count=total)
    start = (page.number - 1) * PAGE_SIZE
    page.object_list = statements.instances(
        ("households-page", *key, start), lambda: households()[start : start + PAGE_SIZE]
    )
    log_households(request, page, "Liste des ménages")  # only the rows of this page
    return render(
        request,
        "households/list.html",
        {
            "filter": filterset,
            "page": page,
            "rows": _list_rows(page),
            "can_create": policy.can(request.user, "household.create"),
            "can_import": policy.can(request.user, "household.import"),
        },
    )


def _list_rows(page):
    """The cells of each row, a dict a row, its link made once for the page: the template
    resolved a chain of model attributes and a `{% url %}` per cell (docs/performance.md)."""
    href = pk_href("households:detail")
    # Labels from the choices once, not `get_…_display`, which rebuilds a dict of them a call.
    publics, statuses = dict(Public.choices), dict(Status.choices)
    # The days formatted here in the zone read once: `|date` asked it of a context variable
    # per row (docs/performance.md).
    zone = timezone.get_current_timezone()
    households = list(page)
    names, member_counts = Household.names_and_member_counts(households)
    sources = HouseholdSource.labels_of(households)
    return [
        {
            "href": href(household.pk),
            "reference": household.reference,
            "duplicate": household.has_open_duplicate,
            "name": names[household.pk],
            "size": str(household.size_from(member_counts[household.pk])),
            "public": publics.get(household.public, household.public),
            "status": statuses.get(household.status, household.status),
            "since": format_day(timezone.localtime(household.status_changed_at, zone)),
            "sources": sources[household.pk],
            "referent": str(household.referent) if household.referent else "—",
        }
        for household in households
    ]


def _visible_household(request, pk):
    queryset = (
        Household.objects.visible_to(request.user)
        .select_related("referent", "substitute")
        .prefetch_related("members")  # Person's Meta.ordering; the lists: « Situation » only
    )
    return get_object_or_404(queryset, pk=pk)


def _detail(request, household, *, status_form=None, referent_form=None):
    """Render the household file, one tab at a time (households/panels.py): « Situation »
    (identity, members, lists, pathway, référent) or one later step's panel, by default the
    household's step's. After a refused status or référent form: « Situation », status 400,
    the typed text kept."""
    refused = status_form is not None or referent_form is not None
    user = request.user
    log_households(request, [household], "")  # the row `log` writes, in one cheap statement
    asked = panels.SITUATION if refused else request.GET.get("onglet")
    tabs, panel = panels.tabs(user, household, asked)
    pairs = [
        (pair, pair.other if pair.household_id == household.pk else pair.household)
        for pair in household.open_duplicates()
    ]
    # Which of the other files the user may open (one query, only when there are pairs).
    visible = pairs and set(
        Household.objects.visible_to(user)
        .filter(pk__in=[other.pk for _, other in pairs])
        .values_list("pk", flat=True)
    )
    context = {
        "household": household,
        "tabs": tabs,
        "duplicates": [
            {"pair": pair, "other": other, "visible": other.pk in visible} for pair, other in pairs
        ],
        "can_change": policy.can(user, "household.change", household),
    }
    if panel is None:
        context.update(_situation(user, household, status_form, referent_form))
    else:
        # The later step's panel, its app's data (households/panels.py).
        context["panel"] = {"template": panel.template, "data": panel.build(user, household)}
    return render(request, "households/detail.html", context, status=400 if refused else 200)


def _situation(user, household, status_form, referent_form):
    """The « Situation » tab: identity, members, lists, pathway and référent, with the status
    and référent forms for who may use them."""
    can_change_status = policy.can(user, "household.change_status", household)
    can_assign = policy.can(user, "household.assign_referent", household)
    if status_form is None and can_change_status and household.next_statuses:
        status_form = StatusChangeForm(household)
    if referent_form is None and can_assign:
        referent_form = ReferentForm(household=household)
    return {
        "members": household.members_list,
        "sources": list(household.sources.all()),
        "timeline": list(household.status_changes.select_related("by")),
        "referent_history": list(
            household.referent_assignments.select_related("referent", "substitute", "by")
        ),
        "can_see_debt": policy.can(user, "debt.view", household),
        "status_form": status_form if can_change_status else None,
        "referent_form": referent_form if can_assign else None,
    }


@policy.action_required("household.view")
def household_detail(request, pk):
    return _detail(request, _visible_household(request, pk))


@policy.action_required("household.create")
@submitted_once
def household_create(request):
    return _edit(request, Household(), creating=True)


@policy.action_required("household.change")
def household_edit(request, pk):
    household = _visible_household(request, pk)
    policy.require(request.user, "household.change", household)
    return _edit(request, household, creating=False)


def _edit(request, household, *, creating):
    MemberFormSet = member_formset(extra=2 if creating else 1)
    if request.method != "POST":
        form = HouseholdForm(instance=household)
        formset = MemberFormSet(instance=household, prefix="members")
        return _render_form(request, household, form, formset, creating)

    form = HouseholdForm(request.POST, instance=household)
    formset = MemberFormSet(request.POST, instance=household, prefix="members")
    form_ok, formset_ok = form.is_valid(), formset.is_valid()
    if not creating and not formset_ok and any("id" in f.errors for f in formset.forms):
        # A member row was removed by someone else since this page was read.
        form.add_error(None, STALE_MESSAGE)
    if form_ok and formset_ok:
        try:
            with transaction.atomic():
                household = _save(request, form, formset, creating)
        except ValidationError as error:  # stale version: nothing was written
            add_errors(form, error)
        else:
            if creating:
                messages.success(request, f"Le dossier {household.reference} a été créé.")
            else:
                messages.success(request, "Les modifications ont été enregistrées.")
            return redirect(household.tab_url(panels.SITUATION))
    return _render_form(request, household, form, formset, creating)


def _save(request, form, formset, creating):
    user = request.user
    if creating:
        household = form.save()
        household.record_creation(by=user)
        if user.has_role(Role.SOCIAL_WORKER) and not user.has_role(Role.CCAS_MANAGER):
            # A social worker who opens a file follows it (and may then edit it).
            household.assign_referent(user, by=user, reason="Dossier ouvert par son référent")
    else:
        household = form.instance
        household.save_if_unchanged(form.cleaned_data.get("version"), form.saved_fields)
    formset.instance = household
    formset.save()
    log(
        request,
        Action.CREATE if creating else Action.UPDATE,
        household,
        label="Création du dossier" if creating else "Identité et composition",
    )
    return household


def _render_form(request, household, form, formset, creating):
    return render(
        request,
        "households/form.html",
        {"household": household, "form": form, "formset": formset, "creating": creating},
        status=400 if request.method == "POST" else 200,
    )


@require_POST
@policy.action_required("household.change_status")
def change_status(request, pk):
    household = _visible_household(request, pk)
    policy.require(request.user, "household.change_status", household)
    form = StatusChangeForm(household, request.POST)
    if form.is_valid():
        previous = household.get_status_display()
        try:
            household.move_to(
                form.cleaned_data["to_status"],
                by=request.user,
                reason=form.cleaned_data["reason"],
                decision=form.cleaned_data["decision"],
                exit_reason=form.cleaned_data["exit_reason"],
            )
        except ValidationError as error:
            add_errors(form, error)
        else:
            log(
                request,
                Action.UPDATE,
                household,
                label=f"Statut : {previous} → {household.get_status_display()}",
            )
            messages.success(request, f"Statut changé : « {household.get_status_display()} ».")
            return redirect(household.tab_url(panels.SITUATION))
    return _detail(request, household, status_form=form)


@require_POST
@policy.action_required("household.assign_referent")
def assign_referent(request, pk):
    household = _visible_household(request, pk)
    policy.require(request.user, "household.assign_referent", household)
    form = ReferentForm(request.POST, household=household)
    if form.is_valid():
        referent = form.cleaned_data["referent"]
        try:
            household.assign_referent(
                referent,
                by=request.user,
                substitute=form.cleaned_data["substitute"],
                reason=form.cleaned_data["reason"],
            )
        except ValidationError as error:
            add_errors(form, error)
        else:
            log(request, Action.UPDATE, household, label=f"Référent : {referent}")
            messages.success(request, f"{referent} est désormais référent(e) de ce ménage.")
            return redirect(household.tab_url(panels.SITUATION))
    return _detail(request, household, referent_form=form)
