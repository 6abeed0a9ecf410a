from functools import cached_property

from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.db import connections, models, router
from django.utils import timezone

from .enums import CCAS_ROLES, OrganisationKind, Role


class Organisation(models.Model):
    name = models.CharField("nom", max_length=200, unique=True)
    kind = models.CharField("type", max_length=20, choices=OrganisationKind.choices)

    class Meta:
        verbose_name = "organisation"
        ordering = ["name"]

    def __str__(self):
        return self.name


class UserQuerySet(models.QuerySet):
    def with_role(self, role):
        """Active users holding `role`: each once, tested by a probe of their roles rather than
        a join made distinct again (which sorted every column of the users: 0.7 → 0.1 ms of
        PostgreSQL for the référent lists of the filter forms, docs/performance.md)."""
        holds = RoleAssignment.objects.filter(user=models.OuterRef("pk"), role=role)
        return self.filter(models.Exists(holds), is_active=True)

    def social_workers(self):
        return self.with_role(Role.SOCIAL_WORKER).order_by("last_name", "first_name")


class UserManager(BaseUserManager.from_queryset(UserQuerySet)):
    use_in_migrations = True

    def create_user(self, email, password=None, roles=(), **extra):
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        for role in roles:
            user.role_assignments.create(role=role)
        return user

    def with_roles(self, pk):
        """The user `pk` (None if none) with its roles read in the same statement: the
        authentication backend loads the user of every request this way (accounts/backends.py),
        one query and no QuerySet to build (docs/performance.md, « The cost every page pays »).
        One row per role (a user without a role: one row, no role)."""
        connection = connections[router.db_for_read(self.model)]
        users = connection.ops.quote_name(self.model._meta.db_table)
        roles = connection.ops.quote_name(RoleAssignment._meta.db_table)
        rows = list(
            self.raw(
                f"SELECT {users}.*, {roles}.role AS assigned_role FROM {users}"
                f" LEFT JOIN {roles} ON {roles}.user_id = {users}.id WHERE {users}.id = %s",
                [pk],
            )
        )
        if not rows:
            return None
        user = rows[0]
        user.__dict__["roles"] = frozenset(row.assigned_role for row in rows if row.assigned_role)
        del user.assigned_role
        return user

    def social_worker_choices(self):
        """[(pk, name)] of `social_workers()`, in their order: the référent lists of the
        households filter, the caseload's and the file's référent forms. One SQL statement:
        Django built and compiled `social_workers()` on each of those pages for four to ten
        rows (1 ms → 0.3 ms, docs/performance.md); tests/accounts/test_users.py holds both
        equal."""
        connection = connections[router.db_for_read(self.model)]
        users = connection.ops.quote_name(self.model._meta.db_table)
        roles = connection.ops.quote_name(RoleAssignment._meta.db_table)
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT {users}.id, {users}.first_name, {users}.last_name, {users}.email"
                f" FROM {users} WHERE {users}.is_active AND EXISTS (SELECT 1 FROM {roles}"
                f" WHERE {roles}.user_id = {users}.id AND {roles}.role = %s)"
                f" ORDER BY {users}.last_name, {users}.first_name, {users}.id",
                [Role.SOCIAL_WORKER.value],
            )
            rows = cursor.fetchall()
        return [
            (pk, str(User(first_name=first, last_name=last, email=email)))
            for pk, first, last, email in rows
        ]

    def create_superuser(self, email, password=None, **extra):
        extra.setdefault("is_staff", True)
        extra.setdefault("is_superuser", True)
        return self.create_user(email, password, roles=[Role.ADMIN], **extra)


class User(AbstractBaseUser, PermissionsMixin):
    email = models.EmailField("adresse e-mail", unique=True)
    first_name = models.CharField("prénom", max_length=100, blank=True)
    last_name = models.CharField("nom", max_length=100, blank=True)
    organisation = models.ForeignKey(
        Organisation, verbose_name="organisation", on_delete=models.PROTECT, null=True, blank=True
    )
    is_active = models.BooleanField("actif", default=True)
    is_staff = models.BooleanField("accès à l'administration", default=False)
    date_joined = models.DateTimeField("créé le", default=timezone.now)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = []

    class Meta:
        verbose_name = "utilisateur"
        ordering = ["last_name", "first_name", "email"]

    def __str__(self):
        return self.name_of(self.first_name, self.last_name, self.email)

    @staticmethod
    def name_of(first_name, last_name, email):
        """`str(user)` from its columns (a row read as values)."""
        return f"{first_name} {last_name}".strip() or email

    def get_full_name(self):
        return f"{self.first_name} {self.last_name}".strip()

    def get_short_name(self):
        return self.first_name or self.email

    @cached_property
    def roles(self) -> frozenset[str]:
        """Read once per request (the middleware loads the user for each), with one plain
        statement: every page asks it (the policy, the menu, the header badge), and a QuerySet
        built and compiled each time cost ten times the query itself (docs/performance.md)."""
        if not self.pk:
            return frozenset()
        db = router.db_for_read(RoleAssignment, instance=self)
        connection = connections[db]
        table = connection.ops.quote_name(RoleAssignment._meta.db_table)
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT role FROM {table} WHERE user_id = %s", [self.pk])
            return frozenset(role for (role,) in cursor.fetchall())

    def has_role(self, *roles) -> bool:
        return bool(self.roles.intersection(roles))

    @property
    def is_ccas(self) -> bool:
        return bool(self.roles & CCAS_ROLES)

    @property
    def role_labels(self):
        return [Role(r).label for r in sorted(self.roles)]


class RoleAssignment(models.Model):
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="role_assignments")
    role = models.CharField("rôle", max_length=30, choices=Role.choices)

    class Meta:
        verbose_name = "rôle attribué"
        verbose_name_plural = "rôles attribués"
        constraints = [models.UniqueConstraint(fields=["user", "role"], name="unique_user_role")]

    def __str__(self):
        return self.get_role_display()
