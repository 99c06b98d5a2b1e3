"""The world the flight site sells: airports (with coordinates and UTC offsets) and airlines.

Fixed reference data; each episode's inventory draws its routes, schedules and prices
from it with the episode's seed (``inventory.py``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass


@dataclass(frozen=True)
class Airport:
    """One airport: IATA code, city, name, country, position and UTC offset (minutes)."""

    code: str
    city: str
    name: str
    country: str
    lat: float
    lon: float
    utc_offset: int


@dataclass(frozen=True)
class Airline:
    """One airline: its two-letter code, name and how its prices sit against the market."""

    code: str
    name: str
    price_factor: float
    hubs: tuple[str, ...]


AIRPORTS: tuple[Airport, ...] = (
    Airport("LHR", "London", "Heathrow", "United Kingdom", 51.470, -0.454, 0),
    Airport("LGW", "London", "Gatwick", "United Kingdom", 51.153, -0.182, 0),
    Airport("CDG", "Paris", "Charles de Gaulle", "France", 49.010, 2.548, 60),
    Airport("AMS", "Amsterdam", "Schiphol", "Netherlands", 52.310, 4.768, 60),
    Airport("FRA", "Frankfurt", "Frankfurt am Main", "Germany", 50.033, 8.571, 60),
    Airport("MUC", "Munich", "Franz Josef Strauss", "Germany", 48.354, 11.786, 60),
    Airport("MAD", "Madrid", "Barajas", "Spain", 40.472, -3.561, 60),
    Airport("BCN", "Barcelona", "El Prat", "Spain", 41.297, 2.083, 60),
    Airport("FCO", "Rome", "Fiumicino", "Italy", 41.800, 12.239, 60),
    Airport("ZRH", "Zurich", "Zurich", "Switzerland", 47.458, 8.555, 60),
    Airport("VIE", "Vienna", "Schwechat", "Austria", 48.110, 16.570, 60),
    Airport("CPH", "Copenhagen", "Kastrup", "Denmark", 55.618, 12.656, 60),
    Airport("OSL", "Oslo", "Gardermoen", "Norway", 60.194, 11.100, 60),
    Airport("ARN", "Stockholm", "Arlanda", "Sweden", 59.652, 17.919, 60),
    Airport("HEL", "Helsinki", "Vantaa", "Finland", 60.317, 24.963, 120),
    Airport("DUB", "Dublin", "Dublin", "Ireland", 53.421, -6.270, 0),
    Airport("LIS", "Lisbon", "Humberto Delgado", "Portugal", 38.774, -9.134, 0),
    Airport("ATH", "Athens", "Eleftherios Venizelos", "Greece", 37.936, 23.947, 120),
    Airport("IST", "Istanbul", "Istanbul", "Turkey", 41.275, 28.752, 180),
    Airport("WAW", "Warsaw", "Chopin", "Poland", 52.166, 20.967, 60),
    Airport("PRG", "Prague", "Vaclav Havel", "Czechia", 50.101, 14.260, 60),
    Airport("BRU", "Brussels", "Brussels", "Belgium", 50.901, 4.484, 60),
    Airport("EDI", "Edinburgh", "Edinburgh", "United Kingdom", 55.950, -3.373, 0),
    Airport("MAN", "Manchester", "Manchester", "United Kingdom", 53.354, -2.275, 0),
)
AIRPORTS_BY_CODE = {airport.code: airport for airport in AIRPORTS}

AIRLINES: tuple[Airline, ...] = (
    Airline("NW", "Northwind Airways", 1.10, ("LHR", "AMS")),
    Airline("BK", "Bluekite", 0.78, ("LGW", "BCN")),
    Airline("AU", "Aurora Air", 1.00, ("CPH", "HEL")),
    Airline("ME", "Meridian", 1.18, ("FRA", "ZRH")),
    Airline("SL", "Solair", 0.86, ("MAD", "FCO")),
    Airline("CR", "Crown Atlantic", 1.05, ("CDG", "DUB")),
)
AIRLINES_BY_CODE = {airline.code: airline for airline in AIRLINES}


def airport_label(airport: Airport) -> str:
    """An airport as the site writes it: "London Heathrow (LHR)", "Dublin (DUB)".

    Example:
        >>> airport_label(AIRPORTS_BY_CODE["LHR"]), airport_label(AIRPORTS_BY_CODE["DUB"])
        ('London Heathrow (LHR)', 'Dublin (DUB)')
    """
    place = airport.city if airport.name == airport.city else f"{airport.city} {airport.name}"
    return f"{place} ({airport.code})"


def distance_km(origin: Airport, destination: Airport) -> float:
    """Great-circle distance between two airports (haversine, Earth radius 6,371 km).

    Example:
        >>> round(distance_km(AIRPORTS_BY_CODE["LHR"], AIRPORTS_BY_CODE["CDG"]))
        347
    """
    lat1, lat2 = math.radians(origin.lat), math.radians(destination.lat)
    dlat = lat2 - lat1
    dlon = math.radians(destination.lon - origin.lon)
    a = math.sin(dlat / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin(dlon / 2) ** 2
    return 2 * 6371.0 * math.asin(math.sqrt(a))


def block_minutes(origin: Airport, destination: Airport) -> int:
    """Scheduled flight time: taxi and climb allowance plus cruise at ~780 km/h, in 5-minute steps."""
    minutes = 35 + distance_km(origin, destination) / 780 * 60
    return int(round(minutes / 5) * 5)
