import django_filters
from django import forms

from accounts.models import User

from .models import Action, AuditEntry


class AuditFilter(django_filters.FilterSet):
    actor = django_filters.ModelChoiceFilter(label="Utilisateur", queryset=User.objects.all())
    action = django_filters.ChoiceFilter(label="Action", choices=Action.choices)
    household_id = django_filters.NumberFilter(label="N° de ménage (identifiant)")
    after = django_filters.DateFilter(
        label="Depuis le",
        field_name="at",
        lookup_expr="date__gte",
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    before = django_filters.DateFilter(
        label="Jusqu'au",
        field_name="at",
        lookup_expr="date__lte",
        widget=forms.DateInput(attrs={"type": "date"}),
    )

    class Meta:
        model = AuditEntry
        fields = ["actor", "action", "household_id", "after", "before"]
