"""One page of a list, and the query string its page links keep (filters, other lists' pages).

Rendered by `templates/components/pagination.html`:
`{% include "components/pagination.html" with page=page querystring=page.querystring param=page.param %}`.
"""

from django.core.paginator import Paginator

PAGE_SIZE = 25


def paginate(request, object_list, param="page", per_page=PAGE_SIZE):
    """The page of `object_list` (a QuerySet or a list) named by `request.GET[param]`.

    The page carries `param` and `querystring`: the request's other parameters, so that a page
    link keeps the filters, and, on a page of several paginated lists, the other lists' pages.
    """
    page = Paginator(object_list, per_page).get_page(request.GET.get(param))
    query = request.GET.copy()
    query.pop(param, None)
    page.param = param
    page.querystring = query.urlencode()
    return page
