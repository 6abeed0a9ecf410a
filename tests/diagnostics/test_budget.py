"""The budget arithmetic (diagnostics.budget), checked against hand-computed figures."""

from decimal import Decimal as D

import pytest

from diagnostics.budget import compute_budget, consumption_units, rehoused_lines


def test_single_adult():
    result = compute_budget(
        {"salaries": "1200"},
        {"rent": "400", "energy": "80", "water": "20", "telecom": "30"},
        [40],
    )
    assert result.resources == D("1200.00")
    assert result.charges == D("530.00")
    assert result.remaining_month == D("670.00")
    assert result.units == D("1")
    assert result.remaining_day_per_unit == D("22.33")  # 670 / 30 / 1 = 22.333…
    assert result.housing_cost == D("500.00")  # loyer résiduel + énergie + eau
    assert result.effort_rate == D("41.7")  # 500 / 1200 = 41.66… %


def test_couple_with_two_children_and_housing_allowance():
    result = compute_budget(
        {"salaries": D("1500"), "family": D("300"), "housing_allowance": D("250")},
        {"rent": D("600"), "energy": D("120"), "water": D("30"), "insurance": D("20")},
        [38, 36, 16, 8],
    )
    assert result.units == D("2.3")  # 1 + 0.5 + 0.5 + 0.3
    assert result.resources == D("2050.00")
    assert result.charges == D("770.00")
    assert result.remaining_month == D("1280.00")
    assert result.remaining_day_per_unit == D("18.55")  # 1280 / 30 / 2.3 = 18.5507…
    assert result.housing_allowance == D("250.00")
    # (600 + 120 + 30 − 250) / (2050 − 250) = 500 / 1800 = 27.77… %
    assert result.effort_rate == D("27.8")


def test_zero_resources():
    result = compute_budget({}, {"rent": "300"}, [30])
    assert result.resources == D("0.00")
    assert result.remaining_month == D("-300.00")
    assert result.remaining_day_per_unit == D("-10.00")
    assert result.effort_rate is None  # nothing to divide by: shown "—"


def test_only_housing_allowance_gives_no_effort_rate():
    result = compute_budget({"housing_allowance": "200"}, {"rent": "100"}, [30])
    assert result.resources == D("200.00")
    assert result.effort_rate is None


def test_large_household():
    # Two adults, teenagers of 17 and exactly 14 (counts as 14 or more), six children under 14.
    ages = [45, 42, 17, 14, 13, 10, 8, 6, 3, 1]
    result = compute_budget(
        {"salaries": "1800", "family": "1100", "housing_allowance": "450", "rsa": "0"},
        {"rent": "500", "energy": "250", "water": "90", "transport": "100", "credits": "150"},
        ages,
    )
    assert result.units == D("4.3")  # 1 + 3 × 0.5 + 6 × 0.3
    assert result.resources == D("3350.00")
    assert result.charges == D("1090.00")
    assert result.remaining_month == D("2260.00")
    assert result.remaining_day_per_unit == D("17.52")  # 2260 / 30 / 4.3 = 17.519…
    assert result.effort_rate == D("13.4")  # (840 − 450) / (3350 − 450) = 13.44… %


def test_allowance_above_housing_cost_floors_at_zero():
    result = compute_budget({"salaries": "1000", "housing_allowance": "300"}, {"rent": "100"}, [30])
    assert result.effort_rate == D("0.0")


@pytest.mark.parametrize(
    "ages, units",
    [
        ([], D("1")),
        ([None], D("1")),
        ([None, 5], D("1.3")),
        ([5, 3], D("1.3")),  # children only: the first counts 1
        ([20, 20, 20], D("2.0")),
        ([13], D("1")),
    ],
)
def test_consumption_units(ages, units):
    assert consumption_units(ages) == units


def test_amounts_stay_exact_decimals():
    result = compute_budget({"salaries": "0.10", "other": "0.20"}, {"water": "0.30"}, [30])
    assert result.resources == D("0.30")
    assert result.remaining_month == D("0.00")


def test_rehoused_lines_replace_rent_and_drop_current_allowance():
    resources, charges = rehoused_lines(
        {"salaries": D("1200"), "housing_allowance": D("200")},
        {"rent": D("150"), "energy": D("60")},
        rent_and_charges=D("420"),
        estimated_apl=D("180"),
    )
    assert resources == {"salaries": D("1200"), "housing_allowance": D("0")}
    assert charges == {"rent": D("240"), "energy": D("60")}
    result = compute_budget(resources, charges, [30])
    assert result.effort_rate == D("25.0")  # (240 + 60) / 1200
    assert result.remaining_month == D("900.00")
