"""A diagnostic as labelled rows (the detail page) and two versions side by side (comparison)."""

from households import taxonomy
from households.enums import Employment

from . import budget as budget_rules
from .enums import ArrearsTrigger, Support
from .forms import CONCLUSION_FIELDS, THEMES

LIST_LABELS = {
    "arrears_triggers": dict(ArrearsTrigger.choices),
    "current_supports": dict(Support.choices),
    "proposed_axes": taxonomy.ITEMS,
}
EMPTY = "—"


def display(diagnostic, name):
    field = diagnostic._meta.get_field(name)
    value = getattr(diagnostic, name)
    if value in (None, "", [], {}):
        return EMPTY
    if name in LIST_LABELS:
        return " ; ".join(LIST_LABELS[name].get(v, v) for v in value)
    if name == "adult_employment":
        labels = dict(Employment.choices)
        people = {str(p.pk): p.full_name for p in diagnostic.household.members.all()}
        return " ; ".join(
            f"{people.get(pk, 'Ancien membre du ménage')} : {labels.get(code, code)}"
            for pk, code in value.items()
        )
    if field.choices:
        return getattr(diagnostic, f"get_{name}_display")()
    if isinstance(value, bool):
        return "Oui" if value else "Non"
    if hasattr(value, "strftime"):
        return value.strftime("%d/%m/%Y")
    return str(value)


def _label(diagnostic, name):
    return str(diagnostic._meta.get_field(name).verbose_name).capitalize()


def _fields(diagnostic, names):
    return [(_label(diagnostic, n), display(diagnostic, n)) for n in names]


def describe(diagnostic):
    """Sections {title, rows: [(label, value)]}, in the order of the form; same rows for
    every diagnostic so that two versions line up."""
    sections = [
        {
            "title": "Méthode",
            "rows": _fields(diagnostic, ["level", "family_agreement_on", "social_report_name"])
            + [("Étapes réalisées", " ; ".join(str(s) for s in diagnostic.steps.all()) or EMPTY)],
        }
    ]
    for key, title, names, observation in THEMES:
        rows = _fields(diagnostic, names)
        if key == "socio":
            rows.append(
                ("Situation professionnelle des adultes", display(diagnostic, "adult_employment"))
            )
        if key == "budget":
            for direction, kinds, lines in (
                ("Ressource", budget_rules.RESOURCE_KINDS, diagnostic.resource_amounts()),
                ("Charge", budget_rules.CHARGE_KINDS, diagnostic.charge_amounts()),
            ):
                rows += [
                    (f"{direction} — {label}", _euros(lines.get(k))) for k, label in kinds.items()
                ]
            rows.append(("Dettes", " ; ".join(_debt(d) for d in diagnostic.debts.all()) or EMPTY))
        if key == "housing":
            rows.append(
                (
                    "Logements successifs",
                    " ; ".join(_entry(e) for e in diagnostic.housing_history.all()) or EMPTY,
                )
            )
        rows.append(("Observation", display(diagnostic, observation)))
        sections.append({"title": title, "rows": rows})
    severities = {o.item: o.get_severity_display() for o in diagnostic.obstacles.all()}
    sections.append(
        {
            "title": "Freins",
            "rows": [
                (f"{taxonomy.category_label(code)} — {label}", severities.get(code, EMPTY))
                for code, label in taxonomy.ITEMS.items()
            ],
        }
    )
    sections.append(
        {"title": "Conclusion et proposition", "rows": _fields(diagnostic, CONCLUSION_FIELDS)}
    )
    return sections


def compare(old, new):
    """Sections {title, changed, rows: [{label, old, new, changed}]}."""
    result = []
    for old_section, new_section in zip(describe(old), describe(new), strict=True):
        rows = [
            {"label": label, "old": old_value, "new": new_value, "changed": old_value != new_value}
            for (label, old_value), (_, new_value) in zip(
                old_section["rows"], new_section["rows"], strict=True
            )
        ]
        result.append(
            {
                "title": old_section["title"],
                "rows": rows,
                "changed": sum(1 for r in rows if r["changed"]),
            }
        )
    return result


def _euros(value):
    from caen_accompagnement.templatetags.fr_format import format_euros

    return EMPTY if value is None else format_euros(value)


def _debt(debt):
    flags = []
    if debt.repayment_plan:
        flags.append("plan d'apurement")
    if debt.banque_de_france:
        flags.append("Banque de France")
    extra = f" ({', '.join(flags)})" if flags else ""
    return f"{debt.creditor} {_euros(debt.amount)}, {_euros(debt.monthly_repayment)}/mois{extra}"


def _entry(entry):
    left = f", {entry.get_left_because_display()}" if entry.left_because else ""
    return f"{entry.period} {entry.place} ({entry.get_status_display()}{left})"
