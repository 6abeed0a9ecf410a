import django_filters
from django import forms

from accounts.models import User

from .enums import Public, Source, Status
from .models import Household


class HouseholdFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(
        label="Nom, n° de dossier ou n° unique",
        method="filter_search",
        widget=forms.TextInput(
            attrs={"type": "search", "placeholder": "ex. Lefèvre, LA-2026-0042"}
        ),
    )
    status = django_filters.ChoiceFilter(label="Statut", choices=Status.choices, empty_label="Tous")
    public = django_filters.ChoiceFilter(label="Public", choices=Public.choices, empty_label="Tous")
    source = django_filters.ChoiceFilter(
        label="Liste d'origine",
        choices=Source.choices,
        empty_label="Toutes",
        method="filter_source",
    )
    # The social workers' names from one SQL statement, not a queryset Django builds and
    # compiles on every view of the list (`social_worker_choices`, docs/performance.md).
    referent = django_filters.ChoiceFilter(
        label="Référent",
        choices=User.objects.social_worker_choices,
        empty_label="Tous",
        null_label="Sans référent",
    )

    class Meta:
        model = Household
        fields = ["q", "status", "public", "source", "referent"]

    def filter_search(self, queryset, name, value):
        return queryset.search(value)

    def filter_source(self, queryset, name, value):
        return queryset.with_source(value)
