from django import forms
from django.conf import settings
from django.utils import timezone

from accounts.models import User
from households.enums import Public, Source

from .indicators import Scope
from .periods import Period


def programme_years():
    return range(settings.PROGRAMME_START.year, timezone.localdate().year + 1)


def check_year(year):
    """French message for a year the programme has no bilan for, or None."""
    first, current = settings.PROGRAMME_START.year, timezone.localdate().year
    if year < first:
        return f"Le dispositif a commencé en {first} : il n'y a pas de bilan pour {year}."
    if year > current:
        return f"L'année {year} n'a pas encore commencé."
    return None


class ReportFilterForm(forms.Form):
    """The dashboard's filters: a period (year, quarter or dates) and who is counted."""

    PERIODS = [("annee", "Année"), ("trimestre", "Trimestre"), ("dates", "Dates choisies")]

    periode = forms.ChoiceField(label="Période", choices=PERIODS, initial="annee")
    annee = forms.IntegerField(label="Année", required=False)
    trimestre = forms.TypedChoiceField(
        label="Trimestre",
        choices=[
            (1, "1er trimestre"),
            (2, "2e trimestre"),
            (3, "3e trimestre"),
            (4, "4e trimestre"),
        ],
        coerce=int,
        required=False,
    )
    debut = forms.DateField(
        label="Du", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    fin = forms.DateField(
        label="Au", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    referent = forms.ModelChoiceField(
        label="Référent", queryset=User.objects.none(), required=False, empty_label="Tous"
    )
    public = forms.ChoiceField(
        label="Public", choices=[("", "Tous"), *Public.choices], required=False
    )
    source = forms.ChoiceField(
        label="Liste d'origine", choices=[("", "Toutes"), *Source.choices], required=False
    )

    def __init__(self, data=None, **kwargs):
        if data is not None and not any(data.get(name) for name in self.base_fields):
            data = None  # a first visit: the current year, nobody filtered out
        super().__init__(data, **kwargs)
        self.fields["referent"].queryset = User.objects.social_workers().order_by(
            "last_name", "first_name"
        )
        self.fields["annee"].initial = timezone.localdate().year

    def clean(self):
        data = super().clean()
        kind = data.get("periode")
        year = data.get("annee") or timezone.localdate().year
        if kind in ("annee", "trimestre"):
            problem = check_year(year)
            if problem:
                self.add_error("annee", problem)
                return data
            if kind == "trimestre":
                if not data.get("trimestre"):
                    self.add_error("trimestre", "Choisissez le trimestre.")
                    return data
                data["period"] = Period.quarter(year, data["trimestre"])
            else:
                data["period"] = Period.year(year)
        elif kind == "dates":
            start, end = data.get("debut"), data.get("fin")
            if not start:
                self.add_error("debut", "Indiquez le début de la période.")
            if not end:
                self.add_error("fin", "Indiquez la fin de la période.")
            if start and end:
                if end < start:
                    self.add_error("fin", "La fin de la période doit être postérieure à son début.")
                elif end < settings.PROGRAMME_START:
                    self.add_error(
                        "fin",
                        "Le dispositif a commencé le "
                        f"{settings.PROGRAMME_START:%d/%m/%Y} : choisissez une période après.",
                    )
                else:
                    data["period"] = Period(start, end, "custom")
        return data

    def scope(self) -> Scope:
        """The scope asked for (the current year when the form is unbound)."""
        if not self.is_bound:
            return Scope(Period.year(timezone.localdate().year))
        data = self.cleaned_data
        referent = data.get("referent")
        return Scope(
            data["period"],
            referent_id=referent.pk if referent else None,
            public=data.get("public") or "",
            source=data.get("source") or "",
        )


class AmountField(forms.CharField):
    """An amount in euros as the French write it: "1 234,56", "1234.5", "1 234 €"."""

    def __init__(self, **kwargs):
        kwargs.setdefault("required", False)
        kwargs.setdefault("widget", forms.TextInput(attrs={"inputmode": "decimal"}))
        super().__init__(**kwargs)

    def to_python(self, value):
        from decimal import Decimal, InvalidOperation

        text = super().to_python(value)
        for junk in (" ", "\u00a0", "\u202f", "€"):
            text = text.replace(junk, "")
        if not text:
            return None
        try:
            amount = Decimal(text.replace(",", "."))
        except InvalidOperation:
            raise forms.ValidationError(
                "Saisissez un montant en euros, par exemple 1 234,56.", code="invalid"
            ) from None
        if not amount.is_finite() or amount < 0 or amount >= Decimal("100000000"):
            raise forms.ValidationError(
                "Saisissez un montant positif en euros, par exemple 1 234,56.", code="invalid"
            )
        return amount.quantize(Decimal("0.01"))


class BudgetForm(forms.Form):
    """A year's forecast and actual, line by line (§6); the forecast is required."""

    def __init__(self, *args, rows, **kwargs):
        super().__init__(*args, **kwargs)
        self.rows = rows
        for line, forecast, actual in rows:
            self.fields[f"forecast_{line.code}"] = AmountField(
                label=f"{line.label} — prévu", required=True, initial=_fr(forecast)
            )
            self.fields[f"actual_{line.code}"] = AmountField(
                label=f"{line.label} — réalisé", initial=_fr(actual)
            )

    def amounts(self):
        return {
            line.code: (
                self.cleaned_data[f"forecast_{line.code}"],
                self.cleaned_data[f"actual_{line.code}"],
            )
            for line, _, _ in self.rows
        }

    def lines(self):
        """[(line, forecast bound field, actual bound field)] for the template."""
        return [
            (line, self[f"forecast_{line.code}"], self[f"actual_{line.code}"])
            for line, _, _ in self.rows
        ]


def _fr(amount):
    return "" if amount is None else f"{amount:.2f}".replace(".", ",")


class BilanApproveForm(forms.Form):
    meeting = forms.ModelChoiceField(
        label="Comité de suivi qui approuve le bilan",
        queryset=None,
        required=False,
        empty_label="(non précisé)",
    )
    reason = forms.CharField(
        label="Motif de la nouvelle version",
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Obligatoire lorsqu'une version est déjà publiée.",
    )

    def __init__(self, *args, **kwargs):
        from coordination.models import Meeting

        super().__init__(*args, **kwargs)
        self.fields["meeting"].queryset = Meeting.objects.comites().order_by("-date")
