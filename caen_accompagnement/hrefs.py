"""Links of a list page's rows: `reverse` once per page, not once per row.

`href = pk_href("diagnostics:detail")`, then `href(diagnostic.pk)` is what
`reverse("diagnostics:detail", args=[diagnostic.pk])` gives: the URL is reversed once around a
marker, the marker replaced by each key. A page of 100 rows spent some 3 ms in as many
`{% url %}` resolving the same pattern (docs/performance.md).
"""

from django.urls import reverse

MARK = "9081726354"  # an integer no route holds otherwise, for `<int:…>` converters


def pk_href(name):
    """A function of a primary key giving `reverse(name, args=[pk])`."""
    prefix, mark, suffix = reverse(name, args=[int(MARK)]).partition(MARK)
    assert mark and MARK not in suffix, name
    return lambda pk: f"{prefix}{int(pk)}{suffix}"
