"""One-time form keys: a form posted twice (lost answer, double tap, two tabs) saves once.

Every form that creates records carries a key generated when it is shown: `{% once_key %}`
(templatetags/once.py, loaded in every template) renders it as the hidden field `once_key`, and
the view is decorated with `audit.once.submitted_once`, which records the key in the request's
transaction and answers a second post of it with the first one's redirection, without running
the view again. That is the generic mechanism (docs/architecture.md, « One-time form keys »).

Two forms also store their key on the row itself (`create_once` below): the contact form (its
browser-side draft keeps the key across reloads) and the signal form. There a form carries a key generated when it is shown (a hidden UUID field); the model stores it under
a unique constraint. `create_once` saves the row unless one with that key exists. Two concurrent
posts of one form may both miss the lookup: the second INSERT then waits for the first request's
transaction and fails on the constraint. Its savepoint is rolled back and the row the first one
saved is returned, so the duplicate gets the same normal answer instead of an error page.
"""

import uuid

from django.db import IntegrityError, transaction

FORM_KEY_FIELD = "once_key"


def posted_key(request):
    """The form's one-time key as posted, a UUID; None when absent or not a UUID."""
    value = request.POST.get(FORM_KEY_FIELD, "") if request.method == "POST" else ""
    try:
        return uuid.UUID(value)
    except ValueError:
        return None


def form_key():
    """A new key for a form being shown. A refused form shown again gets a new one too: its
    first key was not kept (audit/once.py), and a retry resends the key of the page it left."""
    return uuid.uuid4()


def create_once(queryset, key, create):
    """(object, created): the row of `queryset` matching `key` (a dict of field values backed by
    a unique constraint), else the one `create()` saves. `key` None or holding an empty value:
    `create()` is called, nothing is looked up. `create` writes its history itself (log, events):
    it runs inside a savepoint, so a duplicate leaves nothing half-written."""
    if not key or any(value in (None, "") for value in key.values()):
        return create(), True
    found = queryset.filter(**key).first()
    if found is not None:
        return found, False
    try:
        with transaction.atomic():
            return create(), True
    except IntegrityError:
        # The concurrent request has committed by now (PostgreSQL made this INSERT wait for it);
        # read committed: this new statement sees its row.
        found = queryset.filter(**key).first()
        if found is None:
            raise
        return found, False
