"""Password rules of docs/access.md (CNIL 2022-100): 12 chars from 4 classes or 14 from 3."""

import pytest
from django.contrib.auth.password_validation import (
    password_validators_help_texts,
    validate_password,
)
from django.core.exceptions import ValidationError

from accounts.passwords import CnilPasswordValidator

ACCEPTED = [
    "Caen-Habitat7",  # 13 characters, 4 classes
    "Abcdefgh1jk!",  # exactly 12, 4 classes
    "vaucelles-caen-2026",  # 19, 3 classes (lower, digit, special)
    "LogementAccompa9",  # 16, 3 classes (lower, upper, digit)
    "Abcdefghij1k2m",  # exactly 14, 3 classes
]
REFUSED = [
    "Abcdefg1jk!",  # 11 characters, 4 classes
    "Abcdefghij1k2",  # 13 characters, 3 classes
    "motdepasselongmaisfaible",  # 24, 1 class
    "MOTDEPASSELONG2026",  # 18, 2 classes
    "",
]


@pytest.mark.parametrize("password", ACCEPTED)
def test_cnil_accepts(password):
    CnilPasswordValidator().validate(password)


@pytest.mark.parametrize("password", REFUSED)
def test_cnil_refuses_with_a_french_message(password):
    with pytest.raises(ValidationError) as error:
        CnilPasswordValidator().validate(password)
    assert error.value.error_list[0].code == "password_cnil"
    assert "au moins 12 caractères" in error.value.messages[0]


@pytest.mark.django_db
def test_settings_apply_the_cnil_rule_and_the_usual_ones(social_worker):
    validate_password("Caen-Habitat7", user=social_worker)
    with pytest.raises(ValidationError) as error:
        validate_password("Abcdefg1jk!")
    assert any("au moins 12 caractères" in m for m in error.value.messages)
    # Long enough and of three classes, but built on the user's own e-mail address.
    with pytest.raises(ValidationError) as error:
        validate_password(social_worker.email + "X1", user=social_worker)
    assert any("trop semblable" in m for m in error.value.messages)
    assert any("12 caractères" in text for text in password_validators_help_texts())


@pytest.mark.django_db
def test_admin_user_form_refuses_a_weak_password(client, admin_user):
    from django.urls import reverse

    from accounts.models import User

    client.force_login(admin_user)
    url = reverse("admin:accounts_user_add")
    response = client.post(
        url,
        {
            "email": "nouvelle@ccas-caen.fr",
            "password1": "court1A!",
            "password2": "court1A!",
            "usable_password": "true",
            "role_assignments-TOTAL_FORMS": "0",
            "role_assignments-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 200
    assert "au moins 12 caractères" in response.content.decode()
    assert not User.objects.filter(email="nouvelle@ccas-caen.fr").exists()
