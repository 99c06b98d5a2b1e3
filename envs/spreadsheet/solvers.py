"""Financial functions in plain Python, for computing task truths independently of the engine.

Conventions follow Excel's (cash paid out is negative; ``type`` 0 = payments at the
end of each period), so a truth reads like the formula an analyst would write.
"""

from __future__ import annotations

import calendar
import math
from collections.abc import Sequence
from datetime import date, timedelta

EXCEL_EPOCH = date(1899, 12, 30)  # serial 0 of the 1900 date system (Excel's and Calc's)


def npv(rate: float, flows: Sequence[float]) -> float:
    """Excel's NPV: the first flow is discounted one period."""
    return sum(f / (1 + rate) ** (t + 1) for t, f in enumerate(flows))


def irr(flows: Sequence[float], *, low: float = -0.99, high: float = 10.0) -> float:
    """The rate at which the flows' NPV (first flow undiscounted) is zero, by bisection.

    Raises:
        ValueError: If the NPV does not change sign between ``low`` and ``high``.
    """

    def value(rate: float) -> float:
        return sum(f / (1 + rate) ** t for t, f in enumerate(flows))

    f_low, f_high = value(low), value(high)
    if f_low * f_high > 0:
        raise ValueError("Expects flows whose NPV changes sign; they have no IRR in range.")
    for _ in range(200):
        mid = (low + high) / 2
        f_mid = value(mid)
        if f_low * f_mid <= 0:
            high = mid
        else:
            low, f_low = mid, f_mid
    return (low + high) / 2


def xnpv(rate: float, flows: Sequence[float], dates: Sequence[date]) -> float:
    """Excel's XNPV: each flow discounted by its days from the first date over 365."""
    start = dates[0]
    return sum(
        f / (1 + rate) ** ((d - start).days / 365) for f, d in zip(flows, dates, strict=True)
    )


def xirr(flows: Sequence[float], dates: Sequence[date]) -> float:
    """The rate at which XNPV is zero, by bisection."""
    low, high = -0.99, 10.0
    f_low = xnpv(low, flows, dates)
    for _ in range(200):
        mid = (low + high) / 2
        f_mid = xnpv(mid, flows, dates)
        if f_low * f_mid <= 0:
            high = mid
        else:
            low, f_low = mid, f_mid
    return (low + high) / 2


def pmt(rate: float, periods: int, pv: float, fv: float = 0.0) -> float:
    """Excel's PMT (end-of-period payments)."""
    if rate == 0:
        return -(pv + fv) / periods
    growth = (1 + rate) ** periods
    return -(pv * growth + fv) * rate / (growth - 1)


def fv(rate: float, periods: int, payment: float, pv: float = 0.0) -> float:
    """Excel's FV (end-of-period payments)."""
    if rate == 0:
        return -(pv + payment * periods)
    growth = (1 + rate) ** periods
    return -(pv * growth + payment * (growth - 1) / rate)


def ipmt(rate: float, period: int, periods: int, pv: float, fv_: float = 0.0) -> float:
    """Excel's IPMT: the interest part of payment ``period`` (1-based)."""
    payment = pmt(rate, periods, pv, fv_)
    balance_before = -fv(rate, period - 1, payment, pv)
    return -balance_before * rate


def ppmt(rate: float, period: int, periods: int, pv: float, fv_: float = 0.0) -> float:
    """Excel's PPMT: the principal part of payment ``period`` (1-based)."""
    return pmt(rate, periods, pv, fv_) - ipmt(rate, period, periods, pv, fv_)


def to_serial(day: date) -> float:
    """A date as the spreadsheet's day number (2025-01-01 is 45658)."""
    return float((day - EXCEL_EPOCH).days)


def to_date(serial: float) -> date:
    """A spreadsheet day number as a date (the time of day, if any, dropped)."""
    return EXCEL_EPOCH + timedelta(days=int(serial))


def edate(start: date, months: int) -> date:
    """Excel's EDATE: the same day ``months`` later, clamped to that month's last day."""
    years, month_index = divmod(start.month - 1 + months, 12)
    year, month = start.year + years, month_index + 1
    return date(year, month, min(start.day, calendar.monthrange(year, month)[1]))


def eomonth(start: date, months: int) -> date:
    """Excel's EOMONTH: the last day of the month ``months`` after ``start``'s month."""
    years, month_index = divmod(start.month - 1 + months, 12)
    year, month = start.year + years, month_index + 1
    return date(year, month, calendar.monthrange(year, month)[1])


def yearfrac_30_360(start: date, end: date) -> float:
    """Excel's YEARFRAC basis 0 (US/NASD 30/360), for dates not at the end of February."""
    day1, day2 = min(start.day, 30), end.day
    if day1 == 30 and day2 == 31:
        day2 = 30
    days = 360 * (end.year - start.year) + 30 * (end.month - start.month) + day2 - day1
    return days / 360


def excel_round(value: float) -> float:
    """Excel's ROUND(value, 0): halves away from zero (Python's round() goes to even)."""
    return math.copysign(math.floor(abs(value) + 0.5), value)
