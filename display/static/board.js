/* motcua hall board – state, rendering and layout (clock.js, stream.js, announcer.js, sound.js do the rest).
 * State comes from the live stream (stream.js): a snapshot on every (re)connection, then events. Calls are
 * announced by announcer.js. Only numbers, services and counters are shown: never anything about a person.
 * For tests and support: window.motcuaDisplay (state, log of announcements, stream statistics). */
(function () {
  "use strict";
  var cfg = JSON.parse(document.getElementById("config").textContent);
  var opts = cfg.options;
  var ACTIVE = { called: true, serving: true };
  var MISSED_MS = 120000;     // calls made during a network cut younger than this are still announced
  var FLASH_MS = 12000;       // a counter that has just called stays highlighted this long

  function $(id) { return document.getElementById(id); }
  function T(vi, en) { return window.motcuaLang ? window.motcuaLang.t(vi, en) : vi; }
  function el(tag, cls, text) {
    var node = document.createElement(tag);
    if (cls) node.className = cls;
    if (text !== undefined) node.textContent = text;
    return node;
  }

  var state = {
    counters: [], services: [], counts: {}, priority: {}, waiting: {}, recent: [], latest: null, hero: null,
    flash: {}, seen: {}, seenOrder: [], known: {}, snapshots: 0, connected: false
  };

  var clock = new window.MotcuaClock(cfg.timezone);
  function serverNow() { return clock.now(); }
  function tick() {
    var now = clock.text(window.motcuaLang ? window.motcuaLang.lang : "vi");
    $("clock-time").textContent = now.time;
    $("clock-date").textContent = now.date;
  }

  // ------------------------------------------------------------ state changes

  function counterById(id) {
    for (var i = 0; i < state.counters.length; i++) if (state.counters[i].id === id) return state.counters[i];
    return null;
  }
  function counterName(c) {
    var name = c ? c.name : "";
    var m = /^Quầy\s+(.+)$/i.exec(name || "");
    return m ? T(name, "Counter " + m[1]) : name;
  }
  function serviceName(code) {
    for (var i = 0; i < state.services.length; i++) {
      if (state.services[i].code === code) return T(state.services[i].name, state.services[i].name_en);
    }
    return code || "";
  }
  function callKey(t) { return t.id + "|" + t.called_at; }
  function recentItem(t, recalled) {
    return { id: t.id, number: t.number, service: t.service, counter: t.counter, called_at: t.called_at,
      recalled: !!recalled };
  }

  /** Keep the per-service waiting counts exact: a ticket counts where its latest status says it is. */
  function trackWaiting(t) {
    var before = state.waiting[t.id];
    if (before) {
      state.counts[before.service] = Math.max(0, (state.counts[before.service] || 0) - 1);
      if (before.priority) state.priority[before.service] = Math.max(0, (state.priority[before.service] || 0) - 1);
      delete state.waiting[t.id];
    }
    if (t.status === "waiting") {
      state.waiting[t.id] = { service: t.service, priority: !!t.priority };
      state.counts[t.service] = (state.counts[t.service] || 0) + 1;
      if (t.priority) state.priority[t.service] = (state.priority[t.service] || 0) + 1;
    }
  }

  /** Put a ticket where its status says: the current ticket of its counter, or nowhere. */
  function placeTicket(t) {
    state.counters.forEach(function (c) {
      if (c.current && c.current.id === t.id && !(ACTIVE[t.status] && t.counter === c.id)) c.current = null;
    });
    var c = ACTIVE[t.status] && counterById(t.counter);
    if (c) c.current = t;
  }

  function announce(t, counter, type, missed) {
    state.latest = recentItem(t, type === "ticket.recalled");
    announcer.announce({ type: type, ticket: t.number, ticket_id: t.id, counter: counter, service: t.service,
      missed: missed });
  }

  function applySnapshot(s) {
    var first = state.snapshots === 0;
    state.snapshots += 1;
    var at = Date.parse(s.at);
    if (!isNaN(at)) clock.skewMs = at - Date.now();
    state.counters = (s.counters || []).map(function (c) {
      return { id: c.id, name: c.name, services: c.services || [], paused: !!c.paused, current: c.current || null };
    });
    state.services = s.services || [];
    state.counts = {};
    state.priority = {};
    state.services.forEach(function (sv) { state.counts[sv.code] = sv.waiting || 0; state.priority[sv.code] = sv.priority_waiting || 0; });
    state.waiting = {};
    (s.waiting || []).forEach(function (t) { state.waiting[t.id] = { service: t.service, priority: !!t.priority }; });
    var calls = s.recent_calls || [];
    state.recent = calls.slice(0, opts.recent).map(function (t) { return recentItem(t, false); });
    if (!first) {
      // Calls made while we were cut off: announce the recent ones we never heard of, oldest first.
      calls.slice().reverse().forEach(function (t) {
        if (!state.known[callKey(t)] && serverNow() - Date.parse(t.called_at) < MISSED_MS) {
          state.flash[t.counter] = Date.now() + FLASH_MS;
          announce(t, t.counter, "ticket.called", true);
        }
      });
    }
    if (Object.keys(state.known).length > 2000) state.known = {};   // a long day: keep memory small
    calls.forEach(function (t) { state.known[callKey(t)] = true; });
    state.latest = state.recent[0] || null;
    render();
  }

  function applyEvent(type, e) {
    if (e.event_id) {
      if (state.seen[e.event_id]) return;                  // a repeat after a resubscription: harmless, ignored
      state.seen[e.event_id] = true;
      state.seenOrder.push(e.event_id);
      if (state.seenOrder.length > 500) delete state.seen[state.seenOrder.shift()];
    }
    if (type === "office.configured") { refreshSoon(); return; }
    var t = e.ticket;
    var counter = e.counter || (t && t.counter);
    if (type === "counter.paused" || type === "counter.resumed") {
      var c = counterById(counter);
      if (c) c.paused = type === "counter.paused";
    }
    if (t) {
      trackWaiting(t);
      placeTicket(t);
      if (type === "ticket.called" || type === "ticket.recalled") {
        state.known[callKey(t)] = true;
        state.recent = state.recent.filter(function (r) { return r.id !== t.id; });
        state.recent.unshift(recentItem(t, type === "ticket.recalled"));
        state.recent.length = Math.min(state.recent.length, opts.recent);
        state.flash[counter] = Date.now() + FLASH_MS;
        announce(t, counter, type, false);
      }
    }
    render();
  }

  var refreshTimer = null;
  function refreshSoon() {            // the office changed (counters, services): take a whole new snapshot
    window.clearTimeout(refreshTimer);
    refreshTimer = window.setTimeout(function () { stream.restart(); }, 300);
  }

  // ------------------------------------------------------------ rendering

  function renderHero() {
    var hero = $("hero");
    var call = state.hero || state.latest;
    hero.classList.toggle("is-idle", !call);
    hero.classList.toggle("is-calling", !!state.hero);
    var c = call && counterById(call.counter);
    $("hero-number").textContent = call ? call.ticket || call.number : "";
    $("hero-counter").textContent = call ? call.counter : "";
    $("hero-service").textContent = call
      ? (call.service ? serviceName(call.service) : "") + (c ? " · " + counterName(c) : "")
      : T("Vui lòng lấy số thứ tự tại máy cấp số", "Please take a number at the ticket kiosk");
  }

  function renderCounters() {
    var box = $("counters");
    var n = state.counters.length;
    var portrait = document.body.classList.contains("layout-portrait");
    var cols = portrait ? (n <= 4 ? Math.max(1, Math.min(n, 2)) : n <= 9 ? 3 : 4)
      : (n <= 3 ? Math.max(1, n) : n <= 4 ? 2 : n <= 6 ? 3 : n <= 8 ? 4 : 5);
    box.style.setProperty("--cols", String(cols));
    box.style.setProperty("--rows", String(Math.max(1, Math.ceil(n / cols))));
    var now = Date.now();
    var cards = {};
    Array.prototype.forEach.call(box.children, function (card) { cards[card.dataset.counter] = card; });
    state.counters.forEach(function (c, i) {
      var card = cards[c.id];
      if (!card) {
        card = el("article", "counter");
        card.dataset.counter = c.id;
        card.appendChild(el("div", "counter-name"));
        card.appendChild(el("div", "counter-number"));
        card.appendChild(el("div", "counter-foot"));
      }
      delete cards[c.id];
      if (box.children[i] !== card) box.insertBefore(card, box.children[i] || null);
      var t = c.current;
      card.classList.toggle("is-idle", !t);
      card.classList.toggle("is-paused", !!c.paused);
      card.classList.toggle("is-new", !!t && (state.flash[c.id] || 0) > now);
      card.children[0].textContent = counterName(c);
      card.children[1].textContent = t ? t.number : "—";
      card.children[2].textContent = c.paused ? T("Tạm ngừng phục vụ", "Closed for now")
        : t ? serviceName(t.service) : T("Sẵn sàng", "Available");
    });
    Object.keys(cards).forEach(function (id) { box.removeChild(cards[id]); });
  }

  function renderRecent() {
    var list = $("recent");
    list.textContent = "";
    state.recent.forEach(function (r) {
      var li = el("li", "recent-item");
      li.appendChild(el("span", "r-number", r.number));
      li.appendChild(el("span", "r-arrow", "→"));
      li.appendChild(el("span", "r-counter", counterName(counterById(r.counter)) || r.counter));
      li.appendChild(el("span", "r-time", r.recalled ? T("gọi lại", "again") : clock.hhmm(r.called_at)));
      list.appendChild(li);
    });
    $("recent-empty").hidden = state.recent.length > 0;
  }

  function renderWaiting() {
    var list = $("waiting");
    list.textContent = "";
    state.services.forEach(function (sv) {
      var count = state.counts[sv.code] || 0;
      var li = el("li", "waiting-item" + (count ? "" : " is-zero"));
      li.dataset.service = sv.code;
      var name = el("span", "w-name", T(sv.name, sv.name_en));
      if (state.priority[sv.code]) {
        name.appendChild(el("small", "w-priority", T(" · " + state.priority[sv.code] + " ưu tiên",
          " · " + state.priority[sv.code] + " priority")));
      }
      li.appendChild(name);
      li.appendChild(el("span", "w-count", String(count)));
      list.appendChild(li);
    });
  }

  function render() {
    renderHero();
    renderCounters();
    renderRecent();
    renderWaiting();
  }

  // ------------------------------------------------------------ layout: ?layout=portrait|landscape, else by shape

  function applyLayout() {
    var layout = opts.layout === "auto" ? (window.innerHeight > window.innerWidth ? "portrait" : "landscape") : opts.layout;
    document.body.classList.toggle("layout-portrait", layout === "portrait");
    document.body.classList.toggle("layout-landscape", layout === "landscape");
    document.body.dataset.layout = layout;
    renderCounters();
  }

  // ------------------------------------------------------------ sound: autoplay, or one click by the operator

  var announcer = new window.MotcuaAnnouncer({
    urls: cfg.urls, voice: opts.voice,
    onStart: function (entry) { state.hero = entry; renderHero(); },
    onEnd: function () { state.hero = null; renderHero(); },
    onBlocked: function () { sound.ask(); }
  });
  var sound = new window.MotcuaSound(announcer, opts.sound,
    { prompt: $("sound-prompt"), toggle: $("sound-toggle"), t: T });

  // ------------------------------------------------------------ connection indicator: small, late, never blanking

  var downTimer = null;
  function setConnected(up) {
    state.connected = up;
    window.clearTimeout(downTimer);
    if (up) { $("conn").hidden = true; document.body.classList.remove("is-offline"); return; }
    downTimer = window.setTimeout(function () {
      $("conn").hidden = false;
      document.body.classList.add("is-offline");
    }, 1200);
  }

  var stream = new window.MotcuaStream(cfg.urls.events, {
    onSnapshot: applySnapshot,
    onEvent: applyEvent,
    onUp: function () { setConnected(true); },
    onDown: function () { setConnected(false); },
    onFatal: function () { $("hero-service").textContent = T("Không tìm thấy văn phòng này", "Office not found"); }
  });

  window.motcuaDisplay = {
    config: cfg, state: state, announcer: announcer, stream: stream, sound: sound,
    get log() { return announcer.log; },
    get announced() { return announcer.log.map(function (e) { return e.text; }); },
    get connected() { return state.connected; }
  };

  document.addEventListener("DOMContentLoaded", function () {
    if (opts.lang && window.motcuaLang) window.motcuaLang.set(opts.lang);
    if (window.motcuaLang) window.motcuaLang.onChange(function () { tick(); render(); sound.render(); });
    applyLayout();
    window.addEventListener("resize", applyLayout);
    tick();
    window.setInterval(tick, 1000);
    window.setInterval(renderCounters, 2000);   // let the "just called" highlight expire
    render();
    sound.start();
    stream.start();
  });
})();
