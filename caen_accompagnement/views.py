from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.db import connection, transaction
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.views import defaults
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from accounts.enums import Role
from audit.models import Action, log

from . import accessibility as statement

# Where each role's work is; the first role of the user (in this order) wins.
HOME_OF_ROLE = [
    (Role.SOCIAL_WORKER, "accompaniments:caseload"),
    (Role.CCAS_MANAGER, "households:list"),
    (Role.LETTING_OFFICER, "households:list"),
    (Role.DEBT_OFFICER, "households:list"),
    (Role.TENANCY_OFFICER, "households:list"),
    (Role.CELLULE_MEMBER, "coordination:list"),
    (Role.STATE_READER, "coordination:list"),
    (Role.ADMIN, "admin:index"),
]


def home(request):
    for role, url_name in HOME_OF_ROLE:
        if role in request.user.roles:
            return redirect(url_name)
    return render(request, "home.html")


@login_not_required
@require_GET
@never_cache
# Outside the request's transaction: opening it would fail first when the database is down.
@transaction.non_atomic_requests
def health(request):
    checks = {}
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        checks["database"] = "ok"
    except Exception as exc:  # noqa: BLE001 - any failure means the service is down
        checks["database"] = f"erreur : {exc.__class__.__name__}"
    if settings.REDIS_URL:
        try:
            import redis

            redis.Redis.from_url(
                settings.REDIS_URL, socket_connect_timeout=2, socket_timeout=2
            ).ping()
            checks["redis"] = "ok"
        except Exception as exc:  # noqa: BLE001
            checks["redis"] = f"erreur : {exc.__class__.__name__}"
    healthy = all(value == "ok" for value in checks.values())
    return JsonResponse(
        {"status": "ok" if healthy else "erreur", "services": checks},
        status=200 if healthy else 503,
    )


@login_not_required
def accessibility(request):
    return render(
        request,
        "accessibility.html",
        {
            "criteria": statement.CRITERIA,
            "sample": statement.SAMPLE,
            "audit_date": statement.AUDIT_DATE,
            "contact": settings.ACCESSIBILITY_CONTACT_EMAIL,
        },
    )


def _log_refusal(request):
    if getattr(request, "user", None) is not None and request.user.is_authenticated:
        log(request, Action.DENIED, object_type="url", label=request.path[:200])


def permission_denied(request, exception=None):
    """Every refused access is logged (docs/access.md), outside the rolled-back request
    transaction."""
    _log_refusal(request)
    return render(request, "403.html", status=403)


def page_not_found(request, exception=None):
    """A page that exists answering 404 is an out-of-scope or forged id: a refusal, logged too
    (docs/access.md). An address that is no page at all (no resolved view) is not."""
    if getattr(request, "resolver_match", None) is not None:
        _log_refusal(request)
    return defaults.page_not_found(request, exception)
