import datetime

from django import forms
from django.core.validators import RegexValidator
from django.forms import BaseInlineFormSet, inlineformset_factory
from django.utils import timezone

from accounts.models import User

from .enums import Employment, ExitReason, Gender, Public, Quartier, Relation, Status
from .models import Household, Person
from .outbound import HOUSEHOLD_FILE_AUDIENCE, add_outbound_errors

# Under the fields of the household file read by Caen habitat and the cellule (docs/access.md).
FILE_HELP = "Lu par Caen habitat et la cellule : ni nom, ni donnée sensible."

DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")

phone_validator = RegexValidator(
    r"^\+?[0-9 .()-]{6,20}$", "Saisissez un numéro de téléphone, par exemple 02 31 00 00 00."
)


class HouseholdForm(forms.ModelForm):
    # The version the page was read at: saving compares it (optimistic concurrency).
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    class Meta:
        model = Household
        fields = [
            "public",
            "sne_number",
            "tenant_account",
            "declared_size",
            "address",
            "quartier",
            "phone",
            "accommodation",
            "has_codesi_social_report",
            "observations",
        ]
        labels = {
            "public": "Public (§1.2 de la convention)",
            "sne_number": "Numéro unique de demande de logement social (SNE)",
            "tenant_account": "Compte locataire Caen habitat",
            "declared_size": "Nombre de personnes déclaré",
            "address": "Adresse actuelle",
            "accommodation": "Hébergement actuel",
            "has_codesi_social_report": "Un rapport social a été présenté en CODESI",
            "observations": "Observations",
        }
        help_texts = {
            "tenant_account": "Obligatoire pour un ménage menacé d'expulsion (locataire de Caen habitat).",
            "observations": "Lu par Caen habitat et la cellule : ni nom, ni santé, ni autre "
            "donnée sensible.",
        }
        error_messages = {
            "sne_number": {"unique": "Ce numéro unique est déjà celui d'un autre ménage."},
            "public": {"required": "Choisissez le public du ménage."},
        }
        widgets = {"observations": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["phone"].validators.append(phone_validator)
        # « À qualifier » is what an import leaves when the list does not tell the public:
        # a person qualifies it, choosing one of the seven publics (§1.2).
        self.fields["public"].choices = [
            choice for choice in self.fields["public"].choices if choice[0] != Public.TO_QUALIFY
        ]
        self.fields["quartier"].choices = [("", "—"), *Quartier.choices]
        self.fields["declared_size"].widget.attrs["min"] = 1
        if not self.is_bound:
            self.initial["version"] = self.instance.version

    def clean_sne_number(self):
        value = (self.cleaned_data.get("sne_number") or "").strip().upper()
        return value or None  # several households may have no number: NULL, not ""

    def clean_tenant_account(self):
        return (self.cleaned_data.get("tenant_account") or "").strip().upper()

    def clean_declared_size(self):
        value = self.cleaned_data.get("declared_size")
        if value is not None and not 1 <= value <= 20:
            raise forms.ValidationError("Le nombre de personnes doit être compris entre 1 et 20.")
        return value

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("public") == Public.EVICTION_THREAT and not cleaned.get("tenant_account"):
            self.add_error(
                "tenant_account",
                "Un ménage menacé d'expulsion est locataire de Caen habitat : "
                "indiquez son compte locataire.",
            )
        # Read on the household file by Caen habitat and the cellule (docs/access.md).
        add_outbound_errors(
            self,
            HOUSEHOLD_FILE_AUDIENCE,
            observations=cleaned.get("observations"),
            accommodation=cleaned.get("accommodation"),
        )
        return cleaned

    @property
    def saved_fields(self):
        return list(self.Meta.fields)


class PersonForm(forms.ModelForm):
    class Meta:
        model = Person
        fields = ["last_name", "first_name", "birth_date", "gender", "relation", "employment"]
        labels = {
            "last_name": "Nom",
            "first_name": "Prénom",
            "birth_date": "Date de naissance",
            "gender": "Sexe",
            "relation": "Lien avec la personne de référence",
            "employment": "Rapport à l'emploi",
        }
        error_messages = {
            "last_name": {"required": "Indiquez le nom."},
            "first_name": {"required": "Indiquez le prénom."},
            "birth_date": {"invalid": "Saisissez une date valide (JJ/MM/AAAA)."},
        }
        widgets = {"birth_date": DATE_INPUT}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["birth_date"].input_formats = ["%Y-%m-%d", "%d/%m/%Y"]
        # A new row states its relation explicitly (no accidental second reference person),
        # and a row left blank stays unchanged, so it is ignored.
        relation = self.fields["relation"]
        relation.choices = [("", "—"), *Relation.choices]
        relation.initial = None
        self.fields["gender"].choices = [("", "—"), *Gender.choices]
        self.fields["employment"].choices = [("", "—"), *Employment.choices]
        relation.error_messages["required"] = "Indiquez le lien avec la personne de référence."
        if self.instance.pk is None and "relation" not in (kwargs.get("initial") or {}):
            self.initial.pop("relation", None)

    def clean_last_name(self):
        return " ".join(self.cleaned_data["last_name"].split())

    def clean_first_name(self):
        return " ".join(self.cleaned_data["first_name"].split())

    def clean_birth_date(self):
        value = self.cleaned_data.get("birth_date")
        if value and value > timezone.localdate():
            raise forms.ValidationError("La date de naissance ne peut pas être dans le futur.")
        if value and value < datetime.date(1900, 1, 1):
            raise forms.ValidationError("La date de naissance est invalide.")
        return value


class BaseMemberFormSet(BaseInlineFormSet):
    def get_form_kwargs(self, index):
        kwargs = super().get_form_kwargs(index)
        if index == 0 and self.instance.pk is None:  # a new household starts with its reference
            kwargs["initial"] = {"relation": Relation.REFERENCE}
        return kwargs

    def clean(self):
        super().clean()
        if any(self.errors):
            return
        kept = [
            form
            for form in self.forms
            if form.cleaned_data and not form.cleaned_data.get("DELETE", False)
        ]
        if not kept:
            raise forms.ValidationError("Le ménage doit compter au moins une personne.")
        relations = [form.cleaned_data.get("relation") for form in kept]
        if relations.count(Relation.REFERENCE) != 1:
            raise forms.ValidationError(
                "Le ménage doit compter une et une seule personne de référence."
            )
        if relations.count(Relation.SPOUSE) > 1:
            raise forms.ValidationError("Le ménage ne peut compter qu'un(e) seul(e) conjoint(e).")

    def save(self, commit=True):
        # New members go after the existing ones, in the order of the form.
        base = max((form.instance.position for form in self.initial_forms), default=-1) + 1
        for offset, form in enumerate(self.extra_forms):
            form.instance.position = base + offset
        return super().save(commit=commit)


def member_formset(*, extra):
    return inlineformset_factory(
        Household,
        Person,
        form=PersonForm,
        formset=BaseMemberFormSet,
        extra=extra,
        can_delete=True,
        max_num=20,
        validate_max=True,
    )


class StatusChangeForm(forms.Form):
    current_status = forms.CharField(widget=forms.HiddenInput)
    to_status = forms.ChoiceField(label="Nouveau statut")
    exit_reason = forms.ChoiceField(
        label="Motif de sortie (si sortie du dispositif)",
        choices=[("", "—")] + list(ExitReason.choices),
        required=False,
    )
    reason = forms.CharField(
        label="Motif du changement",
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": "Indiquez le motif du changement."},
        help_text=FILE_HELP,
    )
    decision = forms.CharField(
        label="Décision de la cellule (le cas échéant)",
        max_length=200,
        required=False,
        help_text="Par exemple : cellule du 12/03/2026, point 4.",
    )

    def __init__(self, household, *args, **kwargs):
        self.household = household
        super().__init__(*args, **kwargs)
        # Only the manual transitions (exit with a reason, re-entry, archive): every other one
        # belongs to its workflow (cellule agenda and decisions, diagnostic, accompaniment).
        self.fields["to_status"].choices = [("", "—"), *household.next_statuses]
        self.fields["to_status"].help_text = (
            "Les autres étapes du parcours se font par leur propre action : inscription en "
            "cellule, décision de la cellule, transmission du diagnostic, début et clôture de "
            "l'accompagnement."
        )
        self.fields["to_status"].error_messages = {
            "required": "Choisissez le nouveau statut.",
            "invalid_choice": "Ce passage n'est pas possible depuis le statut actuel.",
        }
        if not self.is_bound:
            self.initial["current_status"] = household.status

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("current_status") and cleaned["current_status"] != self.household.status:
            raise forms.ValidationError(
                "Le statut de ce ménage a été modifié par quelqu'un d'autre depuis que vous "
                f"avez ouvert la page : il est maintenant « {self.household.get_status_display()} »."
            )
        if cleaned.get("to_status") == Status.EXITED and not cleaned.get("exit_reason"):
            self.add_error("exit_reason", "Indiquez le motif de sortie du dispositif.")
        return cleaned


class ReferentForm(forms.Form):
    # The household file shows it beside the status form, which has a "reason" too: one id each.
    prefix = "referent"

    referent = forms.ModelChoiceField(
        label="Référent",
        queryset=User.objects.none(),
        error_messages={
            "required": "Choisissez le référent.",
            "invalid_choice": "Choisissez un travailleur social du CCAS.",
        },
    )
    substitute = forms.ModelChoiceField(
        label="Suppléant (facultatif)",
        queryset=User.objects.none(),
        required=False,
        error_messages={"invalid_choice": "Choisissez un travailleur social du CCAS."},
    )
    reason = forms.CharField(
        label="Motif (facultatif)", max_length=250, required=False, help_text=FILE_HELP
    )

    def __init__(self, *args, household=None, **kwargs):
        super().__init__(*args, **kwargs)
        # Both lists offer the same workers: read once (one SQL statement,
        # `social_worker_choices`), not once per list. Validation still checks the choice
        # against the queryset, built once and only for a bound form (built for each list,
        # it was 0.8 ms of every household file, which shows the form unbound).
        names = User.objects.social_worker_choices()
        workers = User.objects.social_workers() if self.is_bound else None
        for name in ("referent", "substitute"):
            field = self.fields[name]
            if workers is not None:
                field.queryset = workers
            blank = [] if field.empty_label is None else [("", field.empty_label)]
            field.choices = [*blank, *names]
        if household is not None and not self.is_bound:
            self.initial.update(referent=household.referent_id, substitute=household.substitute_id)

    def clean(self):
        cleaned = super().clean()
        referent, substitute = cleaned.get("referent"), cleaned.get("substitute")
        if referent and substitute and referent == substitute:
            self.add_error(
                "substitute", "Le suppléant doit être une autre personne que le référent."
            )
        return cleaned
