from decimal import Decimal

from django import forms
from django.utils import timezone

from caen_accompagnement.uploads import sniff_suffix, too_large
from households import taxonomy
from households.enums import Employment
from households.outbound import add_outbound_errors

from . import budget as budget_rules
from .enums import PERMIT_SITUATIONS, ArrearsTrigger, Severity, StepKind, Support
from .models import (
    DURATION_MESSAGE,
    LEVEL_CHOICES,
    MAX_DURATION,
    MIN_DURATION,
    SYNTHESIS_AUDIENCE,
    Capacity,
    Debt,
    Diagnostic,
    DiagnosticStep,
    HousingHistoryEntry,
)

MAX_MONTHLY_AMOUNT = Decimal("20000")
MAX_DEBT = Decimal("500000")

THEMES = [
    (
        "socio",
        "1. Éléments socio-professionnels",
        [
            "admin_situation",
            "residence_permit_valid_until",
            "marital_status",
            "wished_dwelling_type",
            "wished_quartier",
            "wished_environment",
        ],
        "socio_observation",
    ),
    ("budget", "2. Éléments budgétaires", ["arrears_triggers"], "budget_observation"),
    (
        "housing",
        "3. Parcours locatif",
        ["eviction_count", "past_rent_debts", "stabilisation_capacity"],
        "housing_observation",
    ),
    (
        "dwelling",
        "4. Vie dans le logement",
        ["upkeep", "neighbourhood", "adaptability"],
        "dwelling_observation",
    ),
    (
        "follow_up",
        "5. Suivi social",
        ["current_supports", "adhesion_capacity"],
        "follow_up_observation",
    ),
]
CONCLUSION_FIELDS = [
    "capacity",
    "capacity_reason",
    "dwelling_type_sought",
    "quartier_sought",
    "proposed_axes",
    "intensity",
    "proposed_duration_months",
]
OBSERVATION_HELP = "Quelques lignes : seulement ce qui éclaire la décision."


def french_blanks(form):
    """Django's "---------" empty choice reads as "—" in French forms."""
    for field in form.fields.values():
        choices = getattr(field, "choices", None)
        if (
            choices
            and isinstance(field, forms.ChoiceField)
            and not field.widget.allow_multiple_selected
        ):
            choices = list(choices)
            if choices[0][0] in ("", None) and choices[0][1] == "---------":
                field.choices = [("", "—"), *choices[1:]]


def amount_field(label):
    return forms.DecimalField(
        label=label,
        required=False,
        min_value=0,
        max_value=MAX_MONTHLY_AMOUNT,
        max_digits=9,
        decimal_places=2,
        localize=True,
        widget=forms.TextInput(attrs={"inputmode": "decimal", "class": "budget-input"}),
        error_messages={
            "min_value": "Le montant ne peut pas être négatif.",
            "max_value": "Montant improbable : au plus 20 000 € par mois, vérifiez la saisie.",
            "invalid": "Saisissez un montant en euros, par exemple 350 ou 350,50.",
            "max_decimal_places": "Au plus deux chiffres après la virgule.",
            "max_digits": "Montant trop élevé.",
        },
    )


class DiagnosticForm(forms.ModelForm):
    """The five themes, the budget lines, the obstacles and the proposal of a draft."""

    version = forms.IntegerField(widget=forms.HiddenInput)
    arrears_triggers = forms.MultipleChoiceField(
        label="Fait(s) générateur(s) de l'impayé (locataires en dette)",
        choices=ArrearsTrigger.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    current_supports = forms.MultipleChoiceField(
        label="Accompagnements en cours",
        choices=Support.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    proposed_axes = forms.MultipleChoiceField(
        label="Axes d'accompagnement proposés",
        choices=taxonomy.ITEM_CHOICES,
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 8}),
        help_text="Maintenez Ctrl (ou Cmd) pour en choisir plusieurs.",
    )

    class Meta:
        model = Diagnostic
        fields = [
            "family_agreement_on",
            *[name for theme in THEMES for name in theme[2] + [theme[3]]],
            *CONCLUSION_FIELDS,
        ]
        widgets = {
            "family_agreement_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "residence_permit_valid_until": forms.DateInput(
                attrs={"type": "date"}, format="%Y-%m-%d"
            ),
            "capacity_reason": forms.Textarea(attrs={"rows": 2}),
            "past_rent_debts": forms.NullBooleanSelect,
        }
        help_texts = {
            "residence_permit_valid_until": "Date de fin de validité seulement : pas de copie du titre.",
            "capacity_reason": "Lu par Caen habitat et la cellule : ni nom, ni santé, addiction "
            "ou autre donnée sensible.",
        }

    def __init__(self, *args, household, **kwargs):
        super().__init__(*args, **kwargs)
        diagnostic = self.instance
        self.fields["version"].initial = diagnostic.version
        if diagnostic.level != 1:
            del self.fields["family_agreement_on"]
        for theme in THEMES:
            field = self.fields[theme[3]]
            field.widget = forms.Textarea(attrs={"rows": 3, "maxlength": 1500})
            field.help_text = OBSERVATION_HELP
        self.fields["past_rent_debts"].widget.choices = [
            ("unknown", "Non renseigné"),
            ("true", "Oui"),
            ("false", "Non"),
        ]
        duration = self.fields["proposed_duration_months"]
        duration.widget.attrs.update({"min": MIN_DURATION, "max": MAX_DURATION})
        duration.help_text = "De 3 à 12 mois (§2.2.2)."
        # A negative number fails the field's own bound (0) first: same message as 1, 2 or 13.
        for code in ("min_value", "max_value"):
            duration.error_messages[code] = DURATION_MESSAGE
        self.fields["eviction_count"].widget.attrs["max"] = 20
        # Budget lines: one amount per kind.
        lines_r = diagnostic.resource_amounts() if diagnostic.pk else {}
        lines_c = diagnostic.charge_amounts() if diagnostic.pk else {}
        for kind, label in budget_rules.RESOURCE_KINDS.items():
            self.fields[f"res_{kind}"] = amount_field(label)
            self.fields[f"res_{kind}"].initial = lines_r.get(kind)
        for kind, label in budget_rules.CHARGE_KINDS.items():
            self.fields[f"chg_{kind}"] = amount_field(label)
            self.fields[f"chg_{kind}"].initial = lines_c.get(kind)
        # Employment of each member of working age (16 or more), pre-filled from the household file.
        self.adults = [p for p in household.members_list if p.age() is None or p.age() >= 16]
        for person in self.adults:
            name = f"emp_{person.pk}"
            self.fields[name] = forms.ChoiceField(
                label=f"Situation professionnelle — {person.full_name}",
                choices=[("", "—")] + [c for c in Employment.choices if c[0] != Employment.CHILD],
                required=False,
            )
            self.fields[name].initial = diagnostic.adult_employment.get(
                str(person.pk), person.employment if person.employment != Employment.CHILD else ""
            )
        # Obstacles: a severity per taxonomy item, empty when the obstacle is absent.
        severities = (
            {o.item: o.severity for o in diagnostic.obstacles.all()} if diagnostic.pk else {}
        )
        self.obstacle_groups = []
        for category, label in taxonomy.CATEGORIES.items():
            names = []
            for code, item_label in taxonomy.ITEMS.items():
                if taxonomy.category_of(code) != category:
                    continue
                name = f"obs_{code.replace('.', '__')}"
                self.fields[name] = forms.ChoiceField(
                    label=item_label,
                    choices=[("", "Absent")] + Severity.choices,
                    required=False,
                )
                self.fields[name].initial = severities.get(code, "")
                names.append(name)
            self.obstacle_groups.append((label, names))
        french_blanks(self)

    # --- layout helpers for the template -----------------------------------------------
    def themes(self):
        result = []
        for key, title, names, observation in THEMES:
            fields = [self[name] for name in names]
            if key == "socio":
                fields = fields[:3] + [self[f"emp_{p.pk}"] for p in self.adults] + fields[3:]
            result.append(
                {"key": key, "title": title, "fields": fields, "observation": self[observation]}
            )
        return result

    def resource_fields(self):
        return [self[f"res_{kind}"] for kind in budget_rules.RESOURCE_KINDS]

    def charge_fields(self):
        return [self[f"chg_{kind}"] for kind in budget_rules.CHARGE_KINDS]

    def obstacle_fieldsets(self):
        return [(label, [self[name] for name in names]) for label, names in self.obstacle_groups]

    def conclusion_fields(self):
        return [self[name] for name in CONCLUSION_FIELDS]

    # --- validation ---------------------------------------------------------------------
    def clean_proposed_duration_months(self):
        value = self.cleaned_data.get("proposed_duration_months")
        if value is not None and not MIN_DURATION <= value <= MAX_DURATION:
            raise forms.ValidationError(DURATION_MESSAGE)
        return value

    def clean_eviction_count(self):
        value = self.cleaned_data.get("eviction_count")
        if value is not None and value > 20:
            raise forms.ValidationError("Nombre improbable : vérifiez la saisie.")
        return value

    def clean_family_agreement_on(self):
        value = self.cleaned_data.get("family_agreement_on")
        if value and value > timezone.localdate():
            raise forms.ValidationError("L'accord ne peut pas être daté dans le futur.")
        return value

    def clean(self):
        data = super().clean()
        situation = data.get("admin_situation")
        if situation in PERMIT_SITUATIONS and not data.get("residence_permit_valid_until"):
            self.add_error(
                "residence_permit_valid_until",
                "Indiquez jusqu'à quelle date le titre de séjour (ou le récépissé) est valable.",
            )
        if situation and situation not in PERMIT_SITUATIONS:
            data["residence_permit_valid_until"] = None
        if (
            data.get("capacity") in (Capacity.NO, Capacity.WITH_RESERVATIONS)
            and not (data.get("capacity_reason") or "").strip()
        ):
            self.add_error("capacity_reason", "Indiquez le motif de la réserve ou du refus.")
        if "capacity_reason" in data:
            # The motif is part of the synthesis read by Caen habitat and the cellule.
            add_outbound_errors(
                self, SYNTHESIS_AUDIENCE, capacity_reason=data.get("capacity_reason")
            )
        return data

    # --- what the view saves --------------------------------------------------------------
    def model_field_names(self):
        return [name for name in self._meta.fields if name in self.fields]

    def resources(self):
        return self._lines("res_", budget_rules.RESOURCE_KINDS)

    def charges(self):
        return self._lines("chg_", budget_rules.CHARGE_KINDS)

    def _lines(self, prefix, kinds):
        data = getattr(self, "cleaned_data", {})
        return {
            kind: data[f"{prefix}{kind}"]
            for kind in kinds
            if data.get(f"{prefix}{kind}") not in (None, "")
        }

    def obstacles(self):
        return {
            code: self.cleaned_data[f"obs_{code.replace('.', '__')}"]
            for code in taxonomy.ITEMS
            if self.cleaned_data.get(f"obs_{code.replace('.', '__')}")
        }

    def employment(self):
        return {
            str(p.pk): self.cleaned_data[f"emp_{p.pk}"]
            for p in self.adults
            if self.cleaned_data.get(f"emp_{p.pk}")
        }

    def preview_lines(self):
        """Budget lines as typed, even when other fields are invalid (for the live totals)."""
        resources, charges, errors = {}, {}, False
        for prefix, kinds, target in (
            ("res_", budget_rules.RESOURCE_KINDS, resources),
            ("chg_", budget_rules.CHARGE_KINDS, charges),
        ):
            for kind in kinds:
                field = self.fields[f"{prefix}{kind}"]
                raw = self.data.get(self.add_prefix(f"{prefix}{kind}"), "")
                try:
                    value = field.clean(raw)
                except forms.ValidationError:
                    errors = True
                    continue
                if value is not None:
                    target[kind] = value
        return resources, charges, errors

    def preview_budget(self):
        """The live totals of the budget lines as typed, and whether some amount is invalid."""
        resources, charges, errors = self.preview_lines()
        return budget_rules.compute_budget(resources, charges, self.instance.member_ages()), errors


class DebtForm(forms.ModelForm):
    class Meta:
        model = Debt
        fields = ["creditor", "amount", "monthly_repayment", "repayment_plan", "banque_de_france"]
        error_messages = {
            "creditor": {"required": "Indiquez le créancier."},
            "amount": {"required": "Indiquez le montant dû."},
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("amount", "monthly_repayment"):
            self.fields[name].localize = True
            self.fields[name].widget = forms.TextInput(attrs={"inputmode": "decimal"})
        self.fields["monthly_repayment"].required = False

    def clean_amount(self):
        value = self.cleaned_data.get("amount")
        if value is not None and value < 0:
            raise forms.ValidationError("Le montant ne peut pas être négatif.")
        if value is not None and value > MAX_DEBT:
            raise forms.ValidationError("Montant improbable : vérifiez la saisie.")
        return value

    def clean_monthly_repayment(self):
        value = self.cleaned_data.get("monthly_repayment")
        if value is None:
            return Decimal(0)
        if value < 0:
            raise forms.ValidationError("Le remboursement ne peut pas être négatif.")
        if value > MAX_MONTHLY_AMOUNT:
            raise forms.ValidationError("Montant improbable : vérifiez la saisie.")
        return value


class HousingHistoryForm(forms.ModelForm):
    class Meta:
        model = HousingHistoryEntry
        fields = ["period", "place", "status", "left_because"]
        error_messages = {
            "period": {"required": "Indiquez la période."},
            "place": {"required": "Indiquez la commune ou l'adresse."},
            "status": {"required": "Indiquez le statut d'occupation."},
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        french_blanks(self)


DebtFormSet = forms.inlineformset_factory(Diagnostic, Debt, form=DebtForm, extra=1, can_delete=True)
HousingHistoryFormSet = forms.inlineformset_factory(
    Diagnostic, HousingHistoryEntry, form=HousingHistoryForm, extra=1, can_delete=True
)


STEP_KINDS_OF_LEVEL = {
    1: [StepKind.STRUCTURE_CONTACT, StepKind.AGENCY_CONTACT, StepKind.FAMILY_MEETING],
    2: [StepKind.FAMILY_MEETING, StepKind.INTERVIEW],
    3: [StepKind.INTERVIEW, StepKind.FAMILY_MEETING],
}


class StepForm(forms.ModelForm):
    class Meta:
        model = DiagnosticStep
        fields = ["kind", "date", "with_whom"]
        widgets = {"date": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")}
        error_messages = {"date": {"required": "Indiquez la date."}}

    def __init__(self, *args, level, **kwargs):
        super().__init__(*args, prefix="step", **kwargs)
        self.fields["kind"].choices = [(k.value, k.label) for k in STEP_KINDS_OF_LEVEL[level]]

    def clean_date(self):
        value = self.cleaned_data["date"]
        if value > timezone.localdate():
            raise forms.ValidationError("La date ne peut pas être dans le futur.")
        return value


class SocialReportForm(forms.Form):
    social_report = forms.FileField(
        label="Rapport social présenté en CODESI (PDF ou image, 10 Mo au plus)",
        error_messages={"required": "Choisissez le fichier du rapport social."},
        widget=forms.ClearableFileInput(attrs={"accept": ".pdf,.png,.jpg,.jpeg"}),
    )

    def clean_social_report(self):
        upload = self.cleaned_data["social_report"]
        if too_large(upload):
            raise forms.ValidationError(
                "Le fichier dépasse 10 Mo : réduisez-le ou scannez-le en PDF."
            )
        suffix = sniff_suffix(upload)
        if suffix is None:
            raise forms.ValidationError(
                "Ce fichier n'est ni un PDF ni une image (PNG, JPEG) : il est refusé."
            )
        upload.detected_suffix = suffix
        return upload


class SetLevelForm(forms.Form):
    level = forms.TypedChoiceField(
        label="Niveau de diagnostic décidé",
        choices=LEVEL_CHOICES,
        coerce=int,
        widget=forms.RadioSelect,
        error_messages={"required": "Choisissez le niveau 1, 2 ou 3."},
    )
    reason = forms.CharField(
        label="Décision ou motif",
        max_length=250,
        required=False,
        help_text="Par exemple : cellule du 12/10/2026.",
    )
