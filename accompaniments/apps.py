from django.apps import AppConfig


class AccompanimentsConfig(AppConfig):
    name = "accompaniments"
    verbose_name = "Accompagnements"

    def ready(self):
        from households import panels

        from .panels import household_panel

        panels.register("accompaniments/_household_accompaniment.html", household_panel)
