from django.apps import AppConfig


class PrivacyConfig(AppConfig):
    name = "privacy"
    verbose_name = "Données personnelles"

    def ready(self):
        from households import panels

        from .panels import household_panel

        panels.register("privacy/_household_privacy.html", household_panel)
