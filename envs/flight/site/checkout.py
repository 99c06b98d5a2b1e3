"""Checkout: passengers, seats, bags and extras, payment and the confirmation."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from skillgym.envs.flight.pricing import BAG_CENTS, INSURANCE_CENTS, Quote, money, quote
from skillgym.envs.flight.site.app import FormError, Response, Visit, route
from skillgym.envs.flight.site.search import party_types, search_url, trip_lines
from skillgym.envs.flight.store import Passenger

NAME = re.compile(r"^[A-Za-zÀ-ÖØ-öø-ÿ][A-Za-zÀ-ÖØ-öø-ÿ' -]{0,39}$")
EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]+\.[A-Za-z]{2,}$")
PHONE = re.compile(r"^\+?[0-9 ]{6,20}$")
TYPE_LABEL = {"adult": "Adult", "child": "Child", "infant": "Infant"}
AGES = {"adult": (12, 200), "child": (2, 11), "infant": (0, 1)}
TEST_CARDS = {"4242424242424242": "approved", "4000000000000002": "declined"}


def legs(cart: dict[str, Any]) -> dict[str, tuple[int, int]]:
    """The cart's chosen directions: direction -> (itinerary id, fare id)."""
    return {d: (int(cart[d][0]), int(cart[d][1])) for d in ("out", "return") if d in cart}


def _ready(visit: Visit, stage: str) -> Response | None:
    """A redirect back to the first unfinished step before ``stage``, or None."""
    cart = visit.cart
    search = cart.get("search")
    if not search:
        return Response.redirect("/")
    if "out" not in cart or (search["trip"] == "return" and "return" not in cart):
        leg = "out" if "out" not in cart else "return"
        return Response.redirect(search_url(search, leg=leg))
    if stage != "passengers" and "passengers" not in cart:
        return Response.redirect("/passengers")
    return None


def slot_label(types: list[str], index: int) -> str:
    """How the form names the ``index``-th passenger: "Adult 2", "Child 1"."""
    kind = types[index]
    return f"{TYPE_LABEL[kind]} {types[: index + 1].count(kind)}"


def age_on(dob: date, day: date) -> int:
    """Whole years from ``dob`` to ``day``."""
    return day.year - dob.year - ((day.month, day.day) < (dob.month, dob.day))


def segments(visit: Visit) -> list[Any]:
    """The flights of the cart's itineraries, outbound first."""
    store = visit.site.store
    return [s for it, _ in legs(visit.cart).values() for s in store.segments_of(it)]


def travellers(cart: dict[str, Any]) -> list[dict[str, Any]]:
    """The passengers who take a seat, with their index and name."""
    return [
        {"index": i, "name": f"{p['first_name']} {p['last_name']}", **p}
        for i, p in enumerate(cart["passengers"])
        if p["type"] != "infant"
    ]


def cart_quote(visit: Visit) -> Quote:
    """The price of what the cart holds."""
    cart = visit.cart
    return quote(
        visit.site.store,
        types=[p["type"] for p in cart["passengers"]],
        legs={d: fare for d, (_, fare) in legs(cart).items()},
        seat_cents=[price for _, price in cart.get("seats", {}).values()],
        bags=cart.get("bags", []),
        insurance=bool(cart.get("insurance")),
    )


# ---- passengers ----------------------------------------------------------------------
@route("GET", "/passengers")
def passengers_form(visit: Visit) -> Response:
    """The passengers' names and dates of birth, and the contact details."""
    return _ready(visit, "passengers") or _passengers_page(visit, visit.cart.get("passengers"))


def _passengers_page(
    visit: Visit, given: list[dict[str, Any]] | None, errors: list[str] | None = None, bad: Any = ()
) -> Response:
    types = party_types(visit.cart["search"])
    rows = []
    for i in range(len(types)):
        p = given[i] if given and i < len(given) else {}
        rows.append(
            {
                "label": slot_label(types, i),
                "first_name": p.get("first_name", ""),
                "last_name": p.get("last_name", ""),
                "dob": p.get("dob", ""),
                "bad_first": (i, "first") in bad,
                "bad_last": (i, "last") in bad,
                "bad_dob": (i, "dob") in bad,
            }
        )
    contact = visit.cart.get("contact", {"email": "", "phone": ""})
    if errors:
        contact = {
            "email": visit.request.form.get("email", ""),
            "phone": visit.request.form.get("phone", ""),
        }
    return visit.page(
        "passengers.html",
        step="Passengers",
        title="Passengers",
        passengers=rows,
        contact=contact,
        errors=errors or [],
    )


@route("POST", "/passengers")
def passengers_submit(visit: Visit) -> Response:
    """Check every passenger against their type on the travel date; on to seats."""
    waiting = _ready(visit, "passengers")
    if waiting:
        return waiting
    form = visit.request.form
    search = visit.cart["search"]
    travel_day = date.fromisoformat(search["depart"])
    types = party_types(search)
    given, problems, bad = [], [], set()
    for i, kind in enumerate(types):
        label = slot_label(types, i)
        p = {
            "type": kind,
            "first_name": form.get(f"p{i}_first", "").strip(),
            "last_name": form.get(f"p{i}_last", "").strip(),
            "dob": form.get(f"p{i}_dob", "").strip(),
        }
        given.append(p)
        for part, what in (("first", "first name"), ("last", "last name")):
            if not NAME.match(p[f"{part}_name"]):
                problems.append(f"{label}: enter a {what} in letters (up to 40).")
                bad.add((i, part))
        try:
            dob = date.fromisoformat(p["dob"])
        except ValueError:
            problems.append(f"{label}: enter the date of birth as YYYY-MM-DD.")
            bad.add((i, "dob"))
            continue
        low, high = AGES[kind]
        age = age_on(dob, travel_day)
        if dob > visit.site.today:
            problems.append(
                f"{label}: born {dob} is after today ({visit.site.today}); "
                "a traveller must already be born when booking."
            )
            bad.add((i, "dob"))
        elif not low <= age <= high:
            span = "12 or older" if kind == "adult" else f"{low}-{high} years old"
            problems.append(
                f"{label}: born {dob} makes them {age} on {travel_day}; "
                f"{TYPE_LABEL[kind].lower()} passengers must be {span} on the day of travel."
            )
            bad.add((i, "dob"))
    email, phone = form.get("email", "").strip(), form.get("phone", "").strip()
    if not EMAIL.match(email):
        problems.append("Contact: enter a valid email address.")
    if phone and not PHONE.match(phone):
        problems.append("Contact: a phone number has 6-20 digits.")
    if problems:
        return _passengers_page(visit, given, problems, bad)
    visit.cart.update(passengers=given, contact={"email": email, "phone": phone})
    visit.cart.pop("seats", None)
    visit.save()
    return Response.redirect("/seats")


# ---- seats ---------------------------------------------------------------------------
@route("GET", "/seats")
def seats_page(visit: Visit) -> Response:
    """One flight's seat map; the visitor picks a seat for each traveller (optional)."""
    waiting = _ready(visit, "seats")
    if waiting:
        return waiting
    flights = segments(visit)
    segment = next(
        (s for s in flights if str(s["id"]) == visit.request.query.get("flight")), flights[0]
    )
    people = travellers(visit.cart)
    chosen = visit.cart.get("seats", {})
    for p in people:
        p["seat"] = chosen.get(f"{p['index']}|{segment['id']}", [""])[0]
    try:
        current = int(visit.request.query.get("passenger", people[0]["index"]))
    except ValueError:
        current = people[0]["index"]
    cabin = _cabin(visit, segment["id"])
    mine = {seat: name for p in people if p["seat"] for seat, name in [(p["seat"], p["name"])]}
    rows: dict[int, list[dict[str, Any]]] = {}
    for seat in visit.site.store.seats(segment["id"]):
        if seat.seat in mine:
            label, disabled, css = (
                f"{seat.seat} {seat.position}, chosen for {mine[seat.seat]}",
                False,
                "mine",
            )
        elif seat.taken:
            label, disabled, css = f"{seat.seat} {seat.position}, taken", True, ""
        elif seat.cabin != cabin:
            label, disabled, css = f"{seat.seat} {seat.position}, {seat.cabin} only", True, ""
        else:
            price = "free" if seat.price_cents == 0 else money(seat.price_cents)
            label, disabled, css = (
                f"{seat.seat} {seat.position}, {price}",
                False,
                "paid" if seat.price_cents else "",
            )
        if seat.letter in ("C", "B") and seat.position == "aisle":
            css += " aisle-gap"
        rows.setdefault(seat.row, []).append(
            {"seat": seat.seat, "label": label, "disabled": disabled, "css": css}
        )
    return visit.page(
        "seats.html",
        step="Seats",
        title="Seats",
        segments=flights,
        segment=segment,
        travellers=people,
        current=current,
        rows=[{"number": n, "seats": s} for n, s in sorted(rows.items())],
        errors=[visit.request.query["error"]] if visit.request.query.get("error") else [],
    )


def _cabin(visit: Visit, segment_id: int) -> str:
    store = visit.site.store
    for it, fare_id in legs(visit.cart).values():
        if any(s["id"] == segment_id for s in store.segments_of(it)):
            fare = store.row("SELECT cabin FROM fares WHERE id = ?", fare_id)
            return str(fare["cabin"]) if fare else "economy"
    return "economy"


@route("POST", "/seats")
def choose_seat(visit: Visit) -> Response:
    """Give the chosen traveller the clicked seat, then move to the next traveller."""
    waiting = _ready(visit, "seats")
    if waiting:
        return waiting
    form = visit.request.form
    flights = {str(s["id"]): s for s in segments(visit)}
    people = travellers(visit.cart)
    segment = flights.get(form.get("flight", ""))
    if segment is None:
        return Response.redirect("/seats")
    try:
        who = int(form.get("passenger", ""))
    except ValueError:
        who = -1
    if who not in {p["index"] for p in people}:
        return Response.redirect(f"/seats?flight={segment['id']}&error=Choose+a+traveller+first.")
    seat = next(
        (s for s in visit.site.store.seats(segment["id"]) if s.seat == form.get("seat")), None
    )
    seats = visit.cart.setdefault("seats", {})
    others = {
        v[0]
        for k, v in seats.items()
        if k.endswith(f"|{segment['id']}") and k != f"{who}|{segment['id']}"
    }
    if (
        seat is None
        or seat.taken
        or seat.seat in others
        or seat.cabin != _cabin(visit, segment["id"])
    ):
        return Response.redirect(
            f"/seats?flight={segment['id']}&passenger={who}&error=That+seat+is+not+available."
        )
    seats[f"{who}|{segment['id']}"] = [seat.seat, seat.price_cents]
    visit.save()
    unseated = [p["index"] for p in people if f"{p['index']}|{segment['id']}" not in seats]
    following = unseated[0] if unseated else who
    return Response.redirect(f"/seats?flight={segment['id']}&passenger={following}")


# ---- extras --------------------------------------------------------------------------
@route("GET", "/extras")
def extras_page(visit: Visit) -> Response:
    """Extra checked bags per traveller and travel insurance."""
    waiting = _ready(visit, "extras")
    if waiting:
        return waiting
    bags = visit.cart.get("bags", [])
    people = travellers(visit.cart)
    for p in people:
        p["bags"] = bags[p["index"]] if p["index"] < len(bags) else 0
    fare = visit.site.store.row(
        "SELECT bags_included FROM fares WHERE id = ?", visit.cart["out"][1]
    )
    return visit.page(
        "extras.html",
        step="Extras",
        title="Extras",
        travellers=people,
        included=fare["bags_included"] if fare else 0,
        bag_price=money(BAG_CENTS),
        insurance=bool(visit.cart.get("insurance")),
        insurance_price=money(INSURANCE_CENTS),
    )


@route("POST", "/extras")
def extras_submit(visit: Visit) -> Response:
    """Keep the bags and insurance; on to payment."""
    waiting = _ready(visit, "extras")
    if waiting:
        return waiting
    bags = []
    for i, p in enumerate(visit.cart["passengers"]):
        try:
            n = int(visit.request.form.get(f"bags_{i}", "0"))
        except ValueError:
            n = 0
        bags.append(0 if p["type"] == "infant" else max(0, min(n, 3)))
    visit.cart.update(bags=bags, insurance=visit.request.form.get("insurance") == "1")
    visit.save()
    return Response.redirect("/payment")


# ---- payment -------------------------------------------------------------------------
@route("GET", "/payment")
def payment_page(visit: Visit) -> Response:
    """The trip, the price and the card form."""
    return _ready(visit, "payment") or _payment(visit)


def _payment(visit: Visit, errors: list[str] | None = None) -> Response:
    cart = visit.cart
    price = cart_quote(visit)
    names = [f"{p['first_name']} {p['last_name']} ({p['type']})" for p in cart["passengers"]]
    form = visit.request.form
    return visit.page(
        "payment.html",
        step="Payment",
        title="Payment",
        trip=trip_lines(visit.site.store, legs(cart), names)
        + [f"Seat {v[0]}" for v in cart.get("seats", {}).values()],
        quote=[(label, money(cents)) for label, cents in price.lines],
        total=money(price.total),
        card={
            "name": form.get("card_name", ""),
            "number": form.get("card_number", ""),
            "expiry": form.get("card_expiry", ""),
        },
        errors=errors or [],
    )


def luhn_ok(number: str) -> bool:
    """Whether a card number passes the Luhn check.

    Example:
        >>> luhn_ok("4242424242424242"), luhn_ok("4242424242424241")
        (True, False)
    """
    total = 0
    for i, digit in enumerate(reversed(number)):
        d = int(digit) * (2 if i % 2 else 1)
        total += d - 9 if d > 9 else d
    return total % 10 == 0


def read_card(form: dict[str, str], today: date) -> str:
    """The card's last four digits after every check.

    Raises:
        FormError: Listing what is wrong with the card.
    """
    problems = []
    if not form.get("card_name", "").strip():
        problems.append("Name on card: required.")
    number = re.sub(r"[ -]", "", form.get("card_number", ""))
    if not number.isdigit() or not 12 <= len(number) <= 19 or not luhn_ok(number):
        problems.append("Card number: not a valid card number.")
    elif number not in TEST_CARDS:
        problems.append("Card number: this site accepts test cards only (4242 4242 4242 4242).")
    elif TEST_CARDS[number] == "declined":
        problems.append("Your card was declined. Try another card.")
    match = re.fullmatch(r"\s*(\d{2})\s*/\s*(\d{2})\s*", form.get("card_expiry", ""))
    if not match or not 1 <= int(match[1]) <= 12:
        problems.append("Expiry: enter it as MM/YY.")
    elif (2000 + int(match[2]), int(match[1])) < (today.year, today.month):
        problems.append("Expiry: this card has expired.")
    if not re.fullmatch(r"\d{3}", form.get("card_cvc", "").strip()):
        problems.append("Security code: the 3 digits on the back of the card.")
    if form.get("terms") != "1":
        problems.append("Accept the fare rules and conditions of carriage to book.")
    if problems:
        raise FormError(*problems)
    return number[-4:]


@route("POST", "/payment")
def pay(visit: Visit) -> Response:
    """Charge the test card and record the booking; on to the confirmation."""
    waiting = _ready(visit, "payment")
    if waiting:
        return waiting
    store, cart = visit.site.store, visit.cart
    try:
        last4 = read_card(visit.request.form, visit.site.today)
    except FormError as exc:
        return _payment_failed(visit, exc.messages)
    seated = sum(p["type"] != "infant" for p in cart["passengers"])
    for _, fare_id in legs(cart).values():
        fare = store.row("SELECT seats_left, family FROM fares WHERE id = ?", fare_id)
        if fare is None or fare["seats_left"] < seated:
            return _payment_failed(visit, ["This fare has just sold out. Choose another flight."])
    price = cart_quote(visit)
    ref = store.new_ref(visit.site.rng)
    store.add_booking(
        ref,
        contact_email=cart["contact"]["email"],
        passengers=[
            Passenger(p["type"], p["first_name"], p["last_name"], p["dob"], bags)
            for p, bags in zip(cart["passengers"], _bags(cart), strict=True)
        ],
        legs=legs(cart),
        seats={
            (int(k.split("|")[0]), int(k.split("|")[1])): (v[0], int(v[1]))
            for k, v in cart.get("seats", {}).items()
        },
        insurance=bool(cart.get("insurance")),
        total_cents=price.total,
        card_last4=last4,
    )
    visit.cart = {
        "mine": [*cart.get("mine", []), ref],
        "managed": [*cart.get("managed", []), ref],
    }
    visit.save()
    return Response.redirect(f"/confirmation?ref={ref}")


PAYMENT_CLEARED = (
    "For your security the security code was cleared and the terms box unticked: "
    "enter the security code again and tick the terms box before paying."
)


def _payment_failed(visit: Visit, problems: list[str]) -> Response:
    """The payment form again with what went wrong.

    The form comes back without the security code and with the terms box unticked (a
    card's code is never sent back to the browser), so the errors say so: otherwise a
    second "Pay" fails on fields the visitor believes are filled in.
    """
    return _payment(visit, [*problems, PAYMENT_CLEARED])


def _bags(cart: dict[str, Any]) -> list[int]:
    bags = list(cart.get("bags", []))
    return bags + [0] * (len(cart["passengers"]) - len(bags))


@route("GET", "/confirmation")
def confirmation(visit: Visit) -> Response:
    """The booking reference of a booking this session made."""
    ref = visit.request.query.get("ref", "")
    store = visit.site.store
    booking = store.booking(ref) if ref in visit.cart.get("mine", []) else None
    if booking is None:
        return Response.redirect("/manage")
    names = [p.name for p in booking.passengers]
    return visit.page(
        "confirmation.html",
        title=f"Booking {ref}",
        booking=booking,
        total=money(booking.total_cents),
        trip=trip_lines(store, booking.legs, names),
    )
