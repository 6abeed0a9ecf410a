"""One page of a list, and the parameters its page links keep (filters, other lists' pages).

Every paginated page renders its links with `templates/components/pagination.html`:
`{% include "components/pagination.html" with page=page %}` (optional: `anchor`, `label`).
"""

from django.core.paginator import Paginator

PAGE_SIZE = 25
MAX_UNCOUNTED_PAGE = 10**9


def paginate(request, object_list, param="page", per_page=PAGE_SIZE, keep=None, count=None):
    """The page of `object_list` (a QuerySet or a list) named by `request.GET[param]`.

    Its links keep the request's other parameters (the filters and, on a page of several
    paginated lists, the other lists' pages), or only those named in `keep`; the page parameter
    itself comes once, last. The page carries `param` and, for Django's `{% querystring %}`
    tag, `previous_query` and `next_query` (None without such a page). `count`, when the caller
    already knows it (counted with other figures in one query), spares the paginator its COUNT.
    """
    paginator = Paginator(object_list, per_page)
    if count is not None:
        paginator.count = count  # a cached_property: set, it is not computed
    page = paginator.get_page(request.GET.get(param))
    _add_links(page, request, param, keep)
    return page


class UncountedPage:
    """A page of a list never counted: `per_page` + 1 rows read, the extra one telling only
    that a next page exists. For the access log, which grows by every list page viewed (a year
    kept: millions of rows) and whose COUNT would read them all on every view. Links as
    `paginate`'s; no total, no last page (`paginator` is None)."""

    paginator = None

    def __init__(self, rows, number, per_page):
        self.object_list = rows[:per_page]
        self.number = number
        self._more = len(rows) > per_page
        self._offset = (number - 1) * per_page

    def __iter__(self):
        return iter(self.object_list)

    def __len__(self):
        return len(self.object_list)

    def has_next(self):
        return self._more

    def has_previous(self):
        return self.number > 1

    def has_other_pages(self):
        return self.has_next() or self.has_previous()

    def start_index(self):
        return self._offset + 1 if self.object_list else 0

    def end_index(self):
        return self._offset + len(self.object_list)


def paginate_uncounted(request, queryset, param="page", per_page=PAGE_SIZE):
    """The page of `queryset` named by `request.GET[param]` (page 1 if not a positive whole
    number; at most MAX_UNCOUNTED_PAGE), read with one query and no COUNT: see UncountedPage."""
    try:
        number = max(1, int(request.GET.get(param, 1)))
    except ValueError:
        number = 1
    number = min(number, MAX_UNCOUNTED_PAGE)  # its OFFSET must stay a PostgreSQL bigint
    offset = (number - 1) * per_page
    page = UncountedPage(list(queryset[offset : offset + per_page + 1]), number, per_page)
    _add_links(page, request, param, None)
    return page


def _add_links(page, request, param, keep):
    kept = request.GET.copy()
    for name in list(kept):
        if name == param or (keep is not None and name not in keep):
            del kept[name]
    page.param = param
    page.previous_query = page.next_query = None
    if page.has_previous():
        page.previous_query = _with_page(kept, param, page.number - 1)
    if page.has_next():
        page.next_query = _with_page(kept, param, page.number + 1)


def _with_page(kept, param, number):
    query = kept.copy()
    query[param] = number
    return query


def one_list(request, labels, counts, param="liste"):
    """A page of several lists showing one at a time under tabs (components/tabs.html): the
    list asked in `request.GET[param]` if it is one of `counts`' keys, else the first holding
    something (else the first), and the tabs, each labelled with its list's count.
    `labels`: {key: label}; `counts`: {key: count}, in the tabs' order."""
    shown = request.GET.get(param)
    if shown not in counts:
        shown = next((key for key, count in counts.items() if count), next(iter(counts)))
    tabs = [
        {
            "key": key,
            "label": f"{labels[key]} ({count})",
            "href": f"?{param}={key}",
            "count": count,
            "current": key == shown,
        }
        for key, count in counts.items()
    ]
    return shown, tabs
