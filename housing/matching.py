"""Ranking available dwellings for an admitted household (issue 5, point 2).

Three rules, each written here once and shown on the matching page:

**Size** — a dwelling T*n* has *n* main rooms. The ideal typology for *p* persons is T*p*
(T5 from 5 persons). A dwelling fits when its rooms are within one of that ideal:
from max(1, p − 1) to p + 1 rooms, and T5 always fits households of 6 persons or more.
So: 1 person T1–T2; 2 persons T1–T3; 3 persons T2–T4; 4 persons T3–T5; 5 persons T4–T5;
6 and more T5. Dwellings that do not fit are left out of the list.

**APL estimate** — an indicative, simplified version of the CAF formula
(APL = L + C − Pp), zone 2 (Caen), to be confirmed by a CAF simulation:
- L = the rent, capped at 270 € for one person, 330 € for two, + 45 € per further person;
- C = charges allowance of 58 € + 13 € per further person;
- Pp = personal contribution = 37 € + 30 % × (monthly resources − R0),
  R0 = 550 € + 250 € per further person (never below 37 €);
- APL = max(0, L + C − Pp), rounded to the euro.

**Budget** — the diagnostic's own rules (`diagnostics/budget.py`, `after_rehousing`): in the
new dwelling, its rent + charges minus the APL estimate (paid to Caen habitat, tiers payant)
becomes the "loyer résiduel" line, the current APL/AL resource line stops, energy, water and
every other line stay as declared. From those lines:
- effort rate = (loyer résiduel + énergie + eau) / resources (APL/AL excluded);
- reste à vivre = resources − charges, per month, and per day and consumption unit;
- "adapté" if effort ≤ 30 % and ≥ 10 €/jour/UC; "tendu" if effort ≤ 35 % and ≥ 7 €/jour/UC;
  else "hors budget". The APL estimate uses the resources without the current APL/AL.

**Wishes** — quartier (the household's wishes, else the diagnostic's quartier sought),
floor (maximum floor without lift, or lift/ground floor required) and the typology sought
by the diagnostic. Each unmet wish counts one.

Ranking: budget level, then unmet wishes, then distance from the ideal size, then effort rate,
then rent.
"""

from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from diagnostics import budget as budget_rules
from diagnostics.budget import HOUSING_ALLOWANCE
from diagnostics.models import Diagnostic

EURO = Decimal("1")

# APL estimate parameters (see the module docstring).
APL_RENT_CAP_ONE = Decimal("270")
APL_RENT_CAP_TWO = Decimal("330")
APL_RENT_CAP_PER_EXTRA = Decimal("45")
APL_CHARGES_BASE = Decimal("58")
APL_CHARGES_PER_EXTRA = Decimal("13")
APL_P0 = Decimal("37")
APL_RATE = Decimal("0.30")
APL_R0_BASE = Decimal("550")
APL_R0_PER_EXTRA = Decimal("250")

EFFORT_OK, EFFORT_TIGHT = Decimal("30"), Decimal("35")
RAV_OK, RAV_TIGHT = Decimal("10"), Decimal("7")

BUDGET_OK, BUDGET_TIGHT, BUDGET_OVER, BUDGET_UNKNOWN = 0, 1, 2, 3
BUDGET_LABELS = {
    BUDGET_OK: "Adapté",
    BUDGET_TIGHT: "Tendu",
    BUDGET_OVER: "Hors budget",
    BUDGET_UNKNOWN: "Budget non renseigné",
}


def ideal_rooms(persons: int) -> int:
    return min(max(persons, 1), 5)


def size_fits(rooms: int, persons: int) -> bool:
    persons = max(persons, 1)
    if persons >= 6:
        return rooms == 5
    return max(1, persons - 1) <= rooms <= persons + 1


def estimate_apl(rent, resources, persons: int) -> Decimal:
    """The indicative APL of the module docstring, in euros."""
    persons = max(int(persons), 1)
    extra = persons - 1
    if persons == 1:
        cap = APL_RENT_CAP_ONE
    else:
        cap = APL_RENT_CAP_TWO + APL_RENT_CAP_PER_EXTRA * (persons - 2)
    rent_part = min(Decimal(rent), cap)
    charges_part = APL_CHARGES_BASE + APL_CHARGES_PER_EXTRA * extra
    r0 = APL_R0_BASE + APL_R0_PER_EXTRA * extra
    contribution = APL_P0 + APL_RATE * max(Decimal(0), Decimal(resources) - r0)
    apl = max(Decimal(0), rent_part + charges_part - contribution)
    return apl.quantize(EURO, rounding=ROUND_HALF_UP)


@dataclass
class BudgetInputs:
    """The diagnostic's monthly budget lines by kind and the members' ages."""

    resource_lines: dict
    charge_lines: dict
    ages: list

    @property
    def own_resources(self) -> Decimal:
        """Resources without the housing allowance (what the APL estimate is based on)."""
        return sum(
            (
                Decimal(str(v or 0))
                for k, v in self.resource_lines.items()
                if k != HOUSING_ALLOWANCE
            ),
            Decimal(0),
        )


@dataclass
class BudgetAfter:
    apl: Decimal
    housing_cost: Decimal  # the dwelling's rent + charges
    net_rent: Decimal  # rent + charges − APL: the new "loyer résiduel"
    effort_rate: Decimal | None  # percent
    remaining_month: Decimal
    remaining_day_per_unit: Decimal
    units: Decimal
    level: int

    @property
    def level_label(self):
        return BUDGET_LABELS[self.level]


def budget_after(inputs: BudgetInputs, rent, charges, persons: int) -> BudgetAfter:
    rent, charges = Decimal(rent), Decimal(charges)
    apl = estimate_apl(rent, inputs.own_resources, persons)
    housing_cost = rent + charges
    resources, charge_lines = budget_rules.rehoused_lines(
        inputs.resource_lines, inputs.charge_lines, housing_cost, apl
    )
    result = budget_rules.compute_budget(resources, charge_lines, inputs.ages)
    effort, per_day = result.effort_rate, result.remaining_day_per_unit
    if effort is None:
        level = BUDGET_OVER
    elif effort <= EFFORT_OK and per_day >= RAV_OK:
        level = BUDGET_OK
    elif effort <= EFFORT_TIGHT and per_day >= RAV_TIGHT:
        level = BUDGET_TIGHT
    else:
        level = BUDGET_OVER
    return BudgetAfter(
        apl=apl,
        housing_cost=housing_cost,
        net_rent=max(housing_cost - apl, Decimal(0)),
        effort_rate=effort,
        remaining_month=result.remaining_month,
        remaining_day_per_unit=per_day,
        units=result.units,
        level=level,
    )


def current_diagnostic(household):
    """The household's current diagnostic (the one definition: DiagnosticQuerySet)."""
    return Diagnostic.objects.current_of(household)


def budget_inputs(diagnostic) -> BudgetInputs | None:
    """The diagnostic's budget, when its resources are filled in."""
    if diagnostic is None:
        return None
    inputs = BudgetInputs(
        resource_lines=diagnostic.resource_amounts(),
        charge_lines=diagnostic.charge_amounts(),
        ages=diagnostic.member_ages(),
    )
    return inputs if inputs.own_resources > 0 else None


@dataclass
class Wishes:
    quartiers: list = field(default_factory=list)
    max_floor: int | None = None
    needs_lift: bool = False
    typology: str = ""

    def unmet(self, dwelling) -> list[str]:
        unmet = []
        if self.quartiers and dwelling.quartier not in self.quartiers:
            unmet.append("quartier")
        upstairs_without_lift = dwelling.floor > 0 and not dwelling.has_lift
        if self.needs_lift and upstairs_without_lift:
            unmet.append("ascenseur")
        elif (
            self.max_floor is not None and dwelling.floor > self.max_floor and not dwelling.has_lift
        ):
            unmet.append("étage")
        if self.typology and dwelling.typology != self.typology:
            unmet.append("typologie")
        return unmet


def wishes_for(household, diagnostic) -> Wishes:
    from .models import HousingWish, Typology

    wish = HousingWish.objects.filter(household=household).first()
    quartiers = list(wish.quartiers) if wish and wish.quartiers else []
    if not quartiers and diagnostic is not None and diagnostic.quartier_sought:
        quartiers = [diagnostic.quartier_sought]
    typology = ""
    if diagnostic is not None and diagnostic.dwelling_type_sought:
        sought = diagnostic.dwelling_type_sought.strip().upper()
        typology = sought if sought in Typology.values else ""
    return Wishes(
        quartiers=quartiers,
        max_floor=wish.max_floor if wish else None,
        needs_lift=wish.needs_lift if wish else False,
        typology=typology,
    )


@dataclass
class Match:
    dwelling: object
    budget: BudgetAfter | None
    unmet: list
    size_gap: int
    apl: Decimal

    @property
    def budget_level(self):
        return self.budget.level if self.budget else BUDGET_UNKNOWN

    @property
    def budget_label(self):
        return BUDGET_LABELS[self.budget_level]

    def figures(self) -> dict:
        """Kept on the proposal, as strings (JSON)."""
        d = self.dwelling
        data = {"rent": str(d.rent), "charges": str(d.charges), "apl": str(self.apl)}
        if self.budget:
            data.update(
                effort_rate=str(self.budget.effort_rate),
                remaining_month=str(self.budget.remaining_month),
                remaining_day_per_unit=str(self.budget.remaining_day_per_unit),
                level=self.budget.level_label,
            )
        return data


def rank(household, dwellings, *, inputs=None, wishes=None, persons=None) -> list[Match]:
    persons = persons if persons is not None else household.size
    wishes = wishes or Wishes()
    ideal = ideal_rooms(persons)
    matches = []
    for dwelling in dwellings:
        if not size_fits(dwelling.rooms, persons):
            continue
        budget = budget_after(inputs, dwelling.rent, dwelling.charges, persons) if inputs else None
        apl = budget.apl if budget else Decimal(0)
        matches.append(
            Match(
                dwelling=dwelling,
                budget=budget,
                unmet=wishes.unmet(dwelling),
                size_gap=abs(dwelling.rooms - ideal),
                apl=apl,
            )
        )
    matches.sort(
        key=lambda m: (
            m.budget_level,
            len(m.unmet),
            m.size_gap,
            m.budget.effort_rate if m.budget and m.budget.effort_rate is not None else Decimal(0),
            m.dwelling.rent,
            m.dwelling.reference,
        )
    )
    return matches


def matches_for(household, dwellings):
    """Everything the matching page needs for `household` among `dwellings`."""
    diagnostic = current_diagnostic(household)
    inputs = budget_inputs(diagnostic)
    wishes = wishes_for(household, diagnostic)
    return {
        "diagnostic": diagnostic,
        "inputs": inputs,
        "wishes": wishes,
        "persons": household.size,
        "matches": rank(household, dwellings, inputs=inputs, wishes=wishes),
    }
