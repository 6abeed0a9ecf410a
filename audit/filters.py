from datetime import timedelta

import django_filters
from django import forms

from accounts.models import User
from caen_accompagnement.dates import start_of_day

from .models import Action, AuditEntry


class AuditFilter(django_filters.FilterSet):
    actor = django_filters.ModelChoiceFilter(label="Utilisateur", queryset=User.objects.all())
    action = django_filters.ChoiceFilter(label="Action", choices=Action.choices)
    household_id = django_filters.NumberFilter(label="N° de ménage (identifiant)")
    # Days as bounds on `at` itself (from the day's midnight, local time), not on its date:
    # the index on `at` answers them.
    after = django_filters.DateFilter(
        label="Depuis le",
        method="filter_after",
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    before = django_filters.DateFilter(
        label="Jusqu'au",
        method="filter_before",
        widget=forms.DateInput(attrs={"type": "date"}),
    )

    class Meta:
        model = AuditEntry
        fields = ["actor", "action", "household_id", "after", "before"]

    def filter_after(self, queryset, name, value):
        return queryset.filter(at__gte=start_of_day(value))

    def filter_before(self, queryset, name, value):
        return queryset.filter(at__lt=start_of_day(value + timedelta(days=1)))
