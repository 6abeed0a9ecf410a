"""The programme's yearly budget (§6 of the convention, docs/reporting.md): the convention's
table is the default forecast of every year; the CCAS manager enters the actuals."""

from dataclasses import dataclass
from decimal import Decimal

EXPENSE, INCOME = "expense", "income"


@dataclass(frozen=True)
class Line:
    code: str
    chapter: str
    direction: str
    label: str
    default: Decimal


CHAPTERS = {
    "11": "Chapitre 11 — Charges à caractère général",
    "12": "Chapitre 12 — Charges de personnel",
    "74": "Chapitre 74 — Dotations, subventions, participations",
    "75": "Chapitre 75 — Autres produits de gestion courante",
}

LINES = [
    Line("rentals", "11", EXPENSE, "Locations immobilières", Decimal(16000)),
    Line("rental_charges", "11", EXPENSE, "Charges locatives et de copropriété", Decimal(5000)),
    Line("gla_risk", "11", EXPENSE, "Gestion locative adaptée & risque locatif", Decimal(3000)),
    Line("structure", "11", EXPENSE, "Frais de structure et de coordination", Decimal(10000)),
    Line("diagnostics", "12", EXPENSE, "Rémunération des diagnostics", Decimal(3000)),
    Line(
        "accompaniments",
        "12",
        EXPENSE,
        "Rémunération des accompagnements sociaux",
        Decimal(50000),
    ),
    Line("departement", "74", INCOME, "Participation du Département", Decimal(10000)),
    Line(
        "state",
        "74",
        INCOME,
        "Participation de l'État (appel à projets USH / METL)",
        Decimal(47000),
    ),
    Line("caen_habitat", "74", INCOME, "Participation de Caen habitat", Decimal(3000)),
    Line("city", "74", INCOME, "Subvention d'équilibre Ville de Caen", Decimal(6000)),
    Line("tenants_rent", "75", INCOME, "Loyers des usagers", Decimal(8500)),
    Line("apl", "75", INCOME, "Versements A.P.L.", Decimal(12500)),
]
LINE_OF = {line.code: line for line in LINES}
LINE_CHOICES = [(line.code, line.label) for line in LINES]
DEFAULT_TOTAL = sum(line.default for line in LINES if line.direction == EXPENSE)  # 87 000 €
