from django.apps import AppConfig


class HousingConfig(AppConfig):
    name = "housing"
    label = "housing"
    verbose_name = "Offre de logement et relogements"
