"""One page of a list, and the parameters its page links keep (filters, other lists' pages).

Every paginated page renders its links with `templates/components/pagination.html`:
`{% include "components/pagination.html" with page=page %}` (optional: `anchor`, `label`).
"""

from django.core.paginator import Paginator

PAGE_SIZE = 25


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
    kept = request.GET.copy()
    for name in list(kept):
        if name == param or (keep is not None and name not in keep):
            del kept[name]
    page.param = param
    page.previous_query = page.next_query = None
    if page.has_previous():
        page.previous_query = _with_page(kept, param, page.previous_page_number())
    if page.has_next():
        page.next_query = _with_page(kept, param, page.next_page_number())
    return page


def _with_page(kept, param, number):
    query = kept.copy()
    query[param] = number
    return query
