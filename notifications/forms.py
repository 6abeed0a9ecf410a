from django import forms

from .enums import Channel, Kind
from .models import DigestSetting, Preference


class PreferencesForm(forms.Form):
    """The hour of the daily digest and, per kind of notification, how it reaches the user."""

    digest_hour = forms.IntegerField(
        label="Heure du récapitulatif quotidien (0 à 23, heure de Paris)",
        error_messages={
            "required": "Indiquez l'heure du récapitulatif.",
            "invalid": "L'heure du récapitulatif doit être un nombre entier entre 0 et 23.",
        },
    )

    def __init__(self, *args, user, **kwargs):
        self.user = user
        current = dict(Preference.objects.filter(user=user).values_list("kind", "channel"))
        initial = {f"kind_{k}": current.get(k, Channel.IMMEDIATE) for k in Kind.values}
        initial["digest_hour"] = DigestSetting.hour_of(user)
        super().__init__(*args, initial=initial, **kwargs)
        for kind in Kind:
            self.fields[f"kind_{kind.value}"] = forms.ChoiceField(
                label=kind.label, choices=Channel.choices
            )

    def clean_digest_hour(self):
        hour = self.cleaned_data["digest_hour"]
        if not 0 <= hour <= 23:
            raise forms.ValidationError(
                "L'heure du récapitulatif doit être comprise entre 0 et 23."
            )
        return hour

    def kind_fields(self):
        return [self[f"kind_{k}"] for k in Kind.values]

    def save(self):
        DigestSetting.objects.update_or_create(
            user=self.user, defaults={"hour": self.cleaned_data["digest_hour"]}
        )
        for kind in Kind.values:
            Preference.objects.update_or_create(
                user=self.user, kind=kind, defaults={"channel": self.cleaned_data[f"kind_{kind}"]}
            )
