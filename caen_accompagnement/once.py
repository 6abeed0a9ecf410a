"""One-time form keys: a form posted twice (lost answer, double tap, two tabs) saves once.

Every form that creates records carries a key generated when it is shown: `{% once_key %}`
(templatetags/once.py, loaded in every template) renders it as the hidden field `once_key`, and
the view is decorated with `audit.once.submitted_once`, which records the key in the request's
transaction and answers a second post of it with the first one's redirection, without running
the view again, even when both posts arrive at the same instant. That is the one mechanism
(docs/architecture.md, « Exactly once »): no row stores a key of its own.

The contact form's browser-side draft (static/js/contact_draft.js) keeps every named field,
`once_key` included, across reloads and offline retries: the draft's key is the posted key, so
a draft sent again after a lost answer gets the first answer and saves nothing twice.
"""

import uuid

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
