from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone

from accounts.enums import Role
from accounts.models import User
from caen_accompagnement.forms import add_errors
from diagnostics.models import Intensity
from households import taxonomy
from households.models import Household

from .models import (
    CAEN_HABITAT_SIGNAL_KINDS,
    AdhesionDegree,
    ClosureReason,
    Contact,
    ContactKind,
    Interview,
    Objective,
    ObjectiveStatus,
    ReminderChannel,
    Survey,
    VisitKind,
)

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
DATETIME = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
AXES = forms.MultipleChoiceField(
    label="Axes travaillés",
    choices=taxonomy.ITEM_CHOICES,
    required=False,
    widget=forms.CheckboxSelectMultiple,
)


class StartForm(forms.Form):
    start = forms.DateField(label="Début", widget=DATE)
    planned_end = forms.DateField(
        label="Fin prévue", widget=DATE, help_text="Entre 3 et 12 mois après le début."
    )
    intensity = forms.ChoiceField(label="Intensité", choices=Intensity.choices)
    axes = forms.MultipleChoiceField(
        label="Objectifs par axe (proposés par le diagnostic)",
        choices=taxonomy.ITEM_CHOICES,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    override_reason = forms.CharField(
        label="Dérogation : motif du démarrage sans documents signés (direction uniquement)",
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
    )

    def clean(self):
        data = super().clean()
        if data.get("start") and data.get("planned_end"):
            from .models import Accompaniment

            try:
                Accompaniment.check_duration(data["start"], data["planned_end"])
            except ValidationError as exc:
                add_errors(self, exc)
        return data


class PlanForm(forms.Form):
    planned_end = forms.DateField(label="Fin prévue", widget=DATE)
    intensity = forms.ChoiceField(label="Intensité", choices=Intensity.choices)


class ObjectiveForm(forms.ModelForm):
    class Meta:
        model = Objective
        fields = ["axis", "description", "status", "progress_notes"]
        widgets = {"progress_notes": forms.Textarea(attrs={"rows": 3})}


class ExtensionForm(forms.Form):
    """The référent's request; the direction decides. A cellule grants an extension through
    its recorded decision (coordination), never through a reference typed here."""

    until = forms.DateField(label="Nouvelle fin prévue", widget=DATE)
    justification = forms.CharField(
        label="Justification écrite", widget=forms.Textarea(attrs={"rows": 4}), required=False
    )


class ExtensionDecisionForm(forms.Form):
    decision = forms.ChoiceField(
        label="Décision", choices=[("approve", "Accorder"), ("refuse", "Refuser")]
    )
    note = forms.CharField(label="Motif", widget=forms.Textarea(attrs={"rows": 2}), required=False)


class ReferentForm(forms.Form):
    referent = forms.ModelChoiceField(label="Nouveau référent", queryset=User.objects.none())
    reason = forms.CharField(
        label="Motif du changement",
        max_length=250,
        help_text="Lu par Caen habitat sur la fiche du ménage : ni nom, ni donnée sensible.",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["referent"].queryset = User.objects.social_workers()


class ContactForm(forms.ModelForm):
    """The one short form used at the door: kind, when, how long, axes, note, next step.
    Bound to `instance=Contact(accompaniment=…)`: a contact is dated within its accompaniment."""

    axes = AXES

    class Meta:
        model = Contact
        # Note and next step before the long list of axes (pre-ticked from the last contact).
        fields = ["kind", "at", "duration_minutes", "note", "next_step", "partner", "axes"]
        widgets = {
            "kind": forms.RadioSelect,
            "at": DATETIME,
            "note": forms.Textarea(attrs={"rows": 4}),
            "duration_minutes": forms.NumberInput(attrs={"min": 0, "max": 600, "step": 5}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["at"].input_formats = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%d/%m/%Y %H:%M"]
        self.fields["partner"].help_text = "Pour une démarche accompagnée."
        self.fields["kind"].choices = ContactKind.choices  # no empty radio

    def clean_at(self):
        at = self.cleaned_data["at"]
        if at > timezone.now() + timezone.timedelta(minutes=5):
            raise ValidationError("Un contact ne peut pas être daté dans le futur.")
        start = self.instance.accompaniment.start
        if timezone.localdate(at) < start:
            raise ValidationError(
                f"La date du contact est antérieure au début de l'accompagnement "
                f"({start:%d/%m/%Y})."
            )
        return at

    def clean_duration_minutes(self):
        value = self.cleaned_data["duration_minutes"]
        if value is not None and value > 600:
            raise ValidationError("Une durée de plus de 10 heures n'est pas plausible.")
        return value

    def clean(self):
        data = super().clean()
        if data.get("kind") == ContactKind.ACCOMPANIED_STEP and not data.get("partner"):
            self.add_error("partner", "Indiquez le partenaire de la démarche accompagnée.")
        return data


class AdhesionForm(forms.Form):
    month = forms.DateField(
        label="Mois",
        widget=forms.DateInput(attrs={"type": "month"}, format="%Y-%m"),
        input_formats=["%Y-%m", "%Y-%m-%d"],
    )
    degree = forms.ChoiceField(
        label="Degré d'adhésion", choices=AdhesionDegree.choices, widget=forms.RadioSelect
    )
    note = forms.CharField(label="Observation", max_length=300, required=False)


class HouseholdReferenceField(forms.CharField):
    def __init__(self, **kwargs):
        super().__init__(
            label="Ménage (référence du dossier, par exemple LA-2026-0042)", max_length=20, **kwargs
        )


class SignalForm(forms.Form):
    household = HouseholdReferenceField()
    kind = forms.ChoiceField(label="Type de signalement", choices=CAEN_HABITAT_SIGNAL_KINDS)
    amount = forms.DecimalField(
        label="Montant impayé (€)",
        min_value=0,
        max_digits=10,
        decimal_places=2,
        required=False,
        localize=True,
    )
    months = forms.IntegerField(label="Nombre de mois d'impayés", min_value=1, required=False)
    description = forms.CharField(
        label="Description", widget=forms.Textarea(attrs={"rows": 3}), required=False
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user

    def clean_household(self):
        text = self.cleaned_data["household"]
        pk = Household.pk_from_reference(text)
        household = (
            Household.objects.visible_to(self.user, "signal.create").filter(pk=pk).first()
            if pk
            else None
        )
        if household is None:
            raise ValidationError("Aucun dossier ne porte cette référence.")
        if not household.in_programme:
            raise ValidationError(
                "Ce ménage n'est pas dans le dispositif : un signalement n'est possible que "
                "pour un ménage admis, accompagné ou en suivi post-autonomie."
            )
        return household


class AdhesionLossForm(forms.Form):
    description = forms.CharField(
        label="Constat de la perte d'adhésion",
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="Lu par Caen habitat : ni nom, ni santé, addiction ou autre donnée sensible.",
    )


class AcknowledgeForm(forms.Form):
    note = forms.CharField(
        label="Suite donnée",
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
        help_text="Lu par Caen habitat : ni nom, ni donnée sensible.",
    )


class InterviewForm(forms.ModelForm):
    class Meta:
        model = Interview
        fields = [
            "kind",
            "held_on",
            "social_worker",
            "tenancy_officer",
            "difficulties",
            "changes",
            "outcome",
            "autonomy_words",
            "worries",
        ]
        widgets = {
            "held_on": DATE,
            **{
                name: forms.Textarea(attrs={"rows": 3})
                for name in ("difficulties", "changes", "outcome", "autonomy_words", "worries")
            },
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["social_worker"].queryset = User.objects.social_workers()
        self.fields["tenancy_officer"].queryset = User.objects.with_role(
            Role.TENANCY_OFFICER
        ).order_by("last_name", "first_name")

    def clean_held_on(self):
        held_on = self.cleaned_data["held_on"]
        if held_on > timezone.localdate():
            raise ValidationError("L'entretien ne peut pas être daté dans le futur.")
        return held_on


class CloseForm(forms.Form):
    reason = forms.ChoiceField(
        label="Motif de fin",
        choices=ClosureReason.choices,
        help_text="Avant 3 mois : départ, perte d'adhésion ou autre motif écrit. Autonomie ou "
        "relogement : après l'entretien de fin et son rapport social.",
    )
    reason_detail = forms.CharField(
        label="Motif précisé (obligatoire pour « Autre »)",
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
        max_length=1000,
    )
    closed_on = forms.DateField(label="Date de fin", widget=DATE)
    note = forms.CharField(
        label="Bilan général", widget=forms.Textarea(attrs={"rows": 3}), required=False
    )

    def __init__(self, *args, objectives, **kwargs):
        super().__init__(*args, **kwargs)
        self.objectives = objectives
        for objective in objectives:
            self.fields[f"status_{objective.pk}"] = forms.ChoiceField(
                label=f"État final — {objective}",
                choices=ObjectiveStatus.choices,
                initial=objective.status,
            )
            self.fields[f"bilan_{objective.pk}"] = forms.CharField(
                label=f"Bilan — {objective}",
                widget=forms.Textarea(attrs={"rows": 2}),
                initial=objective.end_bilan,
            )

    def bilans(self):
        return {
            o.pk: (self.cleaned_data[f"status_{o.pk}"], self.cleaned_data[f"bilan_{o.pk}"])
            for o in self.objectives
        }


class SurveyForm(forms.ModelForm):
    """Bound to `instance=Survey(accompaniment=…)`: a survey follows the closure."""

    class Meta:
        model = Survey
        fields = [
            "done_on",
            "rent_paid",
            "had_incidents",
            "incidents",
            "autonomy",
            "difficulties",
            "worries",
        ]
        widgets = {
            "done_on": DATE,
            "rent_paid": forms.RadioSelect,
            "autonomy": forms.RadioSelect,
            **{
                n: forms.Textarea(attrs={"rows": 2})
                for n in ("incidents", "difficulties", "worries")
            },
        }

    def clean_done_on(self):
        value = self.cleaned_data["done_on"]
        if value > timezone.localdate():
            raise ValidationError("L'enquête ne peut pas être datée dans le futur.")
        closed_on = self.instance.accompaniment.closed_on
        if closed_on and value < closed_on:
            raise ValidationError(
                f"La date de l'enquête est antérieure à la clôture de l'accompagnement "
                f"({closed_on:%d/%m/%Y})."
            )
        return value


# --- planned visits and the household's consent to reminders (docs/reminders.md) ----------
VISIT_DATETIME_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%d/%m/%Y %H:%M"]


class PlannedVisitForm(forms.Form):
    """Checked by the owner (PlannedVisit.plan / move): its errors come back on the fields."""

    kind = forms.ChoiceField(
        label="Type de rendez-vous", choices=VisitKind.choices, widget=forms.RadioSelect
    )
    starts_at = forms.DateTimeField(
        label="Date et heure", widget=DATETIME, input_formats=VISIT_DATETIME_FORMATS
    )
    place = forms.CharField(
        label="Lieu",
        max_length=150,
        required=False,
        help_text="Envoyé au ménage dans le rappel : ni nom, ni donnée de santé. Laissez vide "
        "pour « à votre domicile » (visite) ou « par téléphone » (appel).",
    )


class ReminderConsentForm(forms.Form):
    channel = forms.ChoiceField(
        label="Le ménage souhaite être prévenu de ses rendez-vous",
        choices=[
            (ReminderChannel.SMS, "Par SMS"),
            (ReminderChannel.EMAIL, "Par courriel"),
            (ReminderChannel.NONE, "Non, aucun rappel (ou retrait de son accord)"),
        ],
        widget=forms.RadioSelect,
    )
    phone = forms.CharField(label="Numéro de portable", max_length=30, required=False)
    email = forms.CharField(label="Adresse de courriel", max_length=254, required=False)
    given_on = forms.DateField(label="Accord (ou retrait) donné le", widget=DATE)
