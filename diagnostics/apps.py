from django.apps import AppConfig


class DiagnosticsConfig(AppConfig):
    name = "diagnostics"
    verbose_name = "Diagnostics sociaux"

    def ready(self):
        from households import panels

        from .panels import household_panel

        panels.register("diagnostics/_household_diagnostics.html", household_panel)
