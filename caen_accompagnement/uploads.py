"""Checks shared by every private upload (CODESI reports, signed scans, bilans).

The browser's content type and the file name can lie: the type is read from the first bytes.
"""

MAX_UPLOAD_BYTES = 10 * 1024 * 1024
MAX_UPLOAD_LABEL = "10 Mo"

SIGNATURES = {
    ".pdf": b"%PDF-",
    ".png": b"\x89PNG\r\n\x1a\n",
    ".jpg": b"\xff\xd8\xff",
}
PDF_OR_IMAGE = (".pdf", ".png", ".jpg")


def sniff_suffix(upload, allowed=PDF_OR_IMAGE):
    """The file's real type as a suffix among `allowed` (".pdf", ".png", ".jpg"), or None."""
    head = upload.read(16)
    upload.seek(0)
    return next((suffix for suffix in allowed if head.startswith(SIGNATURES[suffix])), None)


def too_large(upload) -> bool:
    return upload.size > MAX_UPLOAD_BYTES


CONTENT_TYPES = {
    ".pdf": "application/pdf",
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
}


def private_file_response(field_file, filename):
    """Stream a stored private file as a download, never cached. The caller has checked the
    policy and written the audit row; the content type follows the stored file's suffix."""
    from django.http import FileResponse

    suffix = "." + field_file.name.rsplit(".", 1)[-1].lower()
    response = FileResponse(
        field_file.open("rb"),
        content_type=CONTENT_TYPES.get(suffix, "application/octet-stream"),
        as_attachment=True,
        filename=filename,
    )
    response["Cache-Control"] = "no-store"
    return response
