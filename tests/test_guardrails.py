"""The suite's own guardrails (docs/architecture.md, "Guardrails")."""

import pytest
from django.core.management import call_command
from django.template import Context, Template
from django.template.loader import render_to_string


def test_an_unknown_template_variable_fails_the_test():
    with pytest.raises(pytest.fail.Exception, match="Unknown template variable 'missing'"):
        Template("<p>{{ missing }}</p>").render(Context())


def test_the_failure_names_the_template_that_holds_the_variable():
    with pytest.raises(pytest.fail.Exception, match=r"'page\.number' in .*pagination\.html"):
        render_to_string("components/pagination.html", {"page": {"has_other_pages": True}})


def test_if_and_firstof_still_read_an_unknown_variable_as_false():
    template = Template('{% if missing %}oui{% endif %}{% firstof missing "par défaut" %}')
    assert template.render(Context()) == "par défaut"


def test_the_system_checks_accept_the_test_setting():
    call_command("check", "--fail-level", "ERROR")
