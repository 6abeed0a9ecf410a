from django import forms
from django.utils import timezone

from households.enums import NoticeMethod
from housing.forms import DATE_FORMATS, DateInput


class ArchiveReasonForm(forms.Form):
    reason = forms.CharField(
        label="Motif de la consultation",
        min_length=15,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Obligatoire et conservé : pourquoi ce dossier archivé doit-il être lu ? "
        "(par exemple : demande d'accès de la personne, contentieux en cours).",
        error_messages={
            "required": "Indiquez le motif de la consultation.",
            "min_length": "Précisez le motif (15 caractères au moins).",
        },
    )


class NoticeForm(forms.Form):
    given_on = forms.DateField(
        label="Notice remise le",
        widget=DateInput(),
        input_formats=DATE_FORMATS,
        error_messages={
            "required": "Indiquez la date de remise.",
            "invalid": "Saisissez une date valide (JJ/MM/AAAA).",
        },
    )
    method = forms.ChoiceField(
        label="Modalité",
        choices=NoticeMethod.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Indiquez comment la notice a été remise."},
    )

    def clean_given_on(self):
        value = self.cleaned_data["given_on"]
        if value > timezone.localdate():
            raise forms.ValidationError("La date ne peut pas être dans le futur.")
        return value
