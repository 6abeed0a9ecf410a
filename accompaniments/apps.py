from django.apps import AppConfig


class AccompanimentsConfig(AppConfig):
    name = "accompaniments"
    verbose_name = "Accompagnements"

    def ready(self):
        from households import panels
        from households.enums import Status

        from .panels import household_panel, visible

        panels.register(
            "accompagnement",
            "Accompagnement",
            "accompaniments/_household_accompaniment.html",
            visible=visible,
            build=household_panel,
            steps={Status.ACCOMPANIED, Status.POST_AUTONOMY},
        )
