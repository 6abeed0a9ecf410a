"""settings.AUTHENTICATION_BACKENDS: Django's ModelBackend, except how the user of a session is
loaded on each request: with its roles, in one statement (UserManager.with_roles), since every
page asks the roles (the policy, the menu, the header badge). Passwords, permissions and the
refusal of an inactive account are ModelBackend's own."""

from django.contrib.auth.backends import ModelBackend

from .models import User


class UserBackend(ModelBackend):
    def get_user(self, user_id):
        user = User._default_manager.with_roles(user_id)
        return user if user is not None and self.user_can_authenticate(user) else None
