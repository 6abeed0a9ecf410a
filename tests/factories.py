"""Factories for the ground floor (accounts, households). Apps add theirs in tests/<app>/."""

import datetime

import factory
from django.utils import timezone

from accounts.enums import OrganisationKind, Role
from accounts.models import Organisation, User
from households.enums import Employment, Gender, Public, Relation, Source, Status
from households.models import Household, HouseholdSource, Person

ORGANISATION_OF_ROLE = {
    Role.SOCIAL_WORKER: OrganisationKind.CCAS,
    Role.CCAS_MANAGER: OrganisationKind.CCAS,
    Role.LETTING_OFFICER: OrganisationKind.CAEN_HABITAT,
    Role.DEBT_OFFICER: OrganisationKind.CAEN_HABITAT,
    Role.TENANCY_OFFICER: OrganisationKind.CAEN_HABITAT,
    Role.CELLULE_MEMBER: OrganisationKind.CAEN_HABITAT,
    Role.STATE_READER: OrganisationKind.DDCS,
    Role.ADMIN: OrganisationKind.CCAS,
}


class OrganisationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organisation
        django_get_or_create = ["name"]

    name = factory.LazyAttribute(lambda o: OrganisationKind(o.kind).label)
    kind = OrganisationKind.CCAS


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"agent{n}@test.caen.fr")
    # Staff names never drawn from the pool of the households' names: a page or PDF checked for
    # the absence of a household's name also shows the name of the user logged in.
    first_name = factory.Sequence(lambda n: f"Agent{n}")
    last_name = "Programme"
    password = factory.django.Password("Mot-de-passe-Test-2026!")
    organisation = factory.SubFactory(OrganisationFactory)

    @factory.post_generation
    def roles(self, create, extracted, **kwargs):
        for role in extracted or ():
            self.role_assignments.create(role=role)


def make_user(role, **kwargs):
    kind = ORGANISATION_OF_ROLE[role]
    return UserFactory(roles=[role], organisation=OrganisationFactory(kind=kind), **kwargs)


class HouseholdFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Household
        skip_postgeneration_save = True

    public = Public.THIRD_PARTY
    status = Status.PRESELECTED
    declared_size = 1

    class Params:
        tenant = factory.Trait(
            public=Public.EVICTION_THREAT, tenant_account=factory.Sequence(lambda n: f"CH{n:06d}")
        )
        accompanied = factory.Trait(status=Status.ACCOMPANIED)

    @factory.post_generation
    def members(self, create, extracted, **kwargs):
        if extracted is None:
            PersonFactory(household=self)
        else:
            for spec in extracted:
                PersonFactory(household=self, **spec)


class PersonFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Person

    household = factory.SubFactory(HouseholdFactory, members=[])
    last_name = factory.Faker("last_name", locale="fr_FR")
    first_name = factory.Faker("first_name", locale="fr_FR")
    birth_date = factory.LazyFunction(lambda: datetime.date(1985, 6, 15))
    gender = Gender.FEMALE
    relation = Relation.REFERENCE
    employment = Employment.JOBSEEKER


class HouseholdSourceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = HouseholdSource

    household = factory.SubFactory(HouseholdFactory)
    source = Source.CODESI
    reference = factory.Sequence(lambda n: f"COD-{n:05d}")
    decision_date = factory.LazyFunction(lambda: timezone.localdate())
