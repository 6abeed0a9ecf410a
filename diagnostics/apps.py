from django.apps import AppConfig


class DiagnosticsConfig(AppConfig):
    name = "diagnostics"
    verbose_name = "Diagnostics sociaux"

    def ready(self):
        from households import panels
        from households.enums import Status

        from .panels import household_panel, visible

        panels.register(
            "diagnostic",
            "Diagnostic",
            "diagnostics/_household_diagnostics.html",
            visible=visible,
            build=household_panel,
            steps={Status.DIAGNOSTIC, Status.AWAITING_ADMISSION},
        )
