from django.apps import AppConfig


class AccompanimentsConfig(AppConfig):
    name = "accompaniments"
    verbose_name = "Accompagnements"
