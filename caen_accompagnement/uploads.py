"""Checks shared by every upload (CODESI reports, signed scans, bilans, imported lists).

The browser's content type and the file name can lie: the type is read from the first bytes.
The size is checked twice: while the request streams in (`SizeCapUploadHandler`, first in
FILE_UPLOAD_HANDLERS: past `UPLOAD_CAP_BYTES` the rest of the file is discarded unread, so a
52 MB file never reaches the disk nor the memory), then by each form against its own limit.
"""

from django.core.files.uploadedfile import UploadedFile
from django.core.files.uploadhandler import FileUploadHandler

MAX_UPLOAD_BYTES = 10 * 1024 * 1024
MAX_UPLOAD_LABEL = "10 Mo"
# Imported tables (priority lists, dwelling stock): smaller than scans.
MAX_IMPORT_BYTES = 5 * 1024 * 1024
MAX_IMPORT_LABEL = "5 Mo"
# No form accepts more than this: the stream stops being kept past it.
UPLOAD_CAP_BYTES = max(MAX_UPLOAD_BYTES, MAX_IMPORT_BYTES)


class OversizedUpload(UploadedFile):
    """What a form receives for a file cut off while streaming: no content, and as size the
    bytes received before the cut (more than every form's limit), so `too_large` refuses it."""

    def __init__(self, name, size):
        import io

        super().__init__(io.BytesIO(b""), name=name, content_type="", size=size)

    def read(self, *args):
        raise ValueError("Fichier refusé pendant le dépôt : trop volumineux.")


class SizeCapUploadHandler(FileUploadHandler):
    """First upload handler: passes chunks on to the next handler (memory or temporary file)
    until UPLOAD_CAP_BYTES, then swallows the rest and hands the form an `OversizedUpload`."""

    def new_file(self, *args, **kwargs):
        super().new_file(*args, **kwargs)
        self.received = 0
        self.over = False

    def receive_data_chunk(self, raw_data, start):
        self.received += len(raw_data)
        if self.over or self.received > UPLOAD_CAP_BYTES:
            self.over = True
            return None  # the next handlers receive nothing more of this file
        return raw_data

    def file_complete(self, file_size):
        if self.over:
            return OversizedUpload(self.file_name, self.received)
        return None  # the next handler builds the file


def import_too_large(upload) -> bool:
    return upload.size > MAX_IMPORT_BYTES


def import_too_large_message(name) -> str:
    return f"Le fichier « {name} » dépasse {MAX_IMPORT_LABEL} : découpez-le en plusieurs fichiers."


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
