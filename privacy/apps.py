from django.apps import AppConfig


class PrivacyConfig(AppConfig):
    name = "privacy"
    verbose_name = "Données personnelles"

    def ready(self):
        from households import panels

        from .panels import household_panel, visible

        panels.register(
            "donnees",
            "Données personnelles",
            "privacy/_household_privacy.html",
            visible=visible,
            build=household_panel,
        )
