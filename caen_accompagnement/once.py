"""One-time form keys: a form posted twice (lost answer, double tap, two tabs) saves once.

A form carries a key generated when it is shown (a hidden UUID field); the model stores it under
a unique constraint. `create_once` saves the row unless one with that key exists. Two concurrent
posts of one form may both miss the lookup: the second INSERT then waits for the first request's
transaction and fails on the constraint. Its savepoint is rolled back and the row the first one
saved is returned, so the duplicate gets the same normal answer instead of an error page.
"""

from django.db import IntegrityError, transaction


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
