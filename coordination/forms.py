from datetime import datetime, time

from django import forms
from django.utils import timezone

from diagnostics.models import LEVEL_CHOICES
from households.outbound import add_outbound_errors

from .enums import OUTCOMES_OF_KIND, AdjustmentStatus, ItemKind, MeetingKind, Outcome
from .models import (
    Adjustment,
    ComiteParticipant,
    Orientation,
    Partner,
    PartnerContact,
    possible_members,
)

COMITE_AUDIENCE = "lu par les membres du comité de suivi"
MEETING_AUDIENCE = "courriel de l'ordre du jour et compte rendu"
# Under every field read outside the CCAS (docs/access.md, "Texte libre qui sort du CCAS").
OUTBOUND_HELP = (
    "Diffusé aux membres de la cellule et à la DDCS : ni nom de personne, ni santé, addiction, "
    "vie sexuelle, religion, infraction ou droit au séjour."
)
DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
PLANNED_DATES = 6


class PlanForm(forms.Form):
    """The manager sets the calendar in advance (docs/domain.md §5.1): up to six dates at once."""

    kind = forms.ChoiceField(label="Instance", choices=MeetingKind.choices)
    at = forms.TimeField(
        label="Heure", initial=time(14, 0), widget=forms.TimeInput(attrs={"type": "time"})
    )
    place = forms.CharField(label="Lieu", max_length=200, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for n in range(1, PLANNED_DATES + 1):
            self.fields[f"date_{n}"] = forms.DateField(
                label=f"Date {n}", required=n == 1, widget=DATE_INPUT
            )

    def clean(self):
        cleaned = super().clean()
        at = cleaned.get("at")
        if at is None:
            add_outbound_errors(self, MEETING_AUDIENCE, place=cleaned.get("place"))
            return cleaned
        now = timezone.now()
        dates = []
        for n in range(1, PLANNED_DATES + 1):
            day = cleaned.get(f"date_{n}")
            if day is None:
                continue
            moment = timezone.make_aware(datetime.combine(day, at))
            if moment < now:
                self.add_error(
                    f"date_{n}",
                    f"Le {day:%d/%m/%Y} est passé : on ne planifie pas une réunion dans le passé.",
                )
            elif moment in dates:
                self.add_error(f"date_{n}", "Cette date figure deux fois.")
            else:
                dates.append(moment)
        cleaned["moments"] = dates
        # In the agenda e-mail and the minutes (docs/access.md).
        add_outbound_errors(self, MEETING_AUDIENCE, place=cleaned.get("place"))
        return cleaned


def member_label(user):
    org = f" ({user.organisation})" if user.organisation_id else ""
    return f"{user.get_full_name() or user.email}{org}"


class MembersChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj):
        return member_label(obj)


class MemberChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return member_label(obj)


class StandingMembersForm(forms.Form):
    users = MembersChoiceField(
        label="Membres permanents",
        queryset=possible_members(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )


class AddMemberForm(forms.Form):
    user = MemberChoiceField(label="Ajouter un membre pour cette réunion", queryset=None)

    def __init__(self, *args, meeting, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["user"].queryset = possible_members().exclude(meetings=meeting)


class AttendanceForm(forms.Form):
    present = MembersChoiceField(
        label="Présents", queryset=None, required=False, widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args, meeting, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["present"].queryset = meeting.members.select_related("organisation")
        if not self.is_bound:
            self.initial["present"] = list(meeting.attendees.values_list("pk", flat=True))


class ManualItemForm(forms.Form):
    title = forms.CharField(label="Intitulé du point", max_length=250, help_text=OUTBOUND_HELP)


class DecisionForm(forms.Form):
    outcome = forms.ChoiceField(label="Décision", widget=forms.RadioSelect)
    level = forms.TypedChoiceField(
        label="Niveau de diagnostic",
        coerce=int,
        choices=LEVEL_CHOICES,
        widget=forms.RadioSelect,
        required=False,
    )
    reason = forms.CharField(
        label="Motif (court)",
        help_text=OUTBOUND_HELP,
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    cap_override_reason = forms.CharField(
        label="Motif du dépassement du plafond de 50 % (responsable CCAS)",
        help_text=OUTBOUND_HELP,
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    extend_until = forms.DateField(label="Nouvelle date de fin", required=False, widget=DATE_INPUT)

    def __init__(self, *args, item, **kwargs):
        super().__init__(*args, **kwargs)
        self.item = item
        outcomes = OUTCOMES_OF_KIND[item.kind]
        self.fields["outcome"].choices = [(o.value, o.label) for o in outcomes]
        if len(outcomes) == 1:
            self.fields["outcome"].initial = outcomes[0].value
            self.fields["outcome"].widget = forms.HiddenInput()
        if item.kind == ItemKind.LEVEL:
            suggested = item.household.suggested_diagnostic_level
            self.fields["level"].required = True
            self.fields["level"].initial = suggested
            self.fields["level"].help_text = (
                f"Niveau {suggested} présélectionné par la règle du §2.1.1 "
                "(structure collective avec accompagnement → 1 ; rapport social CODESI → 2 ; "
                "sinon 3). Un autre choix demande un motif."
            )
        else:
            del self.fields["level"]
        if item.kind != ItemKind.ADMISSION:
            del self.fields["cap_override_reason"]
        if item.kind != ItemKind.REVIEW:
            del self.fields["extend_until"]
        if item.kind == ItemKind.MANUAL:
            self.fields["reason"].label = "Décision ou relevé de conclusions"
            self.fields["reason"].required = True
            self.fields["outcome"].initial = Outcome.NOTED


class CorrectionForm(forms.Form):
    correction = forms.CharField(
        label="Correction apportée au compte rendu",
        help_text=OUTBOUND_HELP,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class ComiteParticipantForm(forms.ModelForm):
    class Meta:
        model = ComiteParticipant
        fields = ["name", "organisation", "function"]


class AdjustmentForm(forms.ModelForm):
    class Meta:
        model = Adjustment
        fields = ["title", "owner", "status", "due_on"]
        widgets = {"due_on": DATE_INPUT}

    def clean(self):
        cleaned = super().clean()
        # Read by the comité's members, outside the CCAS (docs/access.md).
        add_outbound_errors(
            self, COMITE_AUDIENCE, title=cleaned.get("title"), owner=cleaned.get("owner")
        )
        return cleaned


class AdjustmentStatusForm(forms.Form):
    status = forms.ChoiceField(label="État", choices=AdjustmentStatus.choices)


class PartnerForm(forms.ModelForm):
    class Meta:
        model = Partner
        fields = ["name", "category", "description", "address"]
        widgets = {"description": forms.Textarea(attrs={"rows": 3})}


class PartnerContactForm(forms.ModelForm):
    class Meta:
        model = PartnerContact
        fields = ["name", "function", "email", "phone"]


class OrientationForm(forms.ModelForm):
    class Meta:
        model = Orientation
        fields = ["partner", "on", "reason"]
        widgets = {"on": DATE_INPUT}

    def clean_on(self):
        day = self.cleaned_data["on"]
        if day > timezone.localdate():
            raise forms.ValidationError("La date d'orientation ne peut pas être dans le futur.")
        return day


class OrientationOutcomeForm(forms.ModelForm):
    class Meta:
        model = Orientation
        fields = ["outcome", "outcome_note"]
