from django.apps import AppConfig


class CoordinationConfig(AppConfig):
    name = "coordination"
    verbose_name = "Cellule de coordination et comité de suivi"

    def ready(self):
        from accounts import policy
        from households import panels

        from .models import AgendaItem
        from .panels import household_panel, visible

        # The cellule member's scope (households on a published agenda of a meeting they sit
        # in) is coordination's data: the policy asks this app for it and knows no join.
        policy.provide_scope(policy.AGENDA, AgendaItem.objects.households_on_agenda_of)
        panels.register(
            "orientations",
            "Orientations",
            "coordination/_household_orientations.html",
            visible=visible,
            build=household_panel,
        )
