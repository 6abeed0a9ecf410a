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
