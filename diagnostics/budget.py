"""The budget arithmetic of the diagnostic (§2.1.2), in one pure function, in `Decimal`.

Lines are monthly amounts in euros, keyed by the kinds below (a missing kind counts 0).

Rules (the diagnostic page, the synthesis and the housing match all use these, nothing else):

- **Total resources** = sum of every resource line, the APL/AL line included.
- **Total charges** = sum of every charge line.
- **Reste à vivre per month** = total resources − total charges (may be negative).
- **Consumption units** (échelle du guide CCAS): 1 for the first person aged 14 or more,
  0.5 for each other person aged 14 or more, 0.3 for each child under 14. A person whose age is
  unknown counts as 14 or more. A household of children only (never in practice) counts its
  first child as 1; an empty household counts 1 unit, so nothing divides by zero.
- **Reste à vivre per day per unit** = reste à vivre per month / 30 days / units, rounded to the
  cent (half up).
- **Housing cost** = the lines "loyer résiduel" + "énergie" + "eau": what the household pays to
  live in its dwelling. "Loyer résiduel" is the rent and rental charges left to pay once any
  housing allowance paid straight to the landlord (tiers payant) is deducted; an allowance
  paid to the household itself is the resource line "APL/AL".
- **Housing effort rate** (taux d'effort net, as social landlords compute it)
  = (housing cost − APL/AL received) / (total resources − APL/AL received) × 100, a percentage
  rounded to 0.1. The net cost is floored at 0. With no resource besides the allowance the rate
  cannot be computed: `None` (shown "—").

After a rehousing (`after_rehousing`): the new dwelling's rent + charges minus the estimated
APL (assumed paid to Caen habitat in tiers payant, as it is for its tenants) becomes the
"loyer résiduel" line, the current APL/AL resource line stops (the allowance is recomputed for
the new dwelling, hence the estimate), energy and water stay as declared.
"""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

ZERO = Decimal("0")
CENT = Decimal("0.01")
TENTH = Decimal("0.1")
DAYS_PER_MONTH = 30
ADULT_AGE = 14

RESOURCE_KINDS = {
    "salaries": "Salaires",
    "unemployment": "Indemnités chômage",
    "rsa": "RSA",
    "aah": "AAH",
    "family": "Prestations familiales",
    "housing_allowance": "APL / AL",
    "pensions": "Pensions (retraite, invalidité, alimentaire reçue)",
    "other": "Autres ressources",
}
CHARGE_KINDS = {
    "rent": "Loyer résiduel",
    "energy": "Énergie",
    "water": "Eau",
    "insurance": "Assurance",
    "telecom": "Téléphone / internet",
    "transport": "Transport",
    "credits": "Crédits",
    "pensions_paid": "Pensions versées",
    "childcare": "Frais de garde",
    "other": "Autres charges",
}
HOUSING_ALLOWANCE = "housing_allowance"
HOUSING_CHARGE_KINDS = ("rent", "energy", "water")


@dataclass(frozen=True)
class BudgetResult:
    resources: Decimal  # total resources per month
    charges: Decimal  # total charges per month
    housing_cost: Decimal  # loyer résiduel + énergie + eau
    housing_allowance: Decimal  # the APL/AL resource line
    units: Decimal  # consumption units
    remaining_month: Decimal  # reste à vivre per month
    remaining_day_per_unit: Decimal  # reste à vivre per day per consumption unit
    effort_rate: Decimal | None  # percentage, None when it cannot be computed


def _amount(value) -> Decimal:
    if value is None or value == "":
        return ZERO
    return Decimal(str(value)) if not isinstance(value, Decimal) else value


def consumption_units(ages: Iterable[int | None]) -> Decimal:
    ages = list(ages)
    older = sum(1 for age in ages if age is None or age >= ADULT_AGE)
    children = len(ages) - older
    if older:
        return Decimal(1) + Decimal("0.5") * (older - 1) + Decimal("0.3") * children
    if children:
        return Decimal(1) + Decimal("0.3") * (children - 1)
    return Decimal(1)


def compute_budget(
    resources: Mapping[str, object],
    charges: Mapping[str, object],
    ages: Iterable[int | None],
) -> BudgetResult:
    """Totals, reste à vivre and effort rate from monthly lines by kind and the members' ages."""
    resource_total = sum((_amount(v) for v in resources.values()), ZERO)
    charge_total = sum((_amount(v) for v in charges.values()), ZERO)
    allowance = _amount(resources.get(HOUSING_ALLOWANCE))
    housing_cost = sum((_amount(charges.get(kind)) for kind in HOUSING_CHARGE_KINDS), ZERO)
    units = consumption_units(ages)
    remaining = resource_total - charge_total
    per_day = (remaining / DAYS_PER_MONTH / units).quantize(CENT, rounding=ROUND_HALF_UP)
    own_resources = resource_total - allowance
    if own_resources > 0:
        net_cost = max(housing_cost - allowance, ZERO)
        effort = (net_cost * 100 / own_resources).quantize(TENTH, rounding=ROUND_HALF_UP)
    else:
        effort = None
    return BudgetResult(
        resources=resource_total.quantize(CENT),
        charges=charge_total.quantize(CENT),
        housing_cost=housing_cost.quantize(CENT),
        housing_allowance=allowance.quantize(CENT),
        units=units,
        remaining_month=remaining.quantize(CENT),
        remaining_day_per_unit=per_day,
        effort_rate=effort,
    )


def rehoused_lines(resources, charges, rent_and_charges, estimated_apl):
    """The budget lines as they would be in the new dwelling (see the module docstring)."""
    resources = dict(resources)
    charges = dict(charges)
    resources[HOUSING_ALLOWANCE] = ZERO
    charges["rent"] = max(_amount(rent_and_charges) - _amount(estimated_apl), ZERO)
    return resources, charges


def after_rehousing(diagnostic, rent_and_charges, estimated_apl=ZERO) -> BudgetResult:
    """Effort rate and reste à vivre of `diagnostic`'s household in a dwelling at that rent.

    For the housing match: `rent_and_charges` is the new dwelling's monthly rent + rental
    charges, `estimated_apl` the allowance expected there (paid to the landlord).
    """
    resources, charges = rehoused_lines(
        diagnostic.resource_amounts(), diagnostic.charge_amounts(), rent_and_charges, estimated_apl
    )
    return compute_budget(resources, charges, diagnostic.member_ages())
