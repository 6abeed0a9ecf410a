"""Response headers that keep case data out of browser features and caches.

Static files never reach this middleware (whitenoise answers them first), so every response
it sees is a page, a fragment, a PDF or an upload built from the database: none may be stored
by the browser or a proxy (`Cache-Control: no-store`, which also keeps them out of the
back/forward cache after logout). The Content-Security-Policy is django-csp's (settings).
"""

from django.conf import settings
from django.utils.cache import add_never_cache_headers


class PrivacyHeadersMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        response.headers.setdefault("Permissions-Policy", settings.PERMISSIONS_POLICY)
        add_never_cache_headers(response)
        return response
