// Aerolane's pages: cookie banner, airport autocomplete, date picker, results.
// window.__sg counts the page's requests in flight and notes when it is leaving, so
// whoever drives the page knows when it has settled.
(function () {
  "use strict";
  const state = (window.__sg = { pending: 0, leaving: false });
  // A request counts until its body is read: the caller draws from it in the same
  // microtask run, so no one sees the page between "arrived" and "drawn".
  const getJSON = async (url) => {
    state.pending += 1;
    try {
      return await (await fetch(url)).json();
    } finally {
      state.pending -= 1;
    }
  };
  document.addEventListener("submit", () => { state.leaving = true; }, true);
  document.addEventListener("click", (e) => {
    const link = e.target.closest && e.target.closest("a[href]");
    if (link && !e.defaultPrevented) state.leaving = true;
  });
  window.addEventListener("beforeunload", () => { state.leaving = true; });

  const el = (tag, attrs, ...children) => {
    const node = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v === false || v === null || v === undefined) continue;
      if (k === "text") node.textContent = v; else node.setAttribute(k, v === true ? "" : v);
    }
    for (const child of children) node.append(child);
    return node;
  };
  const money = (cents) => "€" + Math.floor(cents / 100).toLocaleString("en-GB") + "." + String(cents % 100).padStart(2, "0");
  const hhmm = (iso) => iso.slice(11, 16);
  const duration = (m) => Math.floor(m / 60) + " h " + String(m % 60).padStart(2, "0") + " min";
  const seats = (n) => `${n} seat${n === 1 ? "" : "s"}`;
  // What a card's price is and why a fare cannot be chosen, in terms of the party's seats
  // (infants sit on a lap, so `party` counts the seats needed, not the people).
  const needs = (party) => (party === 1 ? "a seat left" : `the ${party} seats your party needs`);
  const fromText = (r) => r.available
    ? `from ${money(r.from_cents)} per adult, the cheapest fare with ${needs(r.party)}`
    : r.party === 1 ? "Sold out" : `Sold out: no fare has ${needs(r.party)}`;
  const scarcity = (f, party) => {
    if (!f.seats_left) return "";
    if (f.seats_left < party) return `Only ${seats(f.seats_left)} left at this price: not enough for ${needs(party)}`;
    return f.seats_left < 4 ? `Only ${seats(f.seats_left)} left at this price` : "";
  };
  const fareButton = (f, party) => {
    if (!f.seats_left) return { label: `${f.family} sold out`, text: "Sold out" };
    if (f.seats_left < party) return { label: `${f.family}: not enough seats for your party`, text: "Not enough seats" };
    return { label: `${f.family} ${money(f.total_cents)}`, text: `Choose ${f.family}` };
  };
  // The status counts what the list holds now, out of what the filters let through.
  const statusText = (listed, matching, found) => {
    if (!found) return "No flights found for this search.";
    if (!matching) return `No flight matches the filters; all ${found} found are hidden by them.`;
    let text = `${listed} of ${matching} matching flights shown`;
    if (listed < matching) text += "; Show more flights lists the rest";
    if (matching < found) text += `; ${found - matching} of the ${found} found are hidden by the filters`;
    return text;
  };

  // ---- cookie banner ---------------------------------------------------------
  document.querySelectorAll("[data-consent]").forEach((button) => {
    button.addEventListener("click", () => {
      document.cookie = "consent=" + button.dataset.consent + "; path=/; max-age=31536000";
      document.getElementById("cookie-banner").remove();
    });
  });

  // ---- airport autocomplete --------------------------------------------------
  document.querySelectorAll("input[data-airport]").forEach((input) => {
    const field = input.dataset.airport;
    const hidden = input.form.querySelector(`input[type=hidden][name=${field}]`);
    const list = document.getElementById(field + "-list");
    let asked = 0;
    const close = () => { list.hidden = true; input.setAttribute("aria-expanded", "false"); };
    const choose = (a) => {
      input.value = a.label;
      hidden.value = a.code;
      close();
    };
    input.addEventListener("input", async () => {
      hidden.value = "";
      const query = input.value.trim();
      const ticket = ++asked;
      if (query.length < 2) { close(); return; }
      const found = await getJSON("/api/airports?q=" + encodeURIComponent(query));
      if (ticket !== asked) return;
      list.replaceChildren(...found.map((a) => {
        const option = el("li", { role: "option", "data-sg": `${field}-opt-${a.code}`, "aria-selected": "false",
          text: `${a.label}, ${a.country}` });
        option.addEventListener("mousedown", (e) => { e.preventDefault(); choose(a); });
        return option;
      }));
      if (!found.length) list.append(el("li", { role: "option", "aria-disabled": "true", text: "No airport matches" }));
      list.hidden = false;
      input.setAttribute("aria-expanded", "true");
      list.found = found;
    });
    input.addEventListener("keydown", (e) => {
      if (e.key === "Enter" && !list.hidden && list.found && list.found.length) { e.preventDefault(); choose(list.found[0]); }
      if (e.key === "Escape") close();
    });
    input.addEventListener("blur", close);
  });

  // ---- date picker -------------------------------------------------------------
  const MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"];
  const today = document.body.dataset.today;
  document.querySelectorAll("[data-date-field]").forEach((box) => {
    const field = box.dataset.dateField;
    const shown = box.querySelector("input[type=text]");
    const hidden = box.querySelector("input[type=hidden]");
    const id = shown.dataset.sg;
    let picker = null;
    const start = hidden.value || today;
    let year = +start.slice(0, 4), month = +start.slice(5, 7) - 1;
    const render = () => {
      const first = new Date(Date.UTC(year, month, 1));
      const days = new Date(Date.UTC(year, month + 1, 0)).getUTCDate();
      const grid = el("div", { class: "days", role: "grid", "aria-label": `${MONTHS[month]} ${year}` });
      for (let i = 0; i < (first.getUTCDay() + 6) % 7; i++) grid.append(el("span"));
      for (let d = 1; d <= days; d++) {
        const iso = `${year}-${String(month + 1).padStart(2, "0")}-${String(d).padStart(2, "0")}`;
        const day = el("button", { type: "button", "data-sg": `${id}-${iso}`, "aria-label": `${d} ${MONTHS[month]} ${year}`,
          disabled: iso < today, "aria-pressed": iso === hidden.value ? "true" : "false", text: String(d) });
        day.addEventListener("click", () => { hidden.value = iso; shown.value = iso; picker.remove(); picker = null; shown.setAttribute("aria-expanded", "false"); });
        grid.append(day);
      }
      const prev = el("button", { type: "button", "data-sg": `${id}-prev`, "aria-label": "Previous month", text: "‹" });
      const next = el("button", { type: "button", "data-sg": `${id}-next`, "aria-label": "Next month", text: "›" });
      prev.addEventListener("click", () => { month -= 1; if (month < 0) { month = 11; year -= 1; } render(); });
      next.addEventListener("click", () => { month += 1; if (month > 11) { month = 0; year += 1; } render(); });
      picker.replaceChildren(el("div", {}, prev, el("strong", { text: ` ${MONTHS[month]} ${year} ` }), next), grid);
    };
    shown.addEventListener("click", () => {
      if (picker) { picker.remove(); picker = null; shown.setAttribute("aria-expanded", "false"); return; }
      picker = el("div", { class: "picker", role: "dialog", "aria-label": `Choose ${box.querySelector("label").textContent.toLowerCase()}` });
      box.append(picker);
      shown.setAttribute("aria-expanded", "true");
      render();
    });
  });

  // ---- results -----------------------------------------------------------------
  const section = document.querySelector("section.results");
  if (section) {
    const PAGE = 8;
    const cards = section.querySelector(".cards");
    const more = section.querySelector("[data-sg=show-more]");
    const loading = section.querySelector(".loading");
    const sort = section.querySelector("[data-sg=sort]");
    const when = section.querySelector("[data-sg=filter-time]");
    const airlines = JSON.parse(section.dataset.airlines);
    const airlineBox = section.querySelector(".airlines");
    for (const [code, name] of airlines) {
      airlineBox.append(el("label", {}, el("input", { type: "checkbox", checked: true, "data-sg": `filter-airline-${code}`, "data-airline": code }), " " + name));
    }
    let results = [], limit = PAGE, open = null;
    const keys = {
      price: (r) => [r.from_cents, r.departs], duration: (r) => [r.minutes, r.from_cents],
      departure: (r) => [r.departs, r.from_cents], arrival: (r) => [r.arrives, r.from_cents],
    };
    const compare = (a, b) => { for (let i = 0; i < a.length; i++) { if (a[i] < b[i]) return -1; if (a[i] > b[i]) return 1; } return 0; };
    const pick = document.querySelector("form.pick");
    const draw = () => {
      const stops = [...section.querySelectorAll("[data-stops]")].filter((c) => c.checked).map((c) => +c.dataset.stops);
      const carriers = [...section.querySelectorAll("[data-airline]")].filter((c) => c.checked).map((c) => c.dataset.airline);
      const hour = (r) => +r.departs.slice(11, 13);
      const slot = { any: () => true, morning: (r) => hour(r) < 12, afternoon: (r) => hour(r) >= 12 && hour(r) < 18, evening: (r) => hour(r) >= 18 }[when.value];
      const key = keys[sort.value];
      const shown = results.filter((r) => stops.includes(Math.min(r.stops, 1)) && carriers.includes(r.airline) && slot(r))
        .sort((a, b) => compare(key(a), key(b)) || a.id - b.id);
      cards.replaceChildren(...shown.slice(0, limit).map((r) => {
        const via = r.stops ? `1 stop (${r.via})` : "Non-stop";
        const card = el("li", { class: "card" },
          el("h3", { text: `${hhmm(r.departs)} ${r.origin} → ${hhmm(r.arrives)} ${r.destination}${r.arrives.slice(0, 10) > r.departs.slice(0, 10) ? " (+1 day)" : ""}` }),
          el("p", { text: `${r.airline_name} · ${r.flights.join(", ")} · ${duration(r.minutes)} · ${via}` }),
          el("p", { text: fromText(r) }),
          el("button", { type: "button", "data-sg": `it-${r.id}`, "aria-expanded": open === r.id ? "true" : "false",
            "aria-label": `Select ${hhmm(r.departs)} ${r.flights.join(" + ")}`, disabled: !r.available, text: open === r.id ? "Hide fares" : "Select" }));
        card.querySelector("button").addEventListener("click", () => { open = open === r.id ? null : r.id; draw(); });
        if (open === r.id) {
          const fares = el("div", { class: "fares", role: "group", "aria-label": "Fares" });
          for (const f of r.fares) {
            const rules = `${f.bags} checked bag${f.bags === 1 ? "" : "s"} · ${f.change_fee_cents === null ? "no changes" : f.change_fee_cents ? "change fee " + money(f.change_fee_cents) : "free changes"} · ${f.refundable ? "refundable" : "non-refundable"}`;
            const choice = fareButton(f, r.party);
            const button = el("button", { type: "button", "data-sg": `fare-${f.id}`, disabled: f.seats_left < r.party,
              "aria-label": choice.label, text: choice.text });
            button.addEventListener("click", () => { pick.elements.fare.value = f.id; pick.submit(); state.leaving = true; });
            fares.append(el("div", { class: "fare" }, el("strong", { text: `${f.family} (${f.cabin})` }),
              el("p", { text: `${money(f.total_cents)} for ${r.party_text}` }), el("p", { text: rules }),
              scarcity(f, r.party) ? el("p", { text: scarcity(f, r.party) }) : "", button));
          }
          card.append(fares);
        }
        return card;
      }));
      more.hidden = shown.length <= limit;
      loading.textContent = statusText(Math.min(shown.length, limit), shown.length, results.length);
    };
    more.addEventListener("click", () => { limit += PAGE; draw(); });
    section.querySelectorAll("input, select").forEach((c) => c.addEventListener("change", () => { limit = PAGE; draw(); }));
    // Results arrive a moment after the page, as on a real fare search: not awaited by
    // the page's load, so whoever reads the page too early sees "Searching...".
    setTimeout(async () => {
      results = await getJSON(section.dataset.search);
      draw();
    }, +section.dataset.delay);
  }
})();
