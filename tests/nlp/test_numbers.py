"""Unit cases for every number rule: values, scales, currencies, ranges, filler, display."""

from __future__ import annotations

import pytest

from nlp.numbers import filler_reason, format_amount, parse_amount, parse_range, split_hedge


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("$0.87", (0.87, None, "USD")),
        ("1.6 trillion", (1.6e12, None, None)),
        ("€2bn", (2e9, None, "EUR")),
        ("£10bn", (1e10, None, "GBP")),
        ("US$3", (3.0, None, "USD")),
        ("HK$88 billion", (8.8e10, None, "HKD")),
        ("88 billion Hong Kong dollars", (8.8e10, None, "HKD")),
        ("71,350 euro", (71350.0, None, "EUR")),
        ("50 cents", (0.5, None, "USD")),
        ("half a million dollars", (5e5, None, "USD")),
        ("a million", (1e6, None, None)),
        ("two dozen", (24.0, None, None)),
        ("five hundred thousand", (5e5, None, None)),
        ("50 lakh", (5e6, None, None)),
        ("Fifty-one percent", (51.0, None, "%")),
        ("12%", (12.0, None, "%")),
        ("2.8 per cent", (2.8, None, "%")),
        ("80-percent", (80.0, None, "%")),
        ("3.5 percentage points", (3.5, None, "pp")),
        ("-3%", (-3.0, None, "%")),
        ("−3.5%", (-3.5, None, "%")),
        ("1,000", (1000.0, None, None)),
        ("17 ounces", (17.0, None, "oz")),
        ("150 kW", (150.0, None, "kW")),
        ("a 13.8-billion-year", (1.38e10, None, None)),
        ("$4.99/mo", (4.99, None, "USD")),
        ("$6.99-a-month", (6.99, None, "USD")),
        ("$29 72W", (29.0, None, "USD")),
    ],
)
def test_values_units_and_scales(text: str, expected: tuple) -> None:
    value, high, unit = parse_range(text)
    assert value == pytest.approx(expected[0])
    assert high == expected[1]
    assert unit == expected[2]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("$5 million to $10 million", (5e6, 1e7, "USD")),
        ("between $5 million and $10 million", (5e6, 1e7, "USD")),
        ("$150 to $200", (150.0, 200.0, "USD")),
        ("$40-50 billion", (4e10, 5e10, "USD")),  # the scale after the range scales both
        ("350–375 million", (3.5e8, 3.75e8, None)),
        ("4-5%", (4.0, 5.0, "%")),
        ("10−20%", (10.0, 20.0, "%")),
        ("40 to 80 percent", (40.0, 80.0, "%")),
        ("0.5 to 4 meter", (0.5, 4.0, "m")),
        ("between 25 and 30", (25.0, 30.0, None)),
    ],
)
def test_ranges(text: str, expected: tuple) -> None:
    value, high, unit = parse_range(text)
    assert value == pytest.approx(expected[0])
    assert high == pytest.approx(expected[1])
    assert unit == expected[2]


def test_parse_amount_is_the_low_end_and_none_without_number() -> None:
    assert parse_amount("$5 million to $10 million") == (5e6, "USD")
    assert parse_amount("millions of people") is None
    assert parse_amount("") is None


def test_decimal_comma_languages() -> None:
    assert parse_range("3,5 Millionen", decimal_comma=True) == (3.5e6, None, None)
    assert parse_range("1.234,5", decimal_comma=True) == (1234.5, None, None)
    assert parse_range("2,5 Milliarden Euro", decimal_comma=True) == (2.5e9, None, "EUR")
    assert parse_range("12 Prozent", decimal_comma=True) == (12.0, None, "%")


@pytest.mark.parametrize(
    ("ent", "before", "after", "value", "reason"),
    [
        ("At least two", "", " people were hurt", 2, "vague quantity"),
        ("two", "Some ", " officials resigned", 3, "vague quantity"),
        ("3", "at most ", " cars", 3, "vague quantity"),
        ("one", "He is ", " of the best players", 1, "single one"),
        ("Two", "", " of the suspects fled", 2, "'N of' idiom"),
        ("dozens", "", " of people", 24, "'N of' idiom"),
        ("several", "", " people", 3, "vague quantity"),
        ("3", "Photo ", " of 12", 3, "page furniture (N of M)"),
        ("5", "Read more ", " comments", 5, "page furniture (counter)"),
        ("14", "Share ", "", 14, "page furniture (counter)"),
        ("2019", "in ", "", 2019, "year"),
        ("two", "run on ", "-stroke engines", 2, "compound modifier ('two-stroke')"),
        ("15", "iPhone ", " costs", 15, None),  # a space: not glued, but see next
        ("4", "GPT", " is out", 4, "part of a name or code"),
    ],
)
def test_filler_rules(ent: str, before: str, after: str, value: float, reason: str | None) -> None:
    assert filler_reason(ent, before, after, value) == reason


def test_hedged_large_counts_and_other_kinds_are_kept() -> None:
    assert filler_reason("106", "At least ", " protesters", 106) is None
    assert filler_reason("more than 4,000", "", " people", 4000) is None
    assert filler_reason("about 10%", "", " of staff", 10, "PERCENT") is None
    # digits are vague only up to vague_max; spelled-out numbers always
    assert filler_reason("2", "at least ", " people", 2, vague_max=1) is None
    assert filler_reason("two", "at least ", " people", 2, vague_max=1) == "vague quantity"


def test_split_hedge() -> None:
    assert split_hedge("At least two") == ("At least ", "two")
    assert split_hedge("more than 4,000") == ("more than ", "4,000")
    assert split_hedge("300") == ("", "300")


@pytest.mark.parametrize(
    ("value", "unit", "high", "text"),
    [
        (1.6e12, None, None, "1.6T"),
        (0.87, "USD", None, "$0.87"),
        (12.0, "%", None, "12%"),
        (3.5, "pp", None, "3.5 pp"),
        (40.6e9, "USD", None, "$40.6B"),
        (5e6, "USD", 1e7, "$5M–$10M"),
        (40.0, "%", 80.0, "40–80%"),
        (88e9, "HKD", None, "88B HKD"),
        (3000.0, None, None, "3,000"),
        (-2.5, "EUR", None, "-€2.5"),
    ],
)
def test_display(value: float, unit: str | None, high: float | None, text: str) -> None:
    assert format_amount(value, unit, high) == text
