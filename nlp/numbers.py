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
    "lakh": 1e5,
    "lakhs": 1e5,
    "crore": 1e7,
    "crores": 1e7,
    "dozen": 12.0,
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
    "ounces": "oz",
    "ounce": "oz",
    "oz": "oz",
    "ml": "ml",
    "millilitres": "ml",
    "milliliters": "ml",
    "horsepower": "hp",
    "hp": "hp",
    "nm": "Nm",
    "light-years": "ly",
    "w": "W",
    "watts": "W",
    "mah": "mAh",
    "microns": "µm",
    "micron": "µm",
    "megawatts": "MW",
    "gigawatts": "GW",
    "kilowatts": "kW",
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
CURRENCY_NAMES = {
    "hong kong dollars": "HKD",
    "hong kong dollar": "HKD",
    "australian dollars": "AUD",
    "canadian dollars": "CAD",
    "singapore dollars": "SGD",
    "new zealand dollars": "NZD",
    "us dollars": "USD",
    "swiss francs": "CHF",
}
_NUM = re.compile(r"[-+−]?\d[\d,.' \u202f\u00a0]*")
_SPLIT = re.compile(r"(\d)([^\d\s,.'\u202f\u00a0])|([^\d\s\-+−,.'\u202f\u00a0])(\d)")
_RANGE_DASH = re.compile(r"(?<=\d)\s*[-–—−]\s*(?=[^\W\d_]{0,3}\$?\s?\d|[$€£¥₹])")
_SYMBOL_RE = re.compile(
    "|".join(
        (r"(?<![a-z])" if k[0].isalpha() else "") + re.escape(k)
        for k in sorted(CURRENCY_SYMBOLS, key=len, reverse=True)
    )
)
_ELIDED = re.compile(r"^(?:d|l)['’]")  # French "12 millions d'euros"
_CONNECTORS = {"to", "and", "or", "bis", "à", "a~", "und"}
_RATE_WORDS = {"per", "a", "an", "each", "/"}
_HEDGES = {"between", "from", "some", "about", "around", "roughly", "nearly", "almost", "over"}


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
    """Lower-cased tokens; a dash between numbers becomes "to", other hyphens a space."""
    text = _RANGE_DASH.sub(" to ", text.lower())
    text = text.replace("/", " / ")
    text = _SPLIT.sub(lambda m: f"{m[1] or m[3]} {m[2] or m[4]}", text)
    text = re.sub(r"(?<=[^\s(])[-–—]|[-–—](?!\d)", " ", text)
    return [t for t in re.split(r"\s+", text.strip()) if t]


def _word_value(tok: str, nxt: str | None) -> float | None:
    """A spelled-out number; "a"/"an" only count before a scale ("a million", "a dozen")."""
    if tok in ("a", "an"):
        return 1.0 if nxt in SCALES or nxt in ("dozen", "hundred") else None
    return WORD_NUMBERS.get(tok)


def parse_range(
    text: str, *, decimal_comma: bool = False
) -> tuple[float, float | None, str | None] | None:
    """(low, high, unit) of a numeric expression; high is None unless it is a range.

    "$5 million to $10 million" → (5e6, 1e7, "USD"); "350–375 million" → (3.5e8, 3.75e8,
    None): a scale after the second number also scales the first. The unit is a currency
    code, "%", "pp" (percentage points) or a measure unit. "cents"/"pence" become hundredths.
    """
    low = " ".join(text.lower().split())
    unit: str | None = None
    subunit = False
    for name, code in CURRENCY_NAMES.items():
        if name in low:
            unit, low = code, low.replace(name, " ")
            break
    for m in _SYMBOL_RE.finditer(low):
        unit = unit or CURRENCY_SYMBOLS[m.group(0)]
    low = _SYMBOL_RE.sub(" ", low)
    for word in PERCENT_WORDS:
        if word in low:
            unit = "pp" if word.startswith("percentage") else "%"
            low = low.replace(word, " ")
            break
    toks = [_ELIDED.sub("", t.strip("()[]~≈<>:;,")) for t in _tokens(low)]
    toks = [t for t in toks if t]
    nums: list[list[float]] = []  # [value, scale, has_scale]
    expect_second = False
    for k, tok in enumerate(toks):
        nxt = toks[k + 1] if k + 1 < len(toks) else None
        word = _word_value(tok, nxt)
        numeric = _to_float(tok, decimal_comma) if _NUM.fullmatch(tok) else None
        if numeric is not None or word is not None:
            value = numeric if numeric is not None else word
            if nums and not expect_second:
                last = nums[-1]
                tens = last[0] >= 20 and last[0] % 10 == 0 and last[0] < 100
                if word is not None and tens and value < 10 and not last[2]:
                    last[0] += value  # "fifty one"
                    continue
                if word is not None and last[2] == 0 and value == 1.0 and tok in ("a", "an"):
                    continue  # "half a million"
                break
            if len(nums) == 2:
                break
            nums.append([value, 1.0, 0])
            expect_second = False
        elif tok in SCALES and nums:
            last = nums[-1]
            if len(tok) == 1 and unit is None and last[2] == 0 and tok != "k":
                continue  # "5 m" is metres more often than millions without a currency
            if last[2] == 0 or SCALES[tok] > last[1]:
                last[1] *= SCALES[tok]
                last[2] = 1
        elif tok in CURRENCY_WORDS and unit is None:
            unit = CURRENCY_WORDS[tok]
            subunit = tok in _SUBUNIT
        elif tok in UNITS and unit is None and nums:
            unit = UNITS[tok]
        elif nums and tok in _CONNECTORS and len(nums) == 1:
            expect_second = True
        elif nums and tok in _RATE_WORDS:
            break
        elif nums and expect_second and tok not in _HEDGES:
            expect_second = False
    if not nums:
        return None
    values = [v * s for v, s, _ in nums]
    if len(nums) == 2 and not nums[0][2] and nums[1][2]:
        values[0] = nums[0][0] * nums[1][1]
    if subunit:
        values = [v / 100 for v in values]
    high = values[1] if len(values) == 2 else None
    return values[0], high, unit


def parse_amount(text: str, *, decimal_comma: bool = False) -> tuple[float, str | None] | None:
    """Value and unit of a numeric expression (the low end of a range); None without a number."""
    parsed = parse_range(text, decimal_comma=decimal_comma)
    return None if parsed is None else (parsed[0], parsed[2])


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
_VAGUE_WORDS = frozenset(w for v in _VAGUE_BEFORE for w in v.split()) | {"than", "least", "to"}
_FURNITURE_AFTER = re.compile(
    r"^\s*(?:shares?|comments?|photos?|images?|slides?|likes?|views?|replies|retweets?|"
    r"min read|minutes? read)\b",
    re.IGNORECASE,
)
_FURNITURE_BEFORE = re.compile(
    r"(?:share|shares|comments?|photos?|images?|slides?|pictures?|likes?|views?|replies|"
    r"page|reply|tweet|retweets?|gallery|video|min read|minutes? read)\W*$",
    re.IGNORECASE,
)
_X_OF_Y = re.compile(r"^\s*(?:of|/)\s*\d+\b")
_YEAR = re.compile(r"^(1[6-9]\d\d|20\d\d)s?$")


def split_hedge(ent_text: str) -> tuple[str, str]:
    """("At least two") → ("At least ", "two"): NER often swallows the hedge into the number."""
    words = ent_text.split(" ")
    k = 0
    while k < len(words) - 1 and words[k].lower() in _VAGUE_WORDS | {"a", "few"}:
        k += 1
    lead = " ".join(words[:k])
    return (lead + " " if lead else ""), " ".join(words[k:])


def filler_reason(
    ent_text: str,
    before: str,
    after: str,
    value: float,
    kind: str = "CARDINAL",
    vague_max: float = 10,
) -> str | None:
    """Why a number is filler rather than a fact (None when it is a fact).

    `before`/`after` are the text just around the number in its sentence. Page furniture and
    numbers glued into names apply to every kind; the idiom rules only to bare CARDINALs:
    years, ordinals, a lone "one", "N of" ("two of the suspects") and small hedged counts
    ("at least two", "some three"; up to `vague_max`).
    """
    lead, ent_text = split_hedge(ent_text)
    before = before + lead
    words = ent_text.lower().split()
    word_number = all(w.strip(",") in WORD_NUMBERS or w in SCALES for w in words)
    if _X_OF_Y.match(after) or re.search(r"\d\s*(?:of|/)\s*$", before):
        return "page furniture (N of M)"
    if _FURNITURE_BEFORE.search(before[-25:]) or _FURNITURE_AFTER.match(after):
        return "page furniture (counter)"
    if before[-1:].isalnum() or (before[-1:] in "-/" and before[-2:-1].isalnum()):
        return "part of a name or code"
    if after[:1].isalpha() and ent_text[-1:].isdigit():
        return "part of a name or code"
    if kind != "CARDINAL":
        return None
    if re.match(r"^-[^\W\d_]", after):
        return "compound modifier ('two-stroke')"
    if _YEAR.match(ent_text.strip()):
        return "year"
    if re.search(r"\b\d+(?:st|nd|rd|th)\b", ent_text.lower()):
        return "ordinal"
    if value == 1 and len(words) == 1:
        return "single one"
    if word_number and re.match(r"^\s*of\b", after, re.IGNORECASE):
        return "'N of' idiom"
    tail = before.lower().rstrip()
    hedged = any(tail.endswith(v) for v in _VAGUE_BEFORE) or re.search(r"\ba few\s*$", tail)
    if hedged and (word_number or value <= vague_max):
        return "vague quantity"
    if words and words[0] in ("few", "several", "dozens", "hundreds", "thousands"):
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


def format_amount(value: float, unit: str | None, high: float | None = None) -> str:
    """Short human form: 1.6e12 → "1.6T", (0.87, USD) → "$0.87", (12, %) → "12%";
    a range as "$5M–$10M", "40–80%"."""
    if high is not None and high != value:
        first = format_amount(value, unit if unit in _SYMBOL_FOR else None)
        return f"{first}–{format_amount(high, unit)}"
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
