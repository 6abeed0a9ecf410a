from .enums import Role


def roles(request):
    user = getattr(request, "user", None)
    current = user.roles if user is not None and user.is_authenticated else frozenset()
    return {"user_roles": current, "Role": Role}
