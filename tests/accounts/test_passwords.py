"""Password rules of docs/access.md (CNIL 2022-100): 12 chars from 4 classes or 14 from 3."""

import pytest
from django.contrib.auth.password_validation import (
    password_validators_help_texts,
    validate_password,
)
from django.core.exceptions import ValidationError

from accounts.passwords import CnilPasswordValidator, PublicPasswordValidator

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


@pytest.mark.parametrize(
    "password",
    [
        "Caen-Accompagne-2026!",  # the demo password, printed in the README
        "caen-accompagne-2026!",
        "Logement-Accompagné-Caen-7",  # the project's name, accents and case aside
        "LOGEMENTACCOMPAGNECAEN9!",
        "Caen-Accompagnement-99!",
        "Mon#Caen accompagné 2027",
    ],
)
def test_public_passwords_are_refused(settings, password):
    settings.DEMO_PASSWORD = "Caen-Accompagne-2026!"
    with pytest.raises(ValidationError) as error:
        validate_password(password)
    assert "mot de passe est public" in " ".join(error.value.messages)


def test_a_custom_demo_password_is_refused_too(settings):
    settings.DEMO_PASSWORD = "Demo-Caen-Ouvert-2031!"
    with pytest.raises(ValidationError):
        PublicPasswordValidator().validate("xDemo-Caen-Ouvert-2031!x")
    PublicPasswordValidator().validate("Vaucelles-Caen-2031!")


@pytest.mark.django_db
def test_own_password_change_ends_the_other_sessions(client, social_worker):
    from django.test import Client
    from django.urls import reverse

    from tests.e2e.conftest import PASSWORD

    url = reverse("accounts:password_change")
    elsewhere = Client()
    for c in (client, elsewhere):
        c.post(reverse("accounts:login"), {"username": social_worker.email, "password": PASSWORD})
    assert elsewhere.get(reverse("accounts:account")).status_code == 200
    new = "Nouveau-Mot-2passe!"
    # The old password is required; a wrong one is explained in French, nothing changes.
    wrong = client.post(url, {"old_password": "faux", "new_password1": new, "new_password2": new})
    assert wrong.status_code == 400
    assert "ancien mot de passe est incorrect" in wrong.content.decode()
    weak = client.post(
        url,
        {"old_password": PASSWORD, "new_password1": "court", "new_password2": "court"},
    )
    assert weak.status_code == 400 and "au moins 12 caractères" in weak.content.decode()
    demo = "Caen-Accompagne-2026!"
    public = client.post(
        url, {"old_password": PASSWORD, "new_password1": demo, "new_password2": demo}
    )
    assert public.status_code == 400 and "mot de passe est public" in public.content.decode()
    social_worker.refresh_from_db()
    assert social_worker.check_password(PASSWORD)

    done = client.post(url, {"old_password": PASSWORD, "new_password1": new, "new_password2": new})
    assert done.status_code == 302
    social_worker.refresh_from_db()
    assert social_worker.check_password(new)
    # This session goes on; the one on the other computer is over.
    page = client.get(reverse("accounts:account"))
    assert page.status_code == 200 and "Vos sessions ouvertes sur d" in page.content.decode()
    response = elsewhere.get(reverse("accounts:account"))
    assert response.status_code == 302 and response.url.startswith(reverse("accounts:login"))
