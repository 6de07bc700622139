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
    counters: [], services: [], counts: {}, priority: {}, recent: [], latest: null, hero: null, versions: {},
    flash: {}, seen: {}, seenOrder: [], known: {}, snapshots: 0, connected: false
  };

  var clock = new window.MotcuaClock(cfg.timezone);
  var fit = window.MotcuaFit;
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
  // The board's stream is public: tickets come as number, service, status and counter, never with an id.
  function callKey(t) { return t.number + "|" + t.called_at; }
  function recentItem(t, recalled) {
    return { number: t.number, service: t.service, counter: t.counter, called_at: t.called_at, recalled: !!recalled };
  }

  /** The server counts who waits for each service (in full) and sends the counts an event changed. */
  function applyCounts(counts) {
    Object.keys(counts || {}).forEach(function (code) {
      state.counts[code] = counts[code].waiting || 0;
      state.priority[code] = counts[code].priority_waiting || 0;
    });
  }

  /** Put a ticket where its status says: the current ticket of its counter, or nowhere. */
  function placeTicket(t) {
    state.counters.forEach(function (c) {
      if (c.current && c.current.number === t.number && !(ACTIVE[t.status] && t.counter === c.id)) c.current = null;
    });
    var c = ACTIVE[t.status] && counterById(t.counter);
    if (c) c.current = t;
  }

  function announce(t, counter, type, missed) {
    state.latest = recentItem(t, type === "ticket.recalled");
    announcer.announce({ type: type, ticket: t.number, counter: counter, service: t.service,
      missed: missed });
  }

  function applySnapshot(s) {
    var first = state.snapshots === 0;
    state.snapshots += 1;
    state.versions = {};
    var at = Date.parse(s.at);
    if (!isNaN(at)) clock.skewMs = at - Date.now();
    state.counters = (s.counters || []).map(function (c) {
      return { id: c.id, name: c.name, services: c.services || [], paused: !!c.paused, current: c.current || null };
    }).sort(function (a, b) { return a.id.localeCompare(b.id, undefined, { numeric: true }); });   // 1, 2 … 10
    state.services = s.services || [];
    state.counts = {};
    state.priority = {};
    state.services.forEach(function (sv) { state.counts[sv.code] = sv.waiting || 0; state.priority[sv.code] = sv.priority_waiting || 0; });
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
    if (t && t.version != null) {                          // an older event than what is shown changes nothing
      if (state.versions[t.number] != null && state.versions[t.number] >= t.version) return;
      state.versions[t.number] = t.version;
    }
    var counter = e.counter || (t && t.counter);
    if (type === "counter.paused" || type === "counter.resumed") {
      var c = counterById(counter);
      if (c) c.paused = type === "counter.paused";
    }
    applyCounts(e.counts);
    if (t) {
      placeTicket(t);
      if (type === "ticket.called" || type === "ticket.recalled") {
        state.known[callKey(t)] = true;
        state.recent = state.recent.filter(function (r) { return r.number !== t.number; });
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
    var row = document.querySelector(".hero-call"), to = document.querySelector(".hero-to");
    var wraps = document.body.classList.contains("layout-portrait");
    fit.shrink($("hero-number"), row.clientWidth - (wraps ? 0 : to.getBoundingClientRect().width +
      (parseFloat(getComputedStyle(row).columnGap) || 0)));
    $("hero-service").textContent = call
      ? (call.service ? serviceName(call.service) : "") + (c ? " · " + counterName(c) : "")
      : T("Vui lòng lấy số thứ tự tại máy cấp số", "Please take a number at the ticket kiosk");
    fitPanels();
  }

  function renderCounters() {
    var box = $("counters");
    document.body.classList.toggle("dense", state.counters.length > 6);     // a smaller hero row, more counter room
    var now = Date.now();
    var cards = {};
    Array.prototype.forEach.call(box.children, function (card) { cards[card.dataset.counter] = card; });
    state.counters.forEach(function (c, i) {
      var card = cards[c.id];
      if (!card) {
        card = el("article", "counter");
        card.dataset.counter = c.id;
        var head = el("div", "counter-head");
        head.appendChild(el("div", "counter-name"));
        head.appendChild(el("div", "counter-foot"));
        card.appendChild(head);
        card.appendChild(el("div", "counter-number"));
      }
      delete cards[c.id];
      if (box.children[i] !== card) box.insertBefore(card, box.children[i] || null);
      var t = c.current;
      card.classList.toggle("is-idle", !t);
      card.classList.toggle("is-paused", !!c.paused);
      card.classList.toggle("is-new", !!t && (state.flash[c.id] || 0) > now);
      card.querySelector(".counter-name").textContent = counterName(c);
      card.querySelector(".counter-number").textContent = t ? t.number : "—";
      card.querySelector(".counter-foot").textContent = c.paused ? T("Tạm ngừng phục vụ", "Closed for now")
        : t ? serviceName(t.service) : T("Sẵn sàng", "Available");
    });
    Object.keys(cards).forEach(function (id) { box.removeChild(cards[id]); });
    fit.counters(box, state.counters.map(function (c) { return c.current ? c.current.number : ""; })
      .concat(state.services.map(function (sv) { return sv.code.toUpperCase() + "-000"; })));
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

  /** The side panels take the hero's height: recent calls show whole lines only (newest first), and many
   *  services get smaller lines, then two columns, rather than a cut list. Run whenever the hero may change size. */
  function fitPanels() {
    var recent = $("recent"), waiting = $("waiting");
    Array.prototype.forEach.call(recent.children, function (li) { li.hidden = false; });
    var bottom = recent.getBoundingClientRect().bottom;
    Array.prototype.forEach.call(recent.children, function (li) {
      li.hidden = li.getBoundingClientRect().bottom > bottom + 1;
    });
    waiting.classList.remove("compact", "two-col");
    ["compact", "two-col"].forEach(function (cls) {
      if (waiting.scrollHeight > waiting.clientHeight + 1) waiting.classList.add(cls);
    });
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
    fitPanels();
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
    onFatal: function (why) {
      if (why === "not_found") $("hero-service").textContent = T("Không tìm thấy văn phòng này", "Office not found");
      else if (why === "forbidden") $("hero-service").textContent = T("Thiết bị này không thuộc văn phòng này", "This device belongs to another office");
    }
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
    window.motcuaAuth.requireDevice();      // not enrolled: say so at once (the stream would be refused)
    stream.start();
  });
})();
