from django.apps import AppConfig


class ProjectConfig(AppConfig):
    name = "caen_accompagnement"
    verbose_name = "Logement accompagné Caen"

    def ready(self):
        from . import checks  # noqa: F401 - registers the project's system checks
