"""Every PDF of the app (minutes, syntheses, conventions, bilans) is WeasyPrint over a template
extending `pdf/base.html`, which carries the programme's header.

What stock WeasyPrint redoes for every document and this helper does once per process (per
thread: Pango's font map is not thread-safe), docs/performance.md "PDFs":

- the font configuration (fontconfig set up, fonts looked up and loaded);
- the stylesheet `static/pdf/base.css`, parsed once (the templates carry no `<style>` of their
  own but a few lines of `{% block style %}`);
- the cyclic garbage collector stays off while WeasyPrint lays a document out: it builds and
  drops hundreds of thousands of small objects, and the collector's passes over the
  application's own objects cost a quarter of a long document's time; it resumes after.

Resources are read by `LocalFetcher`: files of `static/` from disk, nothing from the network.
"""

import functools
import gc
import threading
from pathlib import Path

from django.conf import settings
from django.http import HttpResponse
from django.template.loader import render_to_string

STATIC_DIR = Path(settings.BASE_DIR) / "static"
STYLESHEET = STATIC_DIR / "pdf" / "base.css"

_per_thread = threading.local()


@functools.cache
def _fetcher_class():
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    class LocalFetcher(URLFetcher):
        """Files under `static/` only, read from disk; any other URL (network, other
        directories) is refused: a PDF never waits on, nor reveals itself to, another server."""

        def fetch(self, url, headers=None):
            if not url.startswith("file://"):
                raise ValueError(f"Ressource refusée dans un PDF : {url}")
            path = Path(url.removeprefix("file://").split("?")[0]).resolve()
            if not path.is_relative_to(STATIC_DIR.resolve()) or not path.is_file():
                raise ValueError(f"Ressource refusée dans un PDF : {url}")
            return URLFetcherResponse(url, path.read_bytes())

    return LocalFetcher


def _tools():
    """(fetcher, font configuration, [stylesheet]) of this thread, made on first use."""
    tools = getattr(_per_thread, "tools", None)
    if tools is None:
        from weasyprint import CSS
        from weasyprint.text.fonts import FontConfiguration

        fetcher = _fetcher_class()()
        font_config = FontConfiguration()
        stylesheet = CSS(url=STYLESHEET.as_uri(), url_fetcher=fetcher, font_config=font_config)
        tools = _per_thread.tools = (fetcher, font_config, [stylesheet])
    return tools


def render_pdf(template_name, context) -> bytes:
    """The PDF of `template_name` (extending `pdf/base.html`) rendered with `context` only: no
    context processors (a PDF prints nothing of the session or the menu)."""
    from weasyprint import HTML

    html = render_to_string(template_name, context)
    fetcher, font_config, stylesheets = _tools()
    collecting = gc.isenabled()
    gc.disable()
    try:
        document = HTML(string=html, base_url=str(STATIC_DIR), url_fetcher=fetcher)
        return document.write_pdf(stylesheets=stylesheets, font_config=font_config)
    finally:
        if collecting:
            gc.enable()


def pdf_response(pdf: bytes, filename: str, inline=False) -> HttpResponse:
    response = HttpResponse(pdf, content_type="application/pdf")
    disposition = "inline" if inline else "attachment"
    response["Content-Disposition"] = f'{disposition}; filename="{filename}"'
    response["Cache-Control"] = "no-store"
    return response
