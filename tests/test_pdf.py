import gc
import io

import pytest
from pypdf import PdfReader

from caen_accompagnement import pdf
from caen_accompagnement.pdf import render_pdf


def test_render_pdf_has_programme_header(tmp_path):
    pdf = render_pdf("pdf/base.html", {})
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
    assert pdf.startswith(b"%PDF")
    assert "Caen habitat" in text and "Logement accompagné" in text


def _counting_fetches(monkeypatch):
    """The URLs the PDF helper's fetcher is asked for, from now on (its real `fetch` answers)."""
    fetcher_class = pdf._fetcher_class()
    real_fetch = fetcher_class.fetch
    asked = []

    def fetch(self, url, headers=None):
        asked.append(url)
        return real_fetch(self, url, headers)

    monkeypatch.setattr(fetcher_class, "fetch", fetch)
    monkeypatch.setattr(pdf._per_thread, "tools", None)  # as in a fresh process
    return asked


def test_the_stylesheet_is_read_once_then_reused(monkeypatch):
    asked = _counting_fetches(monkeypatch)
    first = render_pdf("pdf/base.html", {})
    assert asked == [pdf.STYLESHEET.as_uri()]
    second = render_pdf("pdf/base.html", {})
    assert asked == [pdf.STYLESHEET.as_uri()]  # neither the file nor anything else read again
    for document in (first, second):
        text = PdfReader(io.BytesIO(document)).pages[0].extract_text()
        assert "Page 1 / 1" in text  # the stylesheet's page footer: it is applied


def test_font_configuration_and_stylesheet_kept_between_documents(monkeypatch):
    monkeypatch.setattr(pdf._per_thread, "tools", None)
    render_pdf("pdf/base.html", {})
    tools = pdf._per_thread.tools
    render_pdf("pdf/base.html", {})
    assert pdf._per_thread.tools is tools


def test_the_fetcher_reads_static_files_only():
    fetcher = pdf._fetcher_class()()
    assert fetcher.fetch(pdf.STYLESHEET.as_uri()).read().startswith(b"/*")
    for url in (
        "http://127.0.0.1:9/logo.png",
        "https://example.org/style.css",
        (pdf.STATIC_DIR / ".." / "manage.py").resolve().as_uri(),
        "file:///etc/passwd",
    ):
        with pytest.raises(ValueError, match="Ressource refusée"):
            fetcher.fetch(url)


def test_garbage_collection_resumes_after_a_document():
    assert gc.isenabled()
    render_pdf("pdf/base.html", {})
    assert gc.isenabled()
    gc.disable()
    try:
        render_pdf("pdf/base.html", {})
        assert not gc.isenabled()  # left as the caller had it
    finally:
        gc.enable()
