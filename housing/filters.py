import django_filters
from django import forms
from django.db.models import Q

from households.enums import Quartier

from .models import Dwelling, Typology

AVAILABILITY = [("available", "Disponibles"), ("reserved", "Proposés (réservés)"), ("let", "Loués")]


class DwellingFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label="Référence ou adresse", method="search")
    quartier = django_filters.ChoiceFilter(
        label="Quartier", choices=Quartier.choices, empty_label="Tous"
    )
    typology = django_filters.MultipleChoiceFilter(
        label="Typologie", choices=Typology.choices, widget=forms.CheckboxSelectMultiple
    )
    availability = django_filters.ChoiceFilter(
        label="Disponibilité",
        choices=AVAILABILITY,
        method="filter_availability",
        empty_label="Tous",
    )
    max_rent = django_filters.NumberFilter(
        label="Loyer maximum (€)", field_name="rent", lookup_expr="lte"
    )
    available_before = django_filters.DateFilter(
        label="Disponible avant le",
        field_name="available_from",
        lookup_expr="lte",
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    lift = django_filters.BooleanFilter(
        label="Rez-de-chaussée ou ascenseur", method="filter_lift", widget=forms.CheckboxInput
    )
    other_landlord = django_filters.BooleanFilter(
        label="Autres bailleurs seulement",
        method="filter_other_landlord",
        widget=forms.CheckboxInput,
    )

    class Meta:
        model = Dwelling
        fields = []

    def search(self, queryset, name, value):
        return queryset.filter(Q(reference__icontains=value) | Q(address__icontains=value))

    def filter_availability(self, queryset, name, value):
        if value == "available":
            return queryset.filter(is_let=False, has_open_proposal=False)
        if value == "reserved":
            return queryset.filter(is_let=False, has_open_proposal=True)
        if value == "let":
            return queryset.filter(is_let=True)
        return queryset

    def filter_lift(self, queryset, name, value):
        return queryset.filter(Q(floor__lte=0) | Q(has_lift=True)) if value else queryset

    def filter_other_landlord(self, queryset, name, value):
        return queryset.exclude(landlord__iexact="Caen habitat") if value else queryset
