"""Manage booking: look a booking up, change a flight, cancel."""

from __future__ import annotations

import sqlite3
from urllib.parse import quote as urlquote

from skillgym.envs.flight.pricing import change_price, money, refund
from skillgym.envs.flight.site.app import Response, Visit, route
from skillgym.envs.flight.site.search import describe_itinerary, trip_lines
from skillgym.envs.flight.store import Booking

LEG_NAME = {"out": "outbound", "return": "return"}


def _managed(visit: Visit) -> Booking | None:
    """The booking named by ``ref`` if this session has looked it up."""
    ref = visit.request.arg("ref").upper()
    if ref not in visit.cart.get("managed", []):
        return None
    return visit.site.store.booking(ref)


def _back(booking: Booking, notice: str = "") -> Response:
    suffix = f"&notice={urlquote(notice)}" if notice else ""
    return Response.redirect(f"/manage/booking?ref={booking.ref}{suffix}")


@route("GET", "/manage")
def manage_form(visit: Visit) -> Response:
    """Find a booking by reference and last name."""
    return visit.page("manage.html", title="Manage booking", ref="", last_name="")


@route("POST", "/manage")
def manage_find(visit: Visit) -> Response:
    """Open the booking when the reference and a traveller's last name match."""
    ref = visit.request.arg("ref").upper()
    last = visit.request.arg("last_name")
    booking = visit.site.store.booking(ref) if ref else None
    if booking is None or not any(p.last_name.lower() == last.lower() for p in booking.passengers):
        return visit.page(
            "manage.html",
            title="Manage booking",
            ref=ref,
            last_name=last,
            errors=["No booking matches that reference and last name."],
        )
    visit.cart.setdefault("managed", []).append(ref)
    visit.save()
    return _back(booking)


@route("GET", "/manage/booking")
def booking_page(visit: Visit) -> Response:
    """A booking: its flights, its status, and what can be done with it."""
    booking = _managed(visit)
    if booking is None:
        return Response.redirect("/manage")
    store = visit.site.store
    legs = []
    for direction, (_, fare_id) in sorted(booking.legs.items(), key=lambda kv: kv[0] != "out"):
        fare = store.row("SELECT family, change_fee_cents FROM fares WHERE id = ?", fare_id)
        legs.append(
            {
                "direction": direction,
                "name": LEG_NAME[direction],
                "family": fare["family"] if fare else "?",
                "changeable": fare is not None and fare["change_fee_cents"] is not None,
            }
        )
    names = [f"{p.name} ({p.type})" for p in booking.passengers]
    notice = visit.request.query.get("notice", "")
    return visit.page(
        "booking.html",
        title=f"Booking {booking.ref}",
        booking=booking,
        trip=trip_lines(store, booking.legs, names)
        + [f"Seat {seat}" for seat in booking.seats.values()],
        total=money(booking.total_cents),
        legs=legs,
        notices=[notice[:200]] if notice else [],
    )


@route("GET", "/manage/change")
def change_page(visit: Visit) -> Response:
    """Pick a new date and see the flights on it in the booked fare family, with the price."""
    booking = _managed(visit)
    direction = visit.request.arg("dir")
    if booking is None or booking.status != "confirmed" or direction not in booking.legs:
        return Response.redirect("/manage")
    store = visit.site.store
    itinerary_id, fare_id = booking.legs[direction]
    booked = store.row("SELECT * FROM itineraries WHERE id = ?", itinerary_id)
    fare = store.row("SELECT * FROM fares WHERE id = ?", fare_id)
    assert booked is not None and fare is not None
    if fare["change_fee_cents"] is None:
        return _back(booking, f"{fare['family']} fares cannot be changed.")
    day = visit.request.arg("date")
    options = None
    if day:
        seated = sum(p.type != "infant" for p in booking.passengers)
        options = []
        for it in store.rows(
            "SELECT i.*, f.id AS fare_id, f.seats_left FROM itineraries i JOIN fares f "
            "ON f.itinerary_id = i.id WHERE i.origin = ? AND i.destination = ? AND i.day = ? "
            "AND f.family = ? AND i.id != ? ORDER BY i.departs",
            booked["origin"],
            booked["destination"],
            day,
            fare["family"],
            itinerary_id,
        ):
            price = change_price(store, booking, direction, it["fare_id"])
            sold_out = it["seats_left"] < seated
            options.append(
                {
                    "itinerary_id": it["id"],
                    "fare_id": it["fare_id"],
                    "text": describe_itinerary(store, it["id"])
                    + ("" if sold_out else f" · to pay {money(price.total)}"),
                    "disabled": sold_out,
                    "button": "Sold out" if sold_out else "Choose",
                    "label": f"Choose {it['departs'][11:]} "
                    + ("sold out" if sold_out else f"to pay {money(price.total)}"),
                }
            )
    return visit.page(
        "change.html",
        title="Change flight",
        ref=booking.ref,
        direction=direction,
        leg_name=LEG_NAME[direction],
        booked=describe_itinerary(store, itinerary_id, fare_id),
        fee_each=money(int(fare["change_fee_cents"])),
        day=day or booked["day"],
        options=options,
        family=fare["family"],
    )


@route("POST", "/manage/change")
def change_choose(visit: Visit) -> Response:
    """The chosen flight goes to the confirmation step."""
    ref, direction, fare = (visit.request.arg(k) for k in ("ref", "dir", "fare"))
    return Response.redirect(f"/manage/change/confirm?ref={ref}&dir={direction}&fare={fare}")


def _change_target(visit: Visit) -> tuple[Booking, str, sqlite3.Row] | None:
    """The booking, direction and new fare (with its itinerary) of a valid change request."""
    booking = _managed(visit)
    direction = visit.request.arg("dir")
    try:
        fare_id = int(visit.request.arg("fare"))
    except ValueError:
        return None
    if booking is None or booking.status != "confirmed" or direction not in booking.legs:
        return None
    store = visit.site.store
    old_it = store.row("SELECT * FROM itineraries WHERE id = ?", booking.legs[direction][0])
    new = store.row(
        "SELECT f.*, i.origin, i.destination FROM fares f JOIN itineraries i "
        "ON i.id = f.itinerary_id WHERE f.id = ?",
        fare_id,
    )
    old_fare = store.row("SELECT family FROM fares WHERE id = ?", booking.legs[direction][1])
    if (
        old_it is None
        or new is None
        or old_fare is None
        or (new["origin"], new["destination"]) != (old_it["origin"], old_it["destination"])
        or new["family"] != old_fare["family"]
        or new["itinerary_id"] == old_it["id"]
    ):
        return None
    return booking, direction, new


@route("GET", "/manage/change/confirm")
def change_confirm_page(visit: Visit) -> Response:
    """What the change costs, before paying for it."""
    target = _change_target(visit)
    if target is None:
        return Response.redirect("/manage")
    booking, direction, new = target
    store = visit.site.store
    fare_id = int(new["id"])
    price = change_price(store, booking, direction, fare_id)
    return visit.page(
        "confirm_change.html",
        title="Confirm change",
        ref=booking.ref,
        direction=direction,
        fare_id=fare_id,
        old=describe_itinerary(store, *booking.legs[direction]),
        new=describe_itinerary(store, new["itinerary_id"], fare_id),
        quote=[(label, money(cents)) for label, cents in price.lines],
        total=money(price.total),
    )


@route("POST", "/manage/change/confirm")
def change_confirm(visit: Visit) -> Response:
    """Charge the change and move the booking."""
    target = _change_target(visit)
    if target is None:
        return Response.redirect("/manage")
    booking, direction, new = target
    store = visit.site.store
    fare_id = int(new["id"])
    if new["seats_left"] < sum(p.type != "infant" for p in booking.passengers):
        return _back(booking, "That flight has just sold out; nothing was changed.")
    price = change_price(store, booking, direction, fare_id)
    store.change_leg(booking.id, direction, new["itinerary_id"], fare_id, price.total)
    return _back(
        booking, f"Your {LEG_NAME[direction]} flight was changed. Paid {money(price.total)}."
    )


@route("GET", "/manage/cancel")
def cancel_page(visit: Visit) -> Response:
    """What cancelling gives back, and the confirmation box."""
    booking = _managed(visit)
    if booking is None or booking.status != "confirmed":
        return Response.redirect("/manage")
    store = visit.site.store
    back = refund(store, booking)
    names = [p.name for p in booking.passengers]
    return visit.page(
        "cancel.html",
        title="Cancel booking",
        booking=booking,
        trip=trip_lines(store, booking.legs, names),
        refund_text=f"Refund to your card: {money(back)}."
        if back
        else "This booking is not refundable: cancelling it gives nothing back.",
        errors=["Tick the box to confirm the cancellation."]
        if visit.request.query.get("unconfirmed")
        else [],
    )


@route("POST", "/manage/cancel")
def cancel(visit: Visit) -> Response:
    """Cancel the booking once the box is ticked."""
    booking = _managed(visit)
    if booking is None or booking.status != "confirmed":
        return Response.redirect("/manage")
    if visit.request.form.get("confirm") != "1":
        return Response.redirect(f"/manage/cancel?ref={booking.ref}&unconfirmed=1")
    store = visit.site.store
    back = refund(store, booking)
    store.cancel(booking.id, back)
    return _back(booking, f"Booking cancelled. Refund: {money(back)}.")
