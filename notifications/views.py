from django.contrib import messages
from django.db.models import Count
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.policy import action_required
from caen_accompagnement.pagination import paginate

from .enums import Kind
from .forms import PreferencesForm
from .models import JobRun, Notification

STATES = {"non-lues": "Non lues", "lues": "Lues"}


@require_GET
@action_required("notification.view")
def notification_list(request):
    qs = Notification.objects.visible_to(request.user)
    kind, state = request.GET.get("type", ""), request.GET.get("etat", "")
    if kind in Kind.values:
        qs = qs.filter(kind=kind)
    if state == "non-lues":
        qs = qs.unread()
    elif state == "lues":
        qs = qs.filter(read_at__isnull=False)
    return render(
        request,
        "notifications/list.html",
        {
            "page": paginate(request, qs),
            "kinds": Kind.choices,
            "states": STATES.items(),
            "kind": kind,
            "state": state,
        },
    )


@require_POST
@action_required("notification.view")
def mark_read(request, pk):
    notification = get_object_or_404(Notification.objects.visible_to(request.user), pk=pk)
    notification.mark_read()
    if request.htmx:
        return render(request, "notifications/list.html#row", {"notification": notification})
    return redirect("notifications:list")


@require_POST
@action_required("notification.view")
def mark_all_read(request):
    count = Notification.objects.visible_to(request.user).unread().update(read_at=timezone.now())
    messages.success(request, f"{count} notification(s) marquée(s) comme lue(s).")
    return redirect("notifications:list")


@require_http_methods(["GET", "POST"])
@action_required("notification.view")
def preferences(request):
    form = PreferencesForm(request.POST or None, user=request.user)
    if request.method == "POST":
        if form.is_valid():
            form.save()
            messages.success(request, "Vos préférences de notification sont enregistrées.")
            return redirect("notifications:preferences")
        return render(request, "notifications/preferences.html", {"form": form}, status=400)
    return render(request, "notifications/preferences.html", {"form": form})


def job_rows():
    """Each periodic job of `setup_schedules`, with its last run and what that run produced:
    one query whatever the number of jobs and of their runs."""
    from caen_accompagnement.management.commands.setup_schedules import SCHEDULES

    names = [task for task, _crontab, _description in SCHEDULES.values()]
    runs = {
        run.job: run for run in JobRun.latest_of(names).annotate(produced=Count("notifications"))
    }
    return [
        {
            "label": label,
            "task": task,
            "description": description,
            "run": runs.get(task),
        }
        for label, (task, _crontab, description) in SCHEDULES.items()
    ]


@require_GET
@action_required("jobs.view")
def job_list(request):
    return render(request, "notifications/jobs.html", {"jobs": job_rows()})
