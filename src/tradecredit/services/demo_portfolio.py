"""A deterministic, believable demo portfolio for an EU exporter, as rows of the CSV import files.

The model, in the order the generator applies it:

* **Buyers.** Countries are drawn by quota from an exporter's book (Germany, France, Italy heavy; China
  and the US sizable). Each buyer gets a quality class (excellent, average, poor, deteriorating, insolvent),
  a size (revenue from ~2M to ~2bn EUR, log-normal) and buys 0.3–4% of its revenue from us. About a tenth of
  the buyers are subsidiaries of an earlier buyer. Registration numbers and LEIs carry valid check digits.
* **Invoices.** Each month a buyer receives a Poisson number of invoices whose rate grows with the logarithm
  of its purchases; volumes follow a seasonal pattern (distributors stock up before Q4, European August and
  Chinese New Year dips) and a yearly trend. Amounts are drawn in EUR and converted at the day's rate.
* **Payments.** The days paid after the due date are triangular per quality class, shifted by the country's
  payment habit (southern Europe, Brazil and Turkey slower; Germany and the Netherlands faster). Deteriorating
  buyers slip progressively after an onset date 6–12 months before today; insolvent buyers slip for 6–11
  months, then stop paying: their open invoices are written off 3–6 months after the insolvency. Some
  invoices are paid in 2–3 instalments, a few get a partial credit note, about 2% are disputed (the
  disputed part stays unpaid), and about 3% of payments come without an invoice reference — only when the
  ledger's oldest-first allocation would apply them to exactly the invoice they pay.
* **Financial statements** follow a health score per year (0 = failing, 1 = excellent) that sets margins,
  equity ratio and current ratio; deteriorating and insolvent buyers slide towards losses, negative equity
  and a current ratio below 1 while revenue falls by a third.

Only the standard library and python-stdnum are used; the same arguments always give the same rows.
"""

from __future__ import annotations

import math
import random
import string
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import TypeVar

from stdnum import luhn
from stdnum.br import cnpj
from stdnum.cn import uscc
from stdnum.es import cif
from stdnum.fr import siren
from stdnum.gb import vat as gb_vat
from stdnum.iso7064 import mod_11_10, mod_97_10
from stdnum.jp import cn as jp_cn
from stdnum.nl import bsn
from stdnum.pl import nip
from stdnum.tr import vkn

from tradecredit.services.demo_events import DemoBuyer, demo_events

__all__ = ["DemoPortfolio", "generate_portfolio"]

_T = TypeVar("_T")

BUYER_COLUMNS = ("buyer_ref", "name", "country", "registration_id", "lei", "industry", "parent_ref",
                 "currency", "payment_terms_days")
LINE_ITEMS = ("revenue", "cost_of_sales", "gross_profit", "operating_expenses", "ebit", "depreciation",
              "interest_expense", "net_income", "total_assets", "fixed_assets", "current_assets", "inventory",
              "receivables", "cash", "total_liabilities", "current_liabilities", "long_term_liabilities",
              "equity", "retained_earnings", "share_capital", "operating_cash_flow")


# ---- behaviour profiles ----------------------------------------------------------------------------------
@dataclass(frozen=True)
class _Profile:
    share: float                       # of the buyer book
    delay: tuple[float, float, float]  # days paid after the due date: triangular (low, high, mode)
    habit_weight: float                # how much of the country's payment habit the buyer shows
    partial: float                     # share of invoices paid in 2–3 instalments
    slip: float                        # extra days late reached at the end of a slide
    health: tuple[tuple[float, float], tuple[float, float]]  # 0–1, ranges for the oldest and newest year


PROFILES: dict[str, _Profile] = {
    "excellent": _Profile(0.32, (-8, 2, -2), 0.3, 0.02, 0, ((0.8, 1.0), (0.8, 1.0))),
    "average": _Profile(0.46, (-3, 15, 0), 0.8, 0.04, 0, ((0.45, 0.7), (0.45, 0.7))),
    "poor": _Profile(0.09, (15, 75, 25), 1.5, 0.20, 0, ((0.15, 0.35), (0.15, 0.35))),
    "deteriorating": _Profile(0.10, (0, 12, 2), 1.0, 0.04, 45, ((0.5, 0.65), (0.0, 0.1))),
    "insolvent": _Profile(0.03, (0, 15, 3), 1.0, 0.04, 90, ((0.4, 0.55), (0.0, 0.05))),
}
SLIDING = ("deteriorating", "insolvent")


@dataclass(frozen=True)
class _Country:
    weight: float
    local: str                # currency of the statutory accounts
    invoicing: dict[str, int]  # invoice currency -> weight
    habit: int                # typical days late
    terms: str                # key of TERMS
    forms: dict[str, int]     # legal form -> weight
    lang: str = "en"
    word_first: bool = False  # "Usinage Moreau" rather than "Moreau Usinage"


COUNTRIES: dict[str, _Country] = {
    "DE": _Country(18, "EUR", {"EUR": 1}, -2, "short", {"GmbH": 7, "GmbH & Co. KG": 2, "AG": 1}, "de"),
    "FR": _Country(12, "EUR", {"EUR": 1}, 4, "mid", {"S.A.S.": 6, "S.A.": 2, "SARL": 2}, "fr", True),
    "IT": _Country(11, "EUR", {"EUR": 1}, 10, "mid", {"S.r.l.": 6, "S.p.A.": 4}, "it", True),
    "ES": _Country(8, "EUR", {"EUR": 1}, 8, "mid", {"S.L.": 7, "S.A.": 3}, "es", True),
    "NL": _Country(7, "EUR", {"EUR": 1}, -2, "short", {"B.V.": 9, "N.V.": 1}, "nl"),
    "PL": _Country(7, "PLN", {"PLN": 6, "EUR": 4}, 3, "short", {"Sp. z o.o.": 8, "S.A.": 2}, "pl"),
    "GB": _Country(7, "GBP", {"GBP": 8, "EUR": 2}, 1, "short", {"Ltd": 9, "plc": 1}),
    "CN": _Country(8, "CNY", {"CNY": 5, "USD": 3, "EUR": 2}, 6, "long", {"有限公司": 8, "股份有限公司": 2},
                   "zh"),
    "US": _Country(8, "USD", {"USD": 9, "EUR": 1}, 2, "short", {"Inc.": 6, "LLC": 3, "Corp.": 1}),
    "TR": _Country(3, "TRY", {"EUR": 6, "USD": 2, "TRY": 2}, 10, "long", {"A.Ş.": 6, "Ltd. Şti.": 4}, "tr"),
    "BR": _Country(2.5, "BRL", {"BRL": 5, "USD": 5}, 12, "long", {"Ltda.": 7, "S.A.": 3}, "pt", True),
    "IN": _Country(3, "INR", {"INR": 3, "USD": 5, "EUR": 2}, 8, "long", {"Pvt Ltd": 8, "Ltd": 2}),
    "AE": _Country(2, "AED", {"USD": 8, "EUR": 2}, 8, "long", {"LLC": 7, "FZE": 3}),
    "JP": _Country(2.5, "JPY", {"JPY": 7, "USD": 3}, -1, "mid", {"Co., Ltd.": 7, "Corporation": 3}),
}
TERMS: dict[str, dict[int, int]] = {
    "short": {30: 50, 45: 15, 60: 25, 90: 10},
    "mid": {30: 15, 45: 15, 60: 50, 90: 20},
    "long": {30: 10, 45: 10, 60: 30, 90: 40, 120: 10},
}
# NACE Rev. 2 class -> (kind, weight, name word per language in LANGS order)
LANGS = ("de", "fr", "it", "es", "nl", "pl", "en", "pt", "tr", "zh")
INDUSTRIES: dict[str, tuple[str, float, tuple[str, ...]]] = {
    "28.22": ("manufacturer", 1.0, ("Fördertechnik", "Manutention", "Sollevamento", "Elevación",
                                    "Hijstechniek", "Dźwignice", "Handling Systems", "Elevação", "Vinç",
                                    "起重机械")),
    "28.41": ("manufacturer", 0.8, ("Umformtechnik", "Presses", "Presse", "Prensas", "Perstechniek", "Prasy",
                                    "Press Machinery", "Prensas", "Pres Makina", "锻压机床")),
    "25.62": ("manufacturer", 1.2, ("Präzisionsteile", "Usinage", "Meccanica", "Mecanizados",
                                    "Precisietechniek", "Obróbka", "Precision Engineering", "Usinagem",
                                    "Talaşlı İmalat", "精密机械")),
    "22.29": ("manufacturer", 1.0, ("Kunststofftechnik", "Plasturgie", "Materie Plastiche", "Plásticos",
                                    "Kunststoffen", "Tworzywa", "Plastics", "Plásticos", "Plastik",
                                    "塑料制品")),
    "29.32": ("manufacturer", 1.0, ("Fahrzeugteile", "Équipements Auto", "Componenti Auto", "Componentes",
                                    "Autotechniek", "Części Samochodowe", "Automotive", "Autopeças",
                                    "Otomotiv", "汽车零部件")),
    "10.89": ("manufacturer", 0.8, ("Feinkost", "Alimentaire", "Alimentari", "Alimentación",
                                    "Voedingsmiddelen", "Żywność", "Foods", "Alimentos", "Gıda", "食品")),
    "46.69": ("distributor", 2.0, ("Maschinenhandel", "Distribution", "Forniture Industriali",
                                   "Suministros Industriales", "Technische Handel", "Hurtownia Techniczna",
                                   "Industrial Supplies", "Distribuidora", "Makina Ticaret", "机电设备贸易")),
    "46.72": ("distributor", 1.2, ("Stahlhandel", "Métaux", "Metalli", "Metales", "Staalhandel", "Stal",
                                   "Metals", "Metais", "Metal", "金属材料贸易")),
}
STEMS: dict[str, tuple[str, ...]] = {
    "DE": ("Müller", "Schneider", "Hansa", "Weber", "Becker", "Rheinland", "Wagner", "Hoffmann", "Keller",
           "Schäfer", "Alpen", "Krüger", "Hartmann", "Lange", "Brandt", "Vogel"),
    "FR": ("Moreau", "Lefèvre", "Dupont", "Atlantique", "Bernard", "Rhône", "Girard", "Lambert", "Fontaine",
           "Mercier", "Provence", "Garnier", "Normandie", "Rousseau"),
    "IT": ("Rossi", "Bianchi", "Romano", "Colombo", "Ricci", "Marino", "Greco", "Bruno", "Galli", "Conti",
           "Lombarda", "Veneta", "Adriatica", "Padana"),
    "ES": ("García", "Martínez", "López", "Sánchez", "Navarro", "Ibérica", "Levante", "Cantábrica", "Romero",
           "Ortega", "Castilla", "Vidal", "Aragón"),
    "NL": ("Van Dijk", "De Vries", "Jansen", "Bakker", "Visser", "Smit", "Hollandia", "Delta", "Meijer",
           "Mulder", "Brabant", "Zeeland"),
    "PL": ("Polmet", "Kowalski", "Nowak", "Wielkopolska", "Mazowsze", "Bałtyk", "Zieliński", "Wójcik",
           "Śląsk", "Kamiński", "Pomorze", "Lewandowski"),
    "GB": ("Thames", "Pennine", "Albion", "Whitfield", "Harrington", "Midland", "Sterling", "Northgate",
           "Ashworth", "Bradley", "Kingsway", "Severn"),
    "US": ("Lakeside", "Keystone", "Summit", "Great Plains", "Liberty", "Carolina", "Midwest", "Pioneer",
           "Redwood", "Bayshore", "Hudson", "Cascade"),
    "TR": ("Anadolu", "Yılmaz", "Kaya", "Demir", "Ege", "Marmara", "Öztürk", "Çelik", "Şahin", "Aydın",
           "Toros", "Karadeniz"),
    "BR": ("Silva", "Santos", "Oliveira", "Souza", "Paulista", "Carioca", "Pereira", "Almeida", "Mineira",
           "Ferreira", "Gaúcha", "Costa"),
    "IN": ("Sharma", "Patel", "Gupta", "Reddy", "Bharat", "Mehta", "Shree", "Kaveri", "Agarwal", "Deccan",
           "Sundaram", "Iyer"),
    "AE": ("Al Noor", "Gulf", "Emirates", "Al Mansoori", "Falcon", "Desert Star", "Al Qasimi", "Jebel",
           "Oasis", "Al Rashid", "Crescent", "Al Bahar"),
    "JP": ("Toyo", "Kansai", "Sanwa", "Daiwa", "Chubu", "Hokuriku", "Tokai", "Kyushu", "Tohoku", "Asahi",
           "Yamato", "Setouchi"),
    "CN": ("恒达", "华泰", "永兴", "鑫源", "金辉", "宏远", "瑞丰", "天成", "中联", "盛达", "海力", "新航",
           "博瑞", "德信"),
}
CN_CITIES = {"上海": "310115", "宁波": "330206", "苏州": "320506", "深圳": "440300", "青岛": "370211",
             "杭州": "330106", "天津": "120116", "广州": "440113", "无锡": "320214", "佛山": "440606",
             "东莞": "441900", "厦门": "350206"}
LEI_LOUS = {"DE": "5299", "FR": "9695", "IT": "8156", "ES": "9598", "NL": "7245", "PL": "2594", "GB": "2138",
            "US": "5493", "CN": "3003", "JP": "3538", "BR": "8945", "IN": "3358", "TR": "7890", "AE": "9845"}
SEASONALITY: dict[str, tuple[float, ...]] = {  # invoice volume by calendar month
    "manufacturer": (0.95, 1.0, 1.05, 1.05, 1.05, 1.0, 1.0, 0.7, 1.05, 1.1, 1.05, 0.85),
    "distributor": (0.85, 0.85, 0.95, 0.95, 1.0, 0.95, 0.9, 0.8, 1.2, 1.3, 1.25, 0.9),
    "cn": (1.0, 0.55, 1.0, 1.05, 1.05, 1.05, 1.0, 1.0, 1.1, 1.05, 1.1, 1.1),
}
# EUR per unit: (level at the start, level today, daily volatility of the log rate)
FX_LEVELS: dict[str, tuple[float, float, float]] = {
    "USD": (0.92, 0.92, 0.004), "GBP": (1.17, 1.17, 0.003), "CNY": (0.128, 0.128, 0.0035),
    "PLN": (0.23, 0.23, 0.003), "BRL": (0.17, 0.17, 0.007), "INR": (0.011, 0.011, 0.004),
    "TRY": (0.034, 0.024, 0.005), "JPY": (0.0062, 0.0062, 0.005),
}
FX_PEGS = {"AED": ("USD", 3.6725)}  # units per unit of the anchor
MINOR_UNITS = {"JPY": 0}
REF_PREFIXES = {"payment": "PAY", "credit_note": "CN", "write_off": "WO"}
EIN_PREFIXES = ("20", "26", "27", "45", "46", "47", "81", "82", "83", "84")
DISPUTE_REASONS = ("damaged goods", "price difference", "quantity short", "late delivery",
                   "wrong item delivered")
CREDIT_REASONS = ("returned goods", "price correction", "damaged goods", "quantity short", "volume rebate")
DISPUTE_RATES = (0.03, 0.015)  # invoices of the last 12 months, older ones (disputes pile up on recent ones)
CREDIT_NOTE_RATE = 0.03
ON_ACCOUNT_RATE = 0.06  # of full payments tried as payment on account (about 3% pass the allocation check)
GROUP_SHARE = (0.08, 0.12)
HISTORY_YEARS = 3
FX_MEAN_REVERSION = 0.02


@dataclass(frozen=True)
class DemoPortfolio:
    buyers: list[dict[str, str]]
    financials: list[dict[str, str]]
    fx: list[dict[str, str]]
    invoices: list[dict[str, str]]
    adjustments: list[dict[str, str]]  # credit notes and write-offs
    payments: list[dict[str, str]]
    events: list[dict[str, str]] = field(default_factory=list)  # the buyer events feed (services/demo_events.py)


@dataclass
class _Buyer:
    ref: str
    country: str
    quality: str
    industry: str
    revenue_eur: float
    stem: str = ""
    name: str = ""
    parent_ref: str = ""
    currency: str = "EUR"
    terms: int = 30
    registration_id: str = ""
    lei: str = ""
    invoices_per_month: float = 1.0
    annual_eur: float = 0.0
    growth: float = 0.0
    start: date = date.min
    onset: date | None = None       # payment behaviour starts to slide
    insolvency: date | None = None
    write_off: date | None = None


@dataclass
class _Event:
    day: date
    amount: Decimal
    kind: str = "payment"  # or credit_note, write_off
    reason: str = ""
    on_account: bool = False  # a payment sent without invoice reference
    ref: str = ""


@dataclass
class _Invoice:
    buyer: _Buyer
    issue: date
    due: date
    delivery: date
    currency: str
    amount: Decimal
    ref: str = ""
    disputed: bool = False
    reason: str = ""
    credits: list[_Event] = field(default_factory=list)
    payments: list[_Event] = field(default_factory=list)
    write_offs: list[_Event] = field(default_factory=list)

    def adjusted(self) -> Decimal:
        return sum((e.amount for e in (*self.credits, *self.write_offs)), Decimal(0))


@dataclass
class _Fx:
    days: list[date]
    eur_per: dict[str, list[float]]  # EUR per unit, one value per business day
    index: dict[date, int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.index = {day: i for i, day in enumerate(self.days)}

    def rate(self, currency: str, day: date) -> float:
        return self.eur_per[currency][self.index[day]]


def generate_portfolio(*, buyers: int = 300, seed: int = 42, today: date,
                       base_currency: str = "EUR") -> DemoPortfolio:
    """Generate the six import files' rows; every value is a string, missing optional values are ``""``."""
    _check_arguments(buyers, base_currency)
    rng = random.Random(seed)
    stale_statements_from = date(_completed_years(today)[0] - 2, 12, 24)
    fx_from = min(_years_before(today, HISTORY_YEARS), stale_statements_from)
    fx = _simulate_fx(random.Random(rng.getrandbits(64)), fx_from, today)
    book = _make_buyers(rng, buyers, today)
    invoices = _make_invoices(rng, book, fx, today)
    for invoice in invoices:
        _settle(rng, invoice, today)
    _pay_some_on_account(rng, invoices)
    financials = [row for buyer in book for row in _financials(rng, buyer, today)]
    starts = [date.fromisoformat(r["period_end"]) for r in financials] + [i.issue for i in invoices] + [today]
    used = {b.currency for b in book} | {r["currency"] for r in financials}
    return DemoPortfolio(
        buyers=[_buyer_row(b) for b in book], financials=financials,
        fx=_fx_rows(fx, sorted(used - {base_currency}), base_currency, min(starts)),
        invoices=[_invoice_row(i) for i in invoices], adjustments=_adjustment_rows(invoices),
        payments=_payment_rows(invoices),
        events=demo_events([DemoBuyer(b.ref, b.name, b.quality, b.revenue_eur, b.insolvency) for b in book], today))


def _check_arguments(buyers: int, base_currency: str) -> None:
    if buyers < 1:
        raise ValueError(f"buyers: expected at least 1; got {buyers}")
    known = sorted({"EUR", *FX_LEVELS, *FX_PEGS})
    if base_currency not in known:
        raise ValueError(f"base_currency: expected one of {', '.join(known)}; got {base_currency!r}")


# ---- dates and small helpers -----------------------------------------------------------------------------
def _years_before(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


def _completed_years(today: date) -> list[int]:
    """The last three fiscal years (ending 31 December) completed before ``today``."""
    return [y for y in range(today.year - 4, today.year + 1) if date(y, 12, 31) < today][-3:]


def _business_days(start: date, end: date) -> list[date]:
    days = (start + timedelta(days=n) for n in range((end - start).days + 1))
    return [d for d in days if d.weekday() < 5]


def _next_business_day(day: date) -> date:
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return day


def _weighted(rng: random.Random, weights: dict[_T, float] | dict[_T, int]) -> _T:
    return rng.choices(list(weights), weights=list(weights.values()))[0]


def _quota(rng: random.Random, n: int, weights: dict[str, float]) -> list[str]:
    """``n`` keys in proportion to the weights (largest remainder), shuffled: small books keep the mix."""
    total = sum(weights.values())
    exact = {key: n * w / total for key, w in weights.items()}
    counts = {key: int(value) for key, value in exact.items()}
    by_remainder = sorted(weights, key=lambda key: (counts[key] - exact[key], key))
    for key in by_remainder[: n - sum(counts.values())]:
        counts[key] += 1
    keys = [key for key in weights for _ in range(counts[key])]
    rng.shuffle(keys)
    return keys


def _poisson(rng: random.Random, mean: float) -> int:
    limit, count, product = math.exp(-mean), 0, rng.random()
    while product > limit:
        count += 1
        product *= rng.random()
    return count


def _money(value: float | Decimal, currency: str) -> Decimal:
    return Decimal(str(value)).quantize(Decimal(1).scaleb(-MINOR_UNITS.get(currency, 2)))


def _digits(rng: random.Random, n: int) -> str:
    return str(rng.randint(1, 9)) + "".join(rng.choice(string.digits) for _ in range(n - 1))


# ---- FX ----------------------------------------------------------------------------------------------------
def _simulate_fx(rng: random.Random, start: date, today: date) -> _Fx:
    """Each rate is a mean-reverting random walk of the log rate around a level that may drift (TRY)."""
    days = _business_days(start, today)
    eur_per: dict[str, list[float]] = {"EUR": [1.0] * len(days)}
    for currency, (first, last, volatility) in FX_LEVELS.items():
        log_rate, path = math.log(first), []
        for i in range(len(days)):
            target = math.log(first) + (math.log(last) - math.log(first)) * i / max(1, len(days) - 1)
            log_rate += FX_MEAN_REVERSION * (target - log_rate) + rng.gauss(0, volatility)
            path.append(math.exp(log_rate))
        eur_per[currency] = path
    for currency, (anchor, units) in FX_PEGS.items():
        eur_per[currency] = [rate / units for rate in eur_per[anchor]]
    return _Fx(days, eur_per)


def _eur_level(currency: str) -> float:
    if currency in FX_PEGS:
        anchor, units = FX_PEGS[currency]
        return FX_LEVELS[anchor][1] / units
    return FX_LEVELS[currency][1] if currency in FX_LEVELS else 1.0


def _fx_rows(fx: _Fx, currencies: list[str], base: str, start: date) -> list[dict[str, str]]:
    rows = []
    for i, day in enumerate(fx.days):
        if day < start - timedelta(days=3):  # keep a rate on or before a period end falling on a weekend
            continue
        for currency in currencies:
            rate = fx.eur_per[currency][i] / fx.eur_per[base][i]
            rows.append({"date": day.isoformat(), "currency": currency, "rate_to_base": _rate_text(rate)})
    return rows


def _rate_text(rate: float) -> str:
    """Eight significant digits, never in exponent notation."""
    value = Decimal(repr(rate))
    return format(value.quantize(Decimal(1).scaleb(value.adjusted() - 7)), "f")


# ---- buyers ------------------------------------------------------------------------------------------------
def _make_buyers(rng: random.Random, n: int, today: date) -> list[_Buyer]:
    countries = _quota(rng, n, {code: c.weight for code, c in COUNTRIES.items()})
    qualities = _quota(rng, n, {name: p.share for name, p in PROFILES.items()})
    parents = _group_parents(rng, countries)
    book: list[_Buyer] = []
    names: set[str] = set()
    for i, (country, quality) in enumerate(zip(countries, qualities, strict=True)):
        parent_index = parents[i]
        parent = None if parent_index is None else book[parent_index]
        book.append(_make_buyer(rng, f"B{i + 1:05d}", country, quality, parent, names, today))
    return book


def _group_parents(rng: random.Random, countries: list[str]) -> list[int | None]:
    """Parent index per buyer: groups of 2–5, one level deep, parent earlier, children mostly same country."""
    n = len(countries)
    parents: list[int | None] = [None] * n
    target, children, in_group = round(n * rng.uniform(*GROUP_SHARE)), 0, [False] * n
    for _ in range(10 * n):
        if children >= target:
            break
        parent = rng.randrange(max(1, 2 * n // 3))
        pool = [i for i in range(parent + 1, n) if not in_group[i]]
        if in_group[parent] or not pool:
            continue
        for _ in range(min(rng.randint(1, 4), target - children, len(pool))):
            same = [i for i in pool if countries[i] == countries[parent]]
            child = rng.choice(same if same and rng.random() < 0.6 else pool)
            pool.remove(child)
            parents[child], in_group[child] = parent, True
            children += 1
        in_group[parent] = True
    return parents


def _make_buyer(rng: random.Random, ref: str, country: str, quality: str, parent: _Buyer | None,
                names: set[str], today: date) -> _Buyer:
    spec = COUNTRIES[country]
    industry = _weighted(rng, {code: weight for code, (_, weight, _) in INDUSTRIES.items()})
    revenue = min(2e9, max(2e6, rng.lognormvariate(math.log(25e6), 1.3)))
    buyer = _Buyer(ref, country, quality, industry, revenue, parent_ref=parent.ref if parent else "",
                   currency=_weighted(rng, spec.invoicing), terms=_weighted(rng, TERMS[spec.terms]))
    same_script = parent is not None and (parent.country == "CN") == (country == "CN")
    buyer.stem = parent.stem if parent and same_script and rng.random() < 0.7 else rng.choice(STEMS[country])
    buyer.name = _unique_name(rng, buyer, names)
    buyer.registration_id = REGISTRATIONS[country](rng, buyer.name) if country in REGISTRATIONS else ""
    buyer.lei = _lei(rng, country) if rng.random() < _lei_share(revenue) else ""
    _plan_volumes(rng, buyer)
    _plan_history(rng, buyer, today)
    return buyer


def _unique_name(rng: random.Random, buyer: _Buyer, taken: set[str]) -> str:
    name = _company_name(rng, buyer.country, buyer.industry, buyer.stem)
    for _ in range(30):
        if name not in taken:
            break
        name = _company_name(rng, buyer.country, buyer.industry, rng.choice(STEMS[buyer.country]))
    else:
        name = f"{name} ({buyer.ref})"
    taken.add(name)
    return name


def _company_name(rng: random.Random, country: str, industry: str, stem: str) -> str:
    spec = COUNTRIES[country]
    word = INDUSTRIES[industry][2][LANGS.index(spec.lang)]
    form = _weighted(rng, spec.forms)
    if country == "CN":
        return f"{rng.choice(list(CN_CITIES))}{stem}{word}{form}"
    return f"{word} {stem} {form}" if spec.word_first else f"{stem} {word} {form}"


def _lei_share(revenue_eur: float) -> float:
    return 0.6 if revenue_eur > 250e6 else 0.25 if revenue_eur > 50e6 else 0.08


def _lei(rng: random.Random, country: str) -> str:
    alphabet = string.digits + string.ascii_uppercase
    base = LEI_LOUS[country] + "00" + "".join(rng.choice(alphabet) for _ in range(12))
    return base + mod_97_10.calc_check_digits(base)


def _plan_volumes(rng: random.Random, buyer: _Buyer) -> None:
    """Purchases from us as a share of revenue; invoice count grows with the logarithm of the purchases."""
    distributor = INDUSTRIES[buyer.industry][0] == "distributor"
    share = rng.uniform(0.01, 0.04) if distributor else rng.uniform(0.003, 0.015)
    buyer.annual_eur = min(12e6, buyer.revenue_eur * share)
    rate = 0.6 + 1.2 * math.log(max(1.0, buyer.annual_eur / 50_000))
    buyer.invoices_per_month = min(12.0, rate) * rng.uniform(0.8, 1.25)
    buyer.growth = rng.uniform(-0.05, 0.12)


def _plan_history(rng: random.Random, buyer: _Buyer, today: date) -> None:
    window = _years_before(today, HISTORY_YEARS)
    new_customer = buyer.quality != "insolvent" and rng.random() < 0.15
    buyer.start = window + timedelta(days=rng.randint(30, 900)) if new_customer else window
    if buyer.quality == "deteriorating":
        buyer.onset = today - timedelta(days=rng.randint(180, 365))
    elif buyer.quality == "insolvent":
        buyer.insolvency = today - timedelta(days=rng.randint(45, 720))
        buyer.onset = buyer.insolvency - timedelta(days=rng.randint(180, 330))
        buyer.write_off = buyer.insolvency + timedelta(days=rng.randint(90, 180))


def _buyer_row(b: _Buyer) -> dict[str, str]:
    values = (b.ref, b.name, b.country, b.registration_id, b.lei, b.industry, b.parent_ref, b.currency,
              str(b.terms))
    return dict(zip(BUYER_COLUMNS, values, strict=True))


# ---- registration numbers (valid check digits, computed with python-stdnum) -------------------------------
def _reg_cn(rng: random.Random, name: str) -> str:
    base = "91" + CN_CITIES.get(name[:2], "310115") + _digits(rng, 8) + rng.choice("0123456789X")
    return base + uscc.calc_check_digit(base)


def _reg_fr(rng: random.Random, name: str) -> str:
    number = _digits(rng, 8)
    return "FR" + siren.to_tva(number + luhn.calc_check_digit(number))


def _reg_it(rng: random.Random, name: str) -> str:
    number = _digits(rng, 7) + f"{rng.randint(1, 100):03d}"
    return "IT" + number + luhn.calc_check_digit(number)


def _reg_es(rng: random.Random, name: str) -> str:
    number = ("A" if name.endswith("S.A.") else "B") + rng.choice(("08", "28", "46", "41", "48", "50", "30"))
    number += _digits(rng, 5)
    return "ES" + number + cif.calc_check_digits(number)[0]


def _reg_with_mod11(rng: random.Random, prefix: str, length: int, checksum: Callable[[str], int]) -> str:
    """NL RSIN and PL NIP: the check digit is the weighted sum mod 11; numbers where it is 10 are unused."""
    while True:
        number = _digits(rng, length)
        check = checksum(number + "0")
        if check < 10:
            return f"{prefix}{number}{check}"


def _reg_gb(rng: random.Random, name: str) -> str:
    number = _digits(rng, 7)
    return f"GB{number}{-gb_vat.checksum(number + '00') % 97:02d}"


def _reg_in(rng: random.Random, name: str) -> str:
    letter = string.ascii_uppercase
    pan = "".join(rng.choice(letter) for _ in range(3)) + "C" + rng.choice(letter) + _digits(rng, 4)
    pan += rng.choice(letter)  # PAN: 3 letters, holder type C (company), name initial, 4 digits, check letter
    number = rng.choice(("27", "29", "33", "24", "07", "06")) + pan + "1Z"
    return number + luhn.calc_check_digit(number, string.digits + string.ascii_uppercase)


def _with_check(number: str, check: Callable[[str], str], *, first: bool = False) -> str:
    return check(number) + number if first else number + check(number)


REGISTRATIONS: dict[str, Callable[[random.Random, str], str]] = {
    "CN": _reg_cn, "FR": _reg_fr, "IT": _reg_it, "ES": _reg_es, "GB": _reg_gb, "IN": _reg_in,
    "DE": lambda rng, _: "DE" + _with_check(_digits(rng, 8), mod_11_10.calc_check_digit),
    "NL": lambda rng, _: _reg_with_mod11(rng, "NL", 8, bsn.checksum) + "B01",
    "PL": lambda rng, _: _reg_with_mod11(rng, "PL", 9, nip.checksum),
    "BR": lambda rng, _: _with_check(_digits(rng, 8) + "0001", cnpj.calc_check_digits),
    "TR": lambda rng, _: _with_check(_digits(rng, 9), vkn.calc_check_digit),
    "JP": lambda rng, _: _with_check(_digits(rng, 12), jp_cn.calc_check_digit, first=True),
    "US": lambda rng, _: rng.choice(EIN_PREFIXES) + _digits(rng, 7),
    "AE": lambda rng, _: "100" + _digits(rng, 12),  # UAE TRN: no public check digit, accepted as unverified
}


# ---- invoices ----------------------------------------------------------------------------------------------
def _make_invoices(rng: random.Random, book: list[_Buyer], fx: _Fx, today: date) -> list[_Invoice]:
    months: dict[tuple[int, int], list[date]] = defaultdict(list)
    for day in _business_days(_years_before(today, HISTORY_YEARS), today):
        months[(day.year, day.month)].append(day)
    invoices = [inv for buyer in book for inv in _buyer_invoices(rng, buyer, months, fx, today)]
    invoices.sort(key=lambda inv: (inv.issue, inv.buyer.ref))
    counters: dict[int, int] = defaultdict(int)
    for invoice in invoices:
        counters[invoice.issue.year] += 1
        invoice.ref = f"INV-{invoice.issue.year}-{counters[invoice.issue.year]:06d}"
    return invoices


def _buyer_invoices(rng: random.Random, buyer: _Buyer, months: dict[tuple[int, int], list[date]], fx: _Fx,
                    today: date) -> Iterable[_Invoice]:
    last = buyer.insolvency - timedelta(days=rng.randint(7, 30)) if buyer.insolvency else today
    season = SEASONALITY["cn" if buyer.country == "CN" else INDUSTRIES[buyer.industry][0]]
    for (_, month), days in months.items():
        active = [d for d in days if buyer.start <= d <= last]
        if not active:
            continue
        trend = (1 + buyer.growth) ** ((active[0] - buyer.start).days / 365)
        slowing = 0.7 if buyer.onset and active[0] > buyer.onset else 1.0
        mean = buyer.invoices_per_month * season[month - 1] * trend * slowing * len(active) / 22
        for _ in range(_poisson(rng, mean)):
            yield _new_invoice(rng, buyer, rng.choice(active), fx, trend)


def _new_invoice(rng: random.Random, buyer: _Buyer, issue: date, fx: _Fx, trend: float) -> _Invoice:
    eur = buyer.annual_eur / 12 / buyer.invoices_per_month * trend * rng.lognormvariate(-0.08, 0.4)
    amount = max(_money(1, buyer.currency), _money(eur / fx.rate(buyer.currency, issue), buyer.currency))
    terms = buyer.terms if rng.random() > 0.05 else rng.choice((30, 45, 60, 90))
    delivery = issue - timedelta(days=rng.choice((0, 0, 0, 0, 0, 0, 0, 1, 1, 2)))
    return _Invoice(buyer, issue, issue + timedelta(days=terms), delivery, buyer.currency, amount)


def _invoice_row(i: _Invoice) -> dict[str, str]:
    return {"invoice_ref": i.ref, "buyer_ref": i.buyer.ref, "issue_date": i.issue.isoformat(),
            "due_date": i.due.isoformat(), "currency": i.currency, "amount": str(i.amount),
            "delivery_date": i.delivery.isoformat(), "disputed": "true" if i.disputed else "false",
            "dispute_reason": i.reason}


# ---- settlement: credit notes, disputes, payments, write-offs --------------------------------------------
def _settle(rng: random.Random, invoice: _Invoice, today: date) -> None:
    buyer = invoice.buyer
    stop = min(today, buyer.insolvency - timedelta(days=1)) if buyer.insolvency else today
    if rng.random() < CREDIT_NOTE_RATE:
        day = _next_business_day(invoice.issue + timedelta(days=rng.randint(3, 45)))
        if day <= stop:
            share = Decimal(str(rng.uniform(0.03, 0.35)))
            amount = _money(invoice.amount * share, invoice.currency)
            invoice.credits.append(_Event(day, amount, "credit_note", rng.choice(CREDIT_REASONS)))
    payable = invoice.amount - invoice.adjusted()
    recent = invoice.issue > today - timedelta(days=365)
    if rng.random() < DISPUTE_RATES[0 if recent else 1]:
        invoice.disputed, invoice.reason = True, rng.choice(DISPUTE_REASONS)
        old = invoice.issue < today - timedelta(days=90)
        undisputed = rng.uniform(0.85, 0.98) if old or rng.random() < 0.5 else 0.0
        payable = _money(payable * Decimal(str(undisputed)), invoice.currency)
    slide = _slide(invoice)
    parts = 1 if rng.random() >= PROFILES[buyer.quality].partial + 0.25 * slide else rng.choice((2, 3))
    first = max(invoice.issue, invoice.due + timedelta(days=round(_delay_days(rng, invoice, slide))))
    for day, amount in _instalments(rng, _next_business_day(first), payable, parts, invoice.currency):
        if day <= stop and amount > 0:
            invoice.payments.append(_Event(day, amount))
    _write_off(invoice, today)


def _slide(invoice: _Invoice) -> float:
    """How far (0–1) the buyer's slide had gone when the invoice fell due."""
    buyer = invoice.buyer
    if buyer.onset is None or invoice.due <= buyer.onset:
        return 0.0
    end = buyer.insolvency or invoice.due
    return min(1.0, (invoice.due - buyer.onset).days / max(1, (end - buyer.onset).days))


def _delay_days(rng: random.Random, invoice: _Invoice, slide: float) -> float:
    profile = PROFILES[invoice.buyer.quality]
    low, high, mode = profile.delay
    habit = COUNTRIES[invoice.buyer.country].habit * profile.habit_weight
    return rng.triangular(low, high, mode) + habit + profile.slip * slide


def _instalments(rng: random.Random, first: date, total: Decimal, parts: int,
                 currency: str) -> list[tuple[date, Decimal]]:
    weights = [rng.uniform(0.5, 1.5) for _ in range(parts)]
    amounts = [_money(total * Decimal(str(w / sum(weights))), currency) for w in weights[:-1]]
    amounts.append(total - sum(amounts, Decimal(0)))
    if min(amounts) <= 0:  # too small to split
        return [(first, total)]
    days = [first]
    for _ in range(parts - 1):
        days.append(_next_business_day(days[-1] + timedelta(days=rng.randint(10, 35))))
    return list(zip(days, amounts, strict=True))


def _write_off(invoice: _Invoice, today: date) -> None:
    buyer = invoice.buyer
    if buyer.write_off is None or buyer.insolvency is None or buyer.write_off > today:
        return
    paid = sum((p.amount for p in invoice.payments), Decimal(0))
    remaining = invoice.amount - invoice.adjusted() - paid
    if remaining > 0:
        reason = f"buyer insolvent since {buyer.insolvency.isoformat()}"
        invoice.write_offs.append(_Event(_next_business_day(buyer.write_off), remaining, "write_off", reason))


def _pay_some_on_account(rng: random.Random, invoices: list[_Invoice]) -> None:
    """Drop the invoice reference of some full payments, where oldest-first allocation lands on that invoice.

    The ledger applies cash on account to the oldest open, undisputed invoice of the buyer in the currency
    (by due date, issue date, ref), counting all credit notes and write-offs and the payments made before.
    """
    groups: dict[tuple[str, str], list[_Invoice]] = defaultdict(list)
    for invoice in invoices:
        groups[(invoice.buyer.ref, invoice.currency)].append(invoice)
    for group in groups.values():
        for invoice in group:
            single_full = len(invoice.payments) == 1 and invoice.payments[0].amount == (
                invoice.amount - invoice.adjusted())
            if single_full and not invoice.disputed and rng.random() < ON_ACCOUNT_RATE:
                invoice.payments[0].on_account = _oldest_open(invoice, group, invoice.payments[0].day)


def _oldest_open(candidate: _Invoice, group: list[_Invoice], day: date) -> bool:
    key = (candidate.due, candidate.issue, candidate.ref)
    for other in group:
        if other is candidate or other.disputed or (other.due, other.issue, other.ref) > key:
            continue
        paid_before = sum((p.amount for p in other.payments if p.day < day), Decimal(0))
        if other.amount - other.adjusted() - paid_before > 0:
            return False
    return True


# ---- event rows --------------------------------------------------------------------------------------------
def _numbered(pairs: list[tuple[_Invoice, _Event]]) -> list[tuple[_Invoice, _Event]]:
    """Number the events per kind and year in date order; return them sorted by date, then reference."""
    counters: dict[str, int] = defaultdict(int)
    for _, event in sorted(pairs, key=lambda pair: (pair[1].day, pair[0].buyer.ref, pair[0].ref)):
        key = f"{REF_PREFIXES[event.kind]}-{event.day.year}"
        counters[key] += 1
        event.ref = f"{key}-{counters[key]:06d}"
    return sorted(pairs, key=lambda pair: (pair[1].day, pair[1].ref))


def _payment_rows(invoices: list[_Invoice]) -> list[dict[str, str]]:
    pairs = _numbered([(invoice, event) for invoice in invoices for event in invoice.payments])
    return [{"payment_ref": p.ref, "buyer_ref": i.buyer.ref, "payment_date": p.day.isoformat(),
             "currency": i.currency, "amount": str(p.amount), "invoice_ref": "" if p.on_account else i.ref}
            for i, p in pairs]


def _adjustment_rows(invoices: list[_Invoice]) -> list[dict[str, str]]:
    pairs = _numbered([(i, event) for i in invoices for event in (*i.credits, *i.write_offs)])
    return [{"adjustment_ref": a.ref, "invoice_ref": i.ref, "kind": a.kind, "date": a.day.isoformat(),
             "amount": str(a.amount), "reason": a.reason} for i, a in pairs]


# ---- financial statements ----------------------------------------------------------------------------------
def _statement_years(rng: random.Random, buyer: _Buyer, today: date) -> list[int]:
    """Three latest years for most; ~10% stale (older or fewer), ~5% none; none filed after an insolvency."""
    years = _completed_years(today)
    draw = rng.random()
    if draw < 0.05:
        years = []
    elif draw < 0.15:
        shift = rng.choice((1, 2))
        years = [y - shift for y in years][rng.randint(0, 2):]
    if buyer.insolvency:
        years = [y for y in years if date(y, 12, 31) + timedelta(days=150) < buyer.insolvency]
    return years


def _financials(rng: random.Random, buyer: _Buyer, today: date) -> list[dict[str, str]]:
    years, latest = _statement_years(rng, buyer, today), _completed_years(today)
    currency = COUNTRIES[buyer.country].local
    revenue = buyer.revenue_eur / _eur_level(currency)
    capital = round(revenue * rng.uniform(0.01, 0.06))
    yearly = rng.uniform(0.74, 0.82) if buyer.quality in SLIDING else rng.uniform(0.97, 1.10)
    (low0, high0), (low1, high1) = PROFILES[buyer.quality].health
    first, last = rng.uniform(low0, high0), rng.uniform(low1, high1)
    rows = []
    for year in years:
        health = first + (last - first) * min(1.0, max(0.0, (year - latest[0]) / 2))
        items = _statement(rng, buyer, health, revenue * yearly ** (year - latest[-1]), capital)
        rows.append(_statement_row(rng, buyer.ref, date(year, 12, 31), currency, items))
    return rows


def _statement(rng: random.Random, buyer: _Buyer, health: float, revenue: float,
               capital: int) -> dict[str, int]:
    """Whole-unit line items; health 0–1 sets margins, equity ratio and current ratio (0.65 to 2.3)."""
    typical_margin = 0.30 if INDUSTRIES[buyer.industry][0] == "manufacturer" else 0.17
    gross_margin = typical_margin + rng.uniform(-0.05, 0.05)
    ebit_margin = min(gross_margin - 0.03, -0.08 + 0.21 * health + rng.uniform(-0.01, 0.01))
    rev = round(revenue)
    cost = round(rev * (1 - gross_margin))
    ebit = round(rev * ebit_margin)
    assets = round(rev * rng.uniform(0.55, 0.95))
    current = round(assets * rng.uniform(0.45, 0.65))
    equity = round(assets * (-0.12 + 0.67 * health + rng.uniform(-0.03, 0.03)))
    liabilities = assets - equity
    short = min(liabilities, round(current / ((0.65 + 1.65 * health) * rng.uniform(0.93, 1.07))))
    interest = round((liabilities - short + 0.4 * short) * rng.uniform(0.03, 0.07))
    tax = max(0, round((ebit - interest) * 0.25))
    depreciation = min(rev - cost - ebit, round(rev * rng.uniform(0.02, 0.04)))
    net = ebit - interest - tax
    return {
        "revenue": rev, "cost_of_sales": cost, "gross_profit": rev - cost,
        "operating_expenses": rev - cost - ebit,
        "ebit": ebit, "depreciation": depreciation, "interest_expense": interest, "net_income": net,
        "total_assets": assets, "fixed_assets": assets - current, "current_assets": current,
        "inventory": round(current * rng.uniform(0.22, 0.35)),
        "receivables": round(current * rng.uniform(0.3, 0.4)),
        "cash": round(current * rng.uniform(0.05, 0.2)), "total_liabilities": liabilities,
        "current_liabilities": short, "long_term_liabilities": liabilities - short, "equity": equity,
        "retained_earnings": equity - capital, "share_capital": capital,
        "operating_cash_flow": round(net + depreciation + assets * rng.gauss(0, 0.03)),
    }


OPTIONAL_ITEMS = ("depreciation", "inventory", "receivables", "cash", "retained_earnings", "share_capital",
                  "operating_cash_flow")  # left empty at random; the identities never depend on them


def _statement_row(rng: random.Random, ref: str, period_end: date, currency: str,
                   items: dict[str, int]) -> dict[str, str]:
    row = {"buyer_ref": ref, "period_end": period_end.isoformat(), "currency": currency}
    for item in LINE_ITEMS:
        missing = item in OPTIONAL_ITEMS and rng.random() < 0.03
        row[item] = "" if missing else str(_money(items[item], currency))
    return row
