"""`submitted_once`: a view creating records runs once per one-time form key.

The form carries the key (`{% once_key %}`, caen_accompagnement/once.py). Before the view runs,
the key is inserted (audit.FormSubmission, unique) in the request's transaction
(`ATOMIC_REQUESTS`); the view's redirection is stored on it. A second post of the same key:

- after the first committed: the INSERT fails on the unique key, the view does not run, the
  answer is the first one's redirection (the first's success message is still in the session);
- while the first is still running (two tabs, a double tap): PostgreSQL makes the second INSERT
  wait for the first transaction, then fail on the key: same answer, one row;
- after the first was refused (a 400 with the form shown again) or failed (an exception rolls
  the whole request back): the key was not kept, so the corrected form is saved normally.

A view that accepts a form without redirecting (an htmx answer, which comes back 200 whether the
form was refused or not) says so with `accepted(response)`; a second post of that key gets
`HX-Refresh` (htmx reloads the page, which shows the row saved once).

A post without a key (an old page, a script) runs the view as before. Keys are kept
FORM_KEY_RETENTION_DAYS (7), longer than a browser-side draft (24 hours, static/js/drafts.js):
the contact form's draft resends its page's key, so a draft retried after a lost answer gets
this same first answer. The one mechanism: no model keeps a key of its own. Lives in `audit`,
the lowest app every view may import: a record of a submitted form, purged with the log.
"""

from functools import wraps

from django.db import IntegrityError, transaction
from django.http import HttpResponse
from django.shortcuts import redirect

from caen_accompagnement.once import posted_key

from .models import FormSubmission

REDIRECTS = (301, 302, 303)
REFRESH = "#refresh"  # the first answer was not a redirection: the page is reloaded


def accepted(response):
    """Mark a non-redirecting answer as the form accepted (its key is kept)."""
    response.once_accepted = True
    return response


def submitted_once(view):
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        key = posted_key(request)
        if key is None:
            return view(request, *args, **kwargs)
        if not transaction.get_connection().in_atomic_block:
            with transaction.atomic():  # the key commits with the view's writes, or not at all
                return wrapper(request, *args, **kwargs)
        user = request.user if request.user.is_authenticated else None
        try:
            with transaction.atomic():
                submission = FormSubmission.objects.create(
                    key=key, user=user, path=request.path[:300]
                )
        except IntegrityError:
            return _answer_again(request, key, user)
        response = view(request, *args, **kwargs)
        if response.status_code in REDIRECTS:
            submission.location = response["Location"][:500]
            submission.save(update_fields=["location"])
        elif getattr(response, "once_accepted", False):
            submission.location = REFRESH
            submission.save(update_fields=["location"])
        else:
            submission.delete()  # not accepted: the same key may be posted again
        return response

    wrapper.submitted_once = True
    return wrapper


def _answer_again(request, key, user):
    # The other request has committed by now (read committed: this statement sees its row).
    first = FormSubmission.objects.filter(key=key).first()
    if first is None or first.user_id != (user.pk if user else None) or not first.location:
        # Another user's key (forged), or nothing to answer with: refuse, nothing saved.
        return HttpResponse(
            "Ce formulaire a déjà été envoyé : rechargez la page pour en remplir un nouveau.",
            status=400,
            content_type="text/plain; charset=utf-8",
        )
    if first.location == REFRESH:
        return HttpResponse(status=200, headers={"HX-Refresh": "true"})
    return redirect(first.location)
