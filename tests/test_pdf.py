import io

from pypdf import PdfReader

from caen_accompagnement.pdf import render_pdf


def test_render_pdf_has_programme_header(tmp_path):
    pdf = render_pdf("pdf/base.html", {})
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
    assert pdf.startswith(b"%PDF")
    assert "Caen habitat" in text and "Logement accompagné" in text
