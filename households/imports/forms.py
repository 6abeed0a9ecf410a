import itertools

from django import forms

from caen_accompagnement.uploads import MAX_IMPORT_LABEL, import_too_large, import_too_large_message
from households.models import ImportBatch

from .reading import ImportFileError, open_table
from .rows import match_columns

CHECKED_AT_UPLOAD = 100  # rows read by the upload itself


class ImportForm(forms.ModelForm):
    file = forms.FileField(
        label="Fichier de la liste",
        help_text="CSV (séparateur point-virgule, virgule ou tabulation ; UTF-8 ou Windows-1252) "
        f"ou Excel (.xlsx), {MAX_IMPORT_LABEL} au plus. La première ligne porte les noms des colonnes.",
    )

    class Meta:
        model = ImportBatch
        fields = ["source"]
        labels = {"source": "Liste d'origine"}

    def clean(self):
        cleaned = super().clean()
        upload = cleaned.get("file")
        source = cleaned.get("source")
        if upload is None:
            return cleaned
        if import_too_large(upload):
            self.add_error("file", import_too_large_message(upload.name))
            return cleaned
        content = upload.read()
        try:
            # The header and the first rows only (a sheet too wide, a broken quote near the
            # top: refused here); the rest is read by the analysis, a background job for a
            # large file, that fails with its message on a line past a limit or malformed.
            table = open_table(content, upload.name)
            for _row in itertools.islice(table.rows, CHECKED_AT_UPLOAD):
                pass
            if source:
                match_columns(table.header, source, upload.name)
        except ImportFileError as exc:
            self.add_error("file", str(exc))
            return cleaned
        cleaned["content"] = content
        return cleaned
