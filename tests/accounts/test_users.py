"""`User.objects.with_role` and `social_workers`: the référent lists of the forms."""

import pytest

from accounts.enums import Role
from accounts.models import RoleAssignment, User
from tests.factories import make_user

pytestmark = pytest.mark.django_db


def test_social_workers_are_the_active_holders_of_the_role_each_once_by_name():
    both = make_user(Role.SOCIAL_WORKER, email="b@test.caen.fr", last_name="Bernard")
    RoleAssignment.objects.create(user=both, role=Role.CCAS_MANAGER)
    RoleAssignment.objects.create(user=both, role=Role.CELLULE_MEMBER)
    first = make_user(Role.SOCIAL_WORKER, email="a@test.caen.fr", last_name="Adam")
    make_user(Role.SOCIAL_WORKER, email="gone@test.caen.fr", is_active=False)
    make_user(Role.CCAS_MANAGER, email="direction@test.caen.fr")
    workers = User.objects.social_workers()
    assert list(workers) == [first, both]
    managers = list(User.objects.with_role(Role.CCAS_MANAGER))
    assert sorted(u.email for u in managers) == ["b@test.caen.fr", "direction@test.caen.fr"]
    # A probe of the roles, not a join made distinct again (docs/performance.md).
    assert "DISTINCT" not in str(workers.query)


def test_social_worker_choices_are_the_social_workers_names_in_one_statement(
    django_assert_num_queries,
):
    both = make_user(Role.SOCIAL_WORKER, email="b@test.caen.fr", last_name="Bernard")
    RoleAssignment.objects.create(user=both, role=Role.CCAS_MANAGER)
    make_user(Role.SOCIAL_WORKER, email="a@test.caen.fr", last_name="Adam", first_name="Zoé")
    make_user(Role.SOCIAL_WORKER, email="sans.nom@test.caen.fr", first_name="", last_name="")
    make_user(Role.SOCIAL_WORKER, email="gone@test.caen.fr", is_active=False)
    make_user(Role.CCAS_MANAGER, email="direction@test.caen.fr")
    expected = [(u.pk, str(u)) for u in User.objects.social_workers()]
    assert len(expected) == 3 and ("sans.nom@test.caen.fr" in dict(expected).values())
    with django_assert_num_queries(1):
        assert User.objects.social_worker_choices() == expected
