"""Search: the home page's form, airport suggestions, results and choosing a fare."""

from __future__ import annotations

import json
import sqlite3
from datetime import date
from typing import Any
from urllib.parse import urlencode

from skillgym.envs.flight.airports import (
    AIRLINES_BY_CODE,
    AIRPORTS,
    AIRPORTS_BY_CODE,
    airport_label,
)
from skillgym.envs.flight.pricing import FARE_COLUMN
from skillgym.envs.flight.site.app import FormError, Response, Visit, route
from skillgym.envs.flight.store import FlightStore

PARTY_FIELDS = ("adults", "children", "infants")


def party_types(search: dict[str, Any]) -> list[str]:
    """The passenger types of a search, adults first."""
    return (
        ["adult"] * int(search["adults"])
        + ["child"] * int(search["children"])
        + ["infant"] * int(search["infants"])
    )


def seated(search: dict[str, Any]) -> int:
    """How many of the party take a seat (infants travel on a lap)."""
    return int(search["adults"]) + int(search["children"])


def airport_code(text: str) -> str | None:
    """The airport a search field names: a code, "City Name (CODE)", or a unique city."""
    text = text.strip()
    if text.upper() in AIRPORTS_BY_CODE:
        return text.upper()
    if text.endswith(")") and "(" in text:
        code = text[text.rindex("(") + 1 : -1].upper()
        return code if code in AIRPORTS_BY_CODE else None
    cities = [a.code for a in AIRPORTS if a.city.lower() == text.lower()]
    return cities[0] if len(cities) == 1 else None


def describe_itinerary(store: FlightStore, itinerary_id: int, fare_id: int | None = None) -> str:
    """One line about an itinerary (and fare), as the site prints it."""
    it = store.row("SELECT * FROM itineraries WHERE id = ?", itinerary_id)
    if it is None:
        return "unknown flight"
    flights = " + ".join(s["flight_number"] for s in store.segments_of(itinerary_id))
    stops = "non-stop" if it["stops"] == 0 else f"{it['stops']} stop"
    text = (
        f"{date.fromisoformat(it['day']).strftime('%a %d %b %Y')} · {it['departs'][11:]} "
        f"{it['origin']} → {it['arrives'][11:]} {it['destination']} · {flights} · {stops}"
    )
    if fare_id is not None:
        fare = store.row("SELECT family FROM fares WHERE id = ?", fare_id)
        text += f" · {fare['family'] if fare else '?'}"
    return text


def trip_lines(store: FlightStore, legs: dict[str, tuple[int, int]], names: list[str]) -> list[str]:
    """The lines that describe a trip: each direction, then the travellers."""
    lines = [
        f"{'Outbound' if d == 'out' else 'Return'}: {describe_itinerary(store, it, fare)}"
        for d, (it, fare) in sorted(legs.items(), key=lambda kv: kv[0] != "out")
    ]
    if names:
        lines.append("Travellers: " + ", ".join(names))
    return lines


def read_search(params: dict[str, str], today: date) -> dict[str, Any]:
    """A search from the form's fields.

    Raises:
        FormError: Listing every field that is missing or wrong.
    """
    problems = []
    trip = "oneway" if params.get("trip") == "oneway" else "return"
    codes = {}
    for field, label in (("from", "Departure airport"), ("to", "Destination")):
        code = params.get(field, "").strip().upper() or airport_code(
            params.get(f"{field}_text", "")
        )
        if code not in AIRPORTS_BY_CODE:
            problems.append(f"{label}: choose an airport from the suggestions.")
        codes[field] = code
    if codes["from"] and codes["from"] == codes["to"]:
        problems.append("Departure airport and destination must differ.")
    days = {}
    for field, label in (("depart", "Departure date"), ("return", "Return date")):
        if field == "return" and trip == "oneway":
            continue
        try:
            days[field] = date.fromisoformat(params.get(field, "").strip())
        except ValueError:
            problems.append(f"{label}: choose a date with the date picker.")
            continue
        if days[field] < today:
            problems.append(f"{label}: {days[field]} is in the past.")
    if "depart" in days and "return" in days and days["return"] < days["depart"]:
        problems.append("Return date: must not be before the departure date.")
    party = {}
    for field in PARTY_FIELDS:
        try:
            party[field] = int(params.get(field, "1" if field == "adults" else "0"))
        except ValueError:
            party[field] = -1
        if not 0 <= party[field] <= 9:
            problems.append(f"{field.capitalize()}: choose 0 to 9.")
    if party.get("adults", 0) < 1:
        problems.append("At least one adult must travel.")
    elif party["infants"] > party["adults"]:
        problems.append("Each infant travels on an adult's lap: no more infants than adults.")
    cabin = params.get("cabin", "economy")
    if cabin not in ("economy", "business"):
        problems.append("Cabin: choose Economy or Business.")
    if problems:
        raise FormError(*problems)
    return {
        "trip": trip,
        "from": codes["from"],
        "to": codes["to"],
        "depart": days["depart"].isoformat(),
        "return": days["return"].isoformat() if "return" in days else "",
        "cabin": cabin,
        **party,
    }


def search_url(search: dict[str, Any], **extra: str) -> str:
    """The results page of a search."""
    fields = {k: str(v) for k, v in search.items() if v != ""}
    return "/results?" + urlencode({**fields, **extra})


def leg_route(search: dict[str, Any], leg: str) -> tuple[str, str, str]:
    """(origin, destination, day) of one direction of a search."""
    if leg == "return":
        return search["to"], search["from"], search["return"]
    return search["from"], search["to"], search["depart"]


def offers(store: FlightStore, search: dict[str, Any], leg: str) -> list[dict[str, Any]]:
    """The itineraries a search finds for one direction, with their fares priced for the party."""
    origin, destination, day = leg_route(search, leg)
    types = party_types(search)
    business = search["cabin"] == "business"
    found = []
    for it in store.rows(
        "SELECT * FROM itineraries WHERE origin = ? AND destination = ? AND day = ? ORDER BY id",
        origin,
        destination,
        day,
    ):
        fares = [
            f
            for f in store.rows("SELECT * FROM fares WHERE itinerary_id = ? ORDER BY id", it["id"])
            if (f["cabin"] == "business") == business
        ]
        if not fares:
            continue
        found.append(_offer(store, it, fares, types, seated(search)))
    return found


def _offer(
    store: FlightStore,
    it: sqlite3.Row,
    fares: list[sqlite3.Row],
    types: list[str],
    party: int,
) -> dict[str, Any]:
    segments = store.segments_of(it["id"])
    open_fares = [f for f in fares if f["seats_left"] >= party]
    return {
        "id": it["id"],
        "origin": it["origin"],
        "destination": it["destination"],
        "departs": it["departs"],
        "arrives": it["arrives"],
        "minutes": it["minutes"],
        "stops": it["stops"],
        "via": segments[0]["destination"] if it["stops"] else "",
        "airline": it["airline"],
        "airline_name": AIRLINES_BY_CODE[it["airline"]].name,
        "flights": [s["flight_number"] for s in segments],
        "available": bool(open_fares),
        "from_cents": min((f["adult_cents"] for f in open_fares), default=0),
        "party": party,
        "party_text": _party_text(types),
        "fares": [
            {
                "id": f["id"],
                "family": f["family"],
                "cabin": f["cabin"],
                "total_cents": sum(f[FARE_COLUMN[t]] for t in types),
                "seats_left": f["seats_left"],
                "bags": f["bags_included"],
                "change_fee_cents": f["change_fee_cents"],
                "refundable": bool(f["refundable"]),
            }
            for f in fares
        ],
    }


def _party_text(types: list[str]) -> str:
    parts = []
    for kind in ("adult", "child", "infant"):
        n = types.count(kind)
        if n:
            plural = {"adult": "adults", "child": "children", "infant": "infants"}[kind]
            parts.append(f"{n} {kind if n == 1 else plural}")
    return ", ".join(parts)


# ---- pages ---------------------------------------------------------------------------
@route("GET", "/")
def home(visit: Visit) -> Response:
    """The search form (filled in again when the visitor comes back to change it)."""
    form: dict[str, Any] = dict(visit.cart.get("search", {}))
    form.update({k: v for k, v in visit.request.query.items() if k in _FORM_FIELDS})
    for field in ("from", "to"):
        code = form.get(field, "")
        airport = AIRPORTS_BY_CODE.get(str(code).upper())
        form.setdefault(f"{field}_text", airport_label(airport) if airport else "")
    form = {k: form.get(k, "") for k in _FORM_FIELDS}
    return visit.page("home.html", title="Search flights", form=form)


_FORM_FIELDS = (
    "trip",
    "from",
    "to",
    "from_text",
    "to_text",
    "depart",
    "return",
    "adults",
    "children",
    "infants",
    "cabin",
)


@route("GET", "/api/airports")
def airports(visit: Visit) -> Response:
    """Airports whose code, city or name starts with the query (at most 6)."""
    query = visit.request.query.get("q", "").strip().lower()[:40]
    if len(query) < 2:
        return Response.json([])
    found = [
        a
        for a in AIRPORTS
        if a.code.lower().startswith(query)
        or a.city.lower().startswith(query)
        or a.name.lower().startswith(query)
        or any(word.startswith(query) for word in f"{a.city} {a.name}".lower().split())
    ]
    return Response.json(
        [{"code": a.code, "label": airport_label(a), "country": a.country} for a in found[:6]]
    )


@route("GET", "/results")
def results(visit: Visit) -> Response:
    """The results page of a search; the flights arrive by ``/api/search`` a moment later."""
    query = visit.request.query
    leg = "return" if query.get("leg") == "return" else "out"
    try:
        search = read_search(query, visit.site.today)
    except FormError as exc:
        form = {k: query.get(k, "") for k in _FORM_FIELDS}
        return visit.page("home.html", title="Search flights", form=form, errors=exc.messages)
    if leg == "out" or visit.cart.get("search") != search:
        visit.cart = {
            "search": search,
            **{k: visit.cart[k] for k in ("managed", "mine") if k in visit.cart},
        }
        leg = "out"
    if leg == "return" and "out" not in visit.cart:
        leg = "out"
    if search["trip"] == "oneway" and leg == "return":
        leg = "out"
    visit.save()
    origin, destination, day = leg_route(search, leg)
    codes = sorted({r["airline"] for r in visit.site.store.rows("SELECT airline FROM itineraries")})
    chosen = visit.cart.get("out")
    return visit.page(
        "results.html",
        step="Flights",
        title=f"{origin} to {destination}",
        heading=f"{'Return' if leg == 'return' else 'Outbound'}: "
        f"{AIRPORTS_BY_CODE[origin].city} to {AIRPORTS_BY_CODE[destination].city}",
        summary=f"{date.fromisoformat(day).strftime('%A %d %B %Y')} · {_party_text(party_types(search))} · "
        f"{search['cabin'].capitalize()}",
        modify_url="/?" + urlencode({k: str(v) for k, v in search.items()}),
        chosen_out=describe_itinerary(visit.site.store, *chosen)
        if leg == "return" and chosen
        else "",
        search_url="/api/search?" + urlencode({"leg": leg}),
        delay=visit.site.result_delay_ms,
        leg=leg,
        airlines_json=json.dumps([[c, AIRLINES_BY_CODE[c].name] for c in codes]),
    )


@route("GET", "/api/search")
def search_api(visit: Visit) -> Response:
    """The flights of the session's search, for the results page's script."""
    search = visit.cart.get("search")
    if not search:
        return Response.json([])
    leg = "return" if visit.request.query.get("leg") == "return" else "out"
    return Response.json(offers(visit.site.store, search, leg))


@route("POST", "/select")
def select(visit: Visit) -> Response:
    """Choose a fare for one direction, then the other direction or the passengers."""
    search = visit.cart.get("search")
    if not search:
        return Response.redirect("/")
    leg = "return" if visit.request.form.get("leg") == "return" else "out"
    try:
        fare_id = int(visit.request.form.get("fare", ""))
    except ValueError:
        return Response.redirect(search_url(search, leg=leg))
    store = visit.site.store
    offer = next(
        (o for o in offers(store, search, leg) if any(f["id"] == fare_id for f in o["fares"])), None
    )
    fare = store.row("SELECT seats_left FROM fares WHERE id = ?", fare_id)
    if offer is None or fare is None or fare["seats_left"] < seated(search):
        return Response.redirect(search_url(search, leg=leg))
    visit.cart[leg] = [offer["id"], fare_id]
    for later in ("passengers", "seats", "bags", "insurance"):
        visit.cart.pop(later, None)
    visit.save()
    if leg == "out" and search["trip"] == "return":
        return Response.redirect(search_url(search, leg="return"))
    return Response.redirect("/passengers")
