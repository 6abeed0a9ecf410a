import string
import unicodedata

from django.conf import settings
from django.core.exceptions import ValidationError

DEFAULT_DEMO_PASSWORD = "Caen-Accompagne-2026!"  # settings.DEMO_PASSWORD's default


class CnilPasswordValidator:
    """CNIL délibération 2022-100: 12 characters from 4 classes, or 14 from 3."""

    def validate(self, password, user=None):
        classes = sum(
            [
                any(c.islower() for c in password),
                any(c.isupper() for c in password),
                any(c.isdigit() for c in password),
                any(not c.isalnum() or c in string.punctuation for c in password),
            ]
        )
        if (len(password) >= 12 and classes == 4) or (len(password) >= 14 and classes >= 3):
            return
        raise ValidationError(
            "Le mot de passe doit comporter au moins 12 caractères mêlant minuscules, majuscules, "
            "chiffres et caractères spéciaux, ou au moins 14 caractères de trois de ces types.",
            code="password_cnil",
        )

    def get_help_text(self):
        return (
            "Au moins 12 caractères avec minuscules, majuscules, chiffres et caractères spéciaux, "
            "ou au moins 14 caractères de trois de ces types."
        )


def _squeezed(text: str) -> str:
    """Lower case, accents and every non-alphanumeric character removed."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in decomposed if c.isalnum() and not unicodedata.combining(c))


# The project's name as people would write it: "Logement accompagné Caen", "caen-accompagnement".
PROGRAMME_NAMES = ("logementaccompagne", "caenaccompagne", "accompagnecaen")


class PublicPasswordValidator:
    """Refuses the public demo password and anything built on the project's name.

    The demo password is printed in the README; the name is the first thing an attacker tries.
    Demo accounts get their password without validation (`accounts/demo.py`), so only real
    accounts are concerned.
    """

    def validate(self, password, user=None):
        squeezed = _squeezed(password)
        public = {_squeezed(settings.DEMO_PASSWORD), _squeezed(DEFAULT_DEMO_PASSWORD)}
        if any(p and p in squeezed for p in public) or any(n in squeezed for n in PROGRAMME_NAMES):
            raise ValidationError(
                "Ce mot de passe est public (mot de passe de démonstration ou nom du dispositif) : "
                "choisissez-en un autre.",
                code="password_public",
            )

    def get_help_text(self):
        return "Ni le mot de passe de démonstration, ni le nom du dispositif."
