"""Numbers in words and figures → value and unit; and the rules that call a number filler.

parse_amount("$0.87") == (0.87, "USD"); parse_amount("1.6 trillion") == (1.6e12, None);
parse_amount("€2bn") == (2e9, "EUR"); parse_amount("12%") == (12.0, "%");
parse_amount("3,5 Millionen", decimal_comma=True) == (3.5e6, None).
"""

from __future__ import annotations

import logging
import re

logger = logging.getLogger(__name__)

CURRENCY_SYMBOLS = {
    "us$": "USD",
    "hk$": "HKD",
    "a$": "AUD",
    "c$": "CAD",
    "nz$": "NZD",
    "s$": "SGD",
    "r$": "BRL",
    "$": "USD",
    "€": "EUR",
    "£": "GBP",
    "¥": "JPY",
    "₹": "INR",
    "₩": "KRW",
    "₽": "RUB",
    "₺": "TRY",
    "₿": "BTC",
    "fr.": "CHF",
}
CURRENCY_WORDS = {
    "usd": "USD",
    "dollar": "USD",
    "dollars": "USD",
    "cent": "USD",
    "cents": "USD",
    "eur": "EUR",
    "euro": "EUR",
    "euros": "EUR",
    "gbp": "GBP",
    "pound": "GBP",
    "pounds": "GBP",
    "sterling": "GBP",
    "pence": "GBP",
    "jpy": "JPY",
    "yen": "JPY",
    "cny": "CNY",
    "rmb": "CNY",
    "yuan": "CNY",
    "renminbi": "CNY",
    "inr": "INR",
    "rupee": "INR",
    "rupees": "INR",
    "chf": "CHF",
    "francs": "CHF",
    "cad": "CAD",
    "aud": "AUD",
    "hkd": "HKD",
    "krw": "KRW",
    "won": "KRW",
    "rub": "RUB",
    "roubles": "RUB",
    "rubles": "RUB",
    "btc": "BTC",
    "bitcoin": "BTC",
}
_SUBUNIT = {"cent", "cents", "pence"}
SCALES = {
    "hundred": 1e2,
    "thousand": 1e3,
    "k": 1e3,
    "tausend": 1e3,
    "mille": 1e3,
    "mil": 1e3,
    "million": 1e6,
    "millions": 1e6,
    "mn": 1e6,
    "m": 1e6,
    "mio": 1e6,
    "mio.": 1e6,
    "millionen": 1e6,
    "millones": 1e6,
    "milioni": 1e6,
    "miljoen": 1e6,
    "billion": 1e9,
    "billions": 1e9,
    "bn": 1e9,
    "b": 1e9,
    "milliarde": 1e9,
    "milliarden": 1e9,
    "milliard": 1e9,
    "milliards": 1e9,
    "mrd": 1e9,
    "mrd.": 1e9,
    "mld": 1e9,
    "miliardi": 1e9,
    "trillion": 1e12,
    "trillions": 1e12,
    "tn": 1e12,
    "t": 1e12,
    "billionen": 1e12,
}
WORD_NUMBERS = {
    w: float(i)
    for i, w in enumerate(
        [
            "zero",
            "one",
            "two",
            "three",
            "four",
            "five",
            "six",
            "seven",
            "eight",
            "nine",
            "ten",
            "eleven",
            "twelve",
            "thirteen",
            "fourteen",
            "fifteen",
            "sixteen",
            "seventeen",
            "eighteen",
            "nineteen",
            "twenty",
        ]
    )
}
WORD_NUMBERS |= {
    "thirty": 30.0,
    "forty": 40.0,
    "fifty": 50.0,
    "sixty": 60.0,
    "seventy": 70.0,
    "eighty": 80.0,
    "ninety": 90.0,
    "a": 1.0,
    "an": 1.0,
    "dozen": 12.0,
    "dozens": 24.0,
    "half": 0.5,
    "ein": 1.0,
    "eine": 1.0,
    "zwei": 2.0,
    "drei": 3.0,
    "vier": 4.0,
    "fünf": 5.0,
    "zehn": 10.0,
}
PERCENT_WORDS = ("percentage points", "percentage point", "per cent", "percent", "prozent", "%")
UNITS = {
    "km": "km",
    "kilometres": "km",
    "kilometers": "km",
    "kilometre": "km",
    "kilometer": "km",
    "miles": "mi",
    "mile": "mi",
    "metres": "m",
    "meters": "m",
    "metre": "m",
    "meter": "m",
    "feet": "ft",
    "foot": "ft",
    "ft": "ft",
    "inches": "in",
    "inch": "in",
    "kg": "kg",
    "kilograms": "kg",
    "kilos": "kg",
    "tonnes": "t",
    "tons": "t",
    "tonne": "t",
    "ton": "t",
    "pounds": "lb",
    "lbs": "lb",
    "lb": "lb",
    "litres": "l",
    "liters": "l",
    "gallons": "gal",
    "barrels": "bbl",
    "acres": "acre",
    "hectares": "ha",
    "gb": "GB",
    "tb": "TB",
    "mb": "MB",
    "pb": "PB",
    "mw": "MW",
    "gw": "GW",
    "kw": "kW",
    "kwh": "kWh",
    "mwh": "MWh",
    "gwh": "GWh",
    "twh": "TWh",
    "degrees": "°",
    "°c": "°C",
    "°f": "°F",
    "mph": "mph",
    "km/h": "km/h",
    "ghz": "GHz",
    "mhz": "MHz",
}
_NUM = re.compile(r"[-+−]?\d[\d,.' \u202f\u00a0]*")
_SPLIT = re.compile(r"(\d)([^\d\s,.'\u202f\u00a0])|([^\d\s\-+−,.'\u202f\u00a0])(\d)")


def _to_float(raw: str, decimal_comma: bool) -> float | None:
    s = raw.replace("−", "-").replace("\u202f", "").replace("\u00a0", "").replace("'", "")
    s = s.replace(" ", "").rstrip(".,")
    if decimal_comma:
        s = s.replace(".", "").replace(",", ".")
    elif re.fullmatch(r"-?\d{1,3}(,\d{3})+(\.\d+)?", s) or "," in s and "." in s:
        s = s.replace(",", "")
    elif "," in s:
        head, _, tail = s.rpartition(",")
        s = s.replace(",", "") if len(tail) == 3 else f"{head.replace(',', '')}.{tail}"
    try:
        return float(s)
    except ValueError:
        return None


def _tokens(text: str) -> list[str]:
    text = _SPLIT.sub(lambda m: f"{m[1] or m[3]} {m[2] or m[4]}", text.lower())
    text = text.replace("-", " ") if not re.match(r"^\s*[-−]\d", text) else text
    return [t for t in re.split(r"\s+", text.strip()) if t]


def parse_amount(text: str, *, decimal_comma: bool = False) -> tuple[float, str | None] | None:
    """Value and unit of a numeric expression; None when there is no number in it.

    The unit is a currency code, "%", "pp" (percentage points) or a measure unit; the first
    number wins in ranges ("5 to 10" → 5). "cents"/"pence" become hundredths.
    """
    low = " ".join(text.lower().split())
    unit: str | None = None
    for sym, code in sorted(CURRENCY_SYMBOLS.items(), key=lambda kv: -len(kv[0])):
        if sym in low:
            unit = code
            low = low.replace(sym, " ", 1)
            break
    for word in PERCENT_WORDS:
        if word in low:
            unit = "pp" if word.startswith("percentage") else "%"
            low = low.replace(word, " ")
            break
    value: float | None = None
    scale = 1.0
    subunit = False
    seen_number = False
    for tok in _tokens(low):
        clean = tok.strip("()[]~≈<>:;")
        if not clean:
            continue
        if _NUM.fullmatch(clean) and not seen_number:
            value = _to_float(clean, decimal_comma)
            seen_number = value is not None
        elif clean in WORD_NUMBERS and not seen_number:
            value = WORD_NUMBERS[clean]
            seen_number = True
        elif clean in SCALES and seen_number and scale == 1.0:
            if clean in ("m", "b", "t", "k") and unit is None and value is None:
                continue
            scale = SCALES[clean]
        elif clean in CURRENCY_WORDS and unit is None:
            unit = CURRENCY_WORDS[clean]
            subunit = clean in _SUBUNIT
        elif clean in UNITS and unit is None and seen_number:
            unit = UNITS[clean]
        elif seen_number and clean in ("to", "and", "or", "-", "–", "bis", "per", "a", "each"):
            break
    if value is None:
        return None
    value *= scale
    if subunit:
        value /= 100
    return value, unit


_VAGUE_BEFORE = (
    "at least",
    "at most",
    "more than",
    "less than",
    "fewer than",
    "a few",
    "some",
    "several",
    "about",
    "around",
    "nearly",
    "almost",
    "up to",
    "over",
)
_FURNITURE_BEFORE = re.compile(
    r"(?:share|shares|comments?|photos?|images?|slides?|pictures?|likes?|views?|replies|"
    r"page|reply|tweet|retweets?|gallery|video|min read|minutes? read)\W*$",
    re.IGNORECASE,
)
_X_OF_Y = re.compile(r"^\s*(?:of|/)\s*\d+\b")
_YEAR = re.compile(r"^(1[6-9]\d\d|20\d\d)s?$")


def filler_reason(
    ent_text: str, before: str, after: str, value: float, kind: str = "CARDINAL"
) -> str | None:
    """Why a number is filler rather than a fact (None when it is a fact).

    `before`/`after` are the text just around the number in its sentence. Page furniture and
    numbers glued into names apply to every kind; the idiom rules only to bare CARDINALs.
    """
    words = ent_text.lower().split()
    word_number = all(w.strip(",") in WORD_NUMBERS or w in SCALES for w in words)
    if _X_OF_Y.match(after) or re.search(r"\d\s*(?:of|/)\s*$", before):
        return "page furniture (N of M)"
    if _FURNITURE_BEFORE.search(before[-25:]):
        return "page furniture (counter)"
    if before[-1:].isalnum() or (before[-1:] in "-/" and before[-2:-1].isalnum()):
        return "part of a name or code"
    if after[:1].isalpha() and ent_text[-1:].isdigit():
        return "part of a name or code"
    if kind != "CARDINAL":
        return None
    if _YEAR.match(ent_text.strip()):
        return "year"
    if re.search(r"\b\d+(?:st|nd|rd|th)\b", ent_text.lower()):
        return "ordinal"
    if value == 1 and len(words) == 1:
        return "single one"
    if word_number and re.match(r"^\s*of\b", after, re.IGNORECASE):
        return "'N of' idiom"
    tail = before.lower().rstrip()
    if word_number and any(tail.endswith(v) for v in _VAGUE_BEFORE):
        return "vague quantity"
    return None


def _compact(value: float) -> str:
    for size, suffix in ((1e12, "T"), (1e9, "B"), (1e6, "M")):
        if abs(value) >= size:
            return f"{value / size:.2f}".rstrip("0").rstrip(".") + suffix
    if value == int(value):
        return f"{int(value):,}"
    return f"{value:,.2f}".rstrip("0").rstrip(".")


_SYMBOL_FOR = {"USD": "$", "EUR": "€", "GBP": "£", "JPY": "¥", "INR": "₹"}


def format_amount(value: float, unit: str | None) -> str:
    """Short human form: 1.6e12 → "1.6T", (0.87, USD) → "$0.87", (12, %) → "12%"."""
    num = _compact(value)
    if unit in _SYMBOL_FOR:
        return f"{'-' if value < 0 else ''}{_SYMBOL_FOR[unit]}{num.lstrip('-')}"
    if unit == "%":
        return f"{num}%"
    if unit == "pp":
        return f"{num} pp"
    if unit:
        return f"{num} {unit}"
    return num
