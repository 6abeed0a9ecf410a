import string

from django.core.exceptions import ValidationError


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
