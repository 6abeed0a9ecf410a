from django.db import models


class Role(models.TextChoices):
    SOCIAL_WORKER = "social_worker", "Travailleur social (CCAS)"
    CCAS_MANAGER = "ccas_manager", "Direction de l'action sociale (CCAS)"
    LETTING_OFFICER = "letting_officer", "Service location (Caen habitat)"
    DEBT_OFFICER = "debt_officer", "Service contentieux (Caen habitat)"
    TENANCY_OFFICER = "tenancy_officer", "Gestion locative / proximité (Caen habitat)"
    CELLULE_MEMBER = "cellule_member", "Membre de la cellule de coordination"
    STATE_READER = "state_reader", "DDCS / Conseil départemental"
    ADMIN = "admin", "Administrateur technique"


class OrganisationKind(models.TextChoices):
    CCAS = "ccas", "CCAS de Caen"
    CAEN_HABITAT = "caen_habitat", "Caen habitat"
    DDCS = "ddcs", "DDCS du Calvados"
    DEPARTEMENT = "departement", "Conseil départemental du Calvados"
    OTHER = "other", "Autre"


CCAS_ROLES = frozenset({Role.SOCIAL_WORKER, Role.CCAS_MANAGER})
CAEN_HABITAT_ROLES = frozenset({Role.LETTING_OFFICER, Role.DEBT_OFFICER, Role.TENANCY_OFFICER})
