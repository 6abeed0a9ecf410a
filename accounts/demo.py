"""Demo accounts: one per role, all `@demo.caen.fr`, password `settings.DEMO_PASSWORD`.

Idempotent: an account that already exists is left as it is (its password included); missing
ones are created. Every account ends up in `ctx.users` under its key ("ts1" … "admin").
"""

from django.conf import settings
from django.contrib.auth.hashers import make_password

from .enums import OrganisationKind, Role
from .models import Organisation, RoleAssignment, User

DEMO_DOMAIN = "demo.caen.fr"

ORGANISATIONS = {
    OrganisationKind.CCAS: "CCAS de Caen",
    OrganisationKind.CAEN_HABITAT: "Caen habitat",
    OrganisationKind.DDCS: "DDCS du Calvados",
    OrganisationKind.DEPARTEMENT: "Conseil départemental du Calvados",
}

# key → (first name, last name, role, organisation kind). Fictitious people.
ACCOUNTS = {
    "ts1": ("Camille", "Lemonnier", Role.SOCIAL_WORKER, OrganisationKind.CCAS),
    "ts2": ("Sophie", "Marie", Role.SOCIAL_WORKER, OrganisationKind.CCAS),
    "ts3": ("Nadia", "Benali", Role.SOCIAL_WORKER, OrganisationKind.CCAS),
    "ts4": ("Julien", "Hébert", Role.SOCIAL_WORKER, OrganisationKind.CCAS),
    "direction": ("Catherine", "Lecoq", Role.CCAS_MANAGER, OrganisationKind.CCAS),
    "location": ("Thomas", "Guérin", Role.LETTING_OFFICER, OrganisationKind.CAEN_HABITAT),
    "contentieux": ("Isabelle", "Duval", Role.DEBT_OFFICER, OrganisationKind.CAEN_HABITAT),
    "gestion": ("Aurélie", "Lebrun", Role.TENANCY_OFFICER, OrganisationKind.CAEN_HABITAT),
    "cellule": ("Marc", "Lepetit", Role.CELLULE_MEMBER, OrganisationKind.CAEN_HABITAT),
    "ddcs": ("Hélène", "Vautier", Role.STATE_READER, OrganisationKind.DDCS),
    "admin": ("Pierre", "Legrand", Role.ADMIN, OrganisationKind.CCAS),
}


def email_of(key: str) -> str:
    return f"{key}@{DEMO_DOMAIN}"


def seed(ctx):
    organisations = {}
    for kind, name in ORGANISATIONS.items():
        organisations[kind], _ = Organisation.objects.get_or_create(
            name=name, defaults={"kind": kind}
        )

    existing = {u.email: u for u in User.objects.filter(email__endswith=f"@{DEMO_DOMAIN}")}
    password = None  # hashed once for every new account (hashing is deliberately slow)
    created = 0
    for key, (first_name, last_name, role, kind) in ACCOUNTS.items():
        email = email_of(key)
        user = existing.get(email)
        if user is None:
            if password is None:
                password = make_password(settings.DEMO_PASSWORD)
            is_admin = role == Role.ADMIN
            user = User.objects.create(
                email=email,
                first_name=first_name,
                last_name=last_name,
                organisation=organisations[kind],
                password=password,
                is_staff=is_admin,
                is_superuser=is_admin,
            )
            created += 1
        RoleAssignment.objects.get_or_create(user=user, role=role)
        ctx.users[key] = user
    ctx.stdout.write(
        f"Comptes de démonstration : {created} créé(s), {len(ACCOUNTS) - created} déjà présent(s)."
    )
