from django.apps import AppConfig


class HousingConfig(AppConfig):
    name = "housing"
    label = "housing"
    verbose_name = "Offre de logement et relogements"

    def ready(self):
        from households import panels

        from .panels import household_panel

        panels.register("housing/_household_pathway.html", household_panel)
