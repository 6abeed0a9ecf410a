"""System checks of the project's own settings (`manage.py check --deploy`)."""

from django.conf import settings
from django.core.checks import Tags, Warning, register


@register(Tags.security, deploy=True)
def site_url_is_https(app_configs, **kwargs):
    """Links in e-mails start with SITE_URL: in production it must be the public HTTPS address."""
    if settings.SITE_URL.startswith("https://"):
        return []
    return [
        Warning(
            f"SITE_URL vaut « {settings.SITE_URL} » : les liens des courriels ne mèneront pas à "
            "l'application.",
            hint="Définir SITE_URL (ou CSRF_TRUSTED_ORIGINS) avec l'adresse publique en https://.",
            id="caen.W001",
        )
    ]
