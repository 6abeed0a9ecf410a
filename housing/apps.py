from django.apps import AppConfig


class HousingConfig(AppConfig):
    name = "housing"
    label = "housing"
    verbose_name = "Offre de logement et relogements"

    def ready(self):
        from households import panels
        from households.enums import Status

        from .panels import household_panel, visible

        panels.register(
            "logement",
            "Logement",
            "housing/_household_pathway.html",
            visible=visible,
            build=household_panel,
            steps={Status.ADMITTED},
        )
