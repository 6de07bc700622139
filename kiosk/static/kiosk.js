/* motcua – kiosk: the most common procedures (or field → service → procedure) → confirm → optional identification
 * (identify.js: ID card or face, always skippable) → number. A step that offers a single choice is skipped.
 * Taps go through tap.js (no double tap falls through), the idle question through idle.js, paper through print.js,
 * pictograms come from icons.js.
 * Survives network drops: every press carries one Idempotency-Key, retried until the system answers, so a retry
 * never issues a second ticket. */
(function () {
  "use strict";
  var L = window.motcuaLang;
  var cfg = JSON.parse(document.getElementById("config").textContent);
  var RETRY_MS = 2000, GIVE_UP_MS = (cfg.retry_s || 30) * 1000, REQUEST_TIMEOUT_MS = 8000;
  var PING_ONLINE_MS = 10000, PING_OFFLINE_MS = 3000, RELOAD_AFTER_MS = 6 * 3600 * 1000;
  var GUARD_MS = 450, COUNTDOWN_S = 10;
  var STEP = { home: 1, services: 1, procedures: 1, confirm: 2, issuing: 2, failed: 2, ticket: 3 };
  window.MotcuaIdentify.SCREENS.forEach(function (name) { STEP[name] = 2; });
  var loadedAt = Date.now();
  var taps = new window.MotcuaTaps(GUARD_MS);

  var state = {
    screen: "home", trail: [], field: null, service: null, procedure: null, priority: null,
    pending: null,          // the press being issued: {key, service, procedure, priority, citizen, retryable}
    ticket: null, waiting: {}, online: true
  };

  function $(id) { return document.getElementById(id); }
  function h(tag, cls, text) {
    var el = document.createElement(tag);
    if (cls) el.className = cls;
    if (text !== undefined && text !== null) el.textContent = text;
    return el;
  }
  function t(vi, en) { return L.t(vi, en); }
  function named(x) { return t(x.name, x.name_en || x.name); }
  function other(x) {             // the name in the other language, when it says something more
    var o = L.lang === "en" ? x.name : x.name_en;
    return o && o !== named(x) ? o : "";
  }

  // ------------------------------------------------------------ data
  var FIELDS = (function () {
    var list = [], byName = {};
    cfg.services.forEach(function (s, i) {
      s.color = "c" + (i % 8);
      s.procedures = s.procedures || [];
      var name = s.field || s.name;
      if (!byName[name]) { byName[name] = { name: name, services: [], color: s.color }; list.push(byName[name]); }
      byName[name].services.push(s);
    });
    list.forEach(function (f) {
      var same = f.services.filter(function (s) { return s.name === f.name && s.name_en; })[0];
      f.name_en = same ? same.name_en : f.name;
      var first = f.services[0];
      f.icon = first.icon || (first.procedures[0] && first.procedures[0].icon) || null;
      f.services.forEach(function (s) { s.fieldRef = f; });
    });
    return list;
  })();
  var POPULAR = [];
  cfg.services.forEach(function (s) {
    s.procedures.forEach(function (p) { if (p.popular) POPULAR.push({ service: s, procedure: p }); });
  });

  function initials(name) {
    var words = name.split(/[\s–\-,]+/).filter(function (w) { return w.length > 1 && w.toLowerCase() !== "và"; });
    return words.slice(0, 2).map(function (w) { return w[0]; }).join("").toUpperCase();
  }
  function waitingFor(services) {
    return services.reduce(function (n, s) { return n + (state.waiting[s.code] || 0); }, 0);
  }
  function peopleText(n) { return t(n + " người đang chờ", n + (n === 1 ? " person waiting" : " people waiting")); }
  function waitText(seconds) {
    if (!seconds || seconds <= 0) return t("Sắp đến lượt", "Almost your turn");
    var m = Math.max(1, Math.ceil(seconds / 60));
    if (m < 60) return t("Khoảng " + m + " phút", "About " + m + " min");
    var hrs = Math.floor(m / 60), rest = m % 60;
    return t("Khoảng " + hrs + " giờ" + (rest ? " " + rest + " phút" : ""),
             "About " + hrs + " h" + (rest ? " " + rest + " min" : ""));
  }
  function serviceOf(code) { return cfg.services.filter(function (s) { return s.code === code; })[0]; }
  function procedureOf(service, code) {
    return service && service.procedures.filter(function (p) { return p.code === code; })[0];
  }

  // ------------------------------------------------------------ screens
  function show(name, remember) {
    if (remember && state.screen !== name) state.trail.push(state.screen);
    state.screen = name;
    identify.left(name);                // the camera never outlives its screen
    document.querySelectorAll(".screen").forEach(function (s) { s.hidden = s.dataset.screen !== name; });
    var step = STEP[name];
    document.querySelectorAll("#steps li").forEach(function (li) {
      var n = Number(li.dataset.step);
      li.classList.toggle("done", n < step || (name === "ticket" && n === step));
      li.classList.toggle("current", n === step && name !== "ticket");
    });
    document.querySelector(".stage").scrollTop = 0;
    document.querySelectorAll(".tiles").forEach(function (g) { g.scrollTop = 0; });
    window.scrollTo(0, 0);
    taps.changed();                     // a press that began on the previous screen does nothing here
    document.body.classList.add("settling");        // …and for a moment the new screen takes no touch at all
    clearTimeout(settleTimer);
    settleTimer = setTimeout(function () { document.body.classList.remove("settling"); }, GUARD_MS);
  }
  var settleTimer = null;

  function tile(icon, color, title, sub, badge) {
    var b = h("button", "tile"), body = h("span", "tile-body");   // the body follows the tile's shape (kiosk.css)
    b.type = "button";
    var box = h("span", "tile-icon " + color);
    var svg = icon && window.motcuaIcons && window.motcuaIcons.draw(icon, "tile-svg");
    if (svg) box.appendChild(svg); else box.textContent = initials(title);
    body.appendChild(box);
    var text = h("span", "tile-text");
    text.appendChild(h("span", "tile-name", title));
    if (sub) text.appendChild(h("span", "tile-sub", sub));
    if (badge) { var row = h("span", "tile-badges"); row.appendChild(h("span", "waiting-badge", badge)); text.appendChild(row); }
    body.appendChild(text);
    body.appendChild(h("span", "tile-arrow", "›"));
    b.appendChild(body);
    return b;
  }

  /** Columns and rows for `n` tiles: the grid fills its block, so few tiles grow and many still fit. */
  function layout(grid, n, list) {
    var portrait = window.innerHeight >= window.innerWidth;
    var cols = list ? (portrait ? (n > 6 ? 2 : 1) : (n > 4 ? 2 : 1))
                    : (portrait ? (n <= 2 ? 1 : 2) : (n <= 2 ? n : n <= 4 ? 2 : 3));
    cols = Math.max(1, cols);
    var rows = Math.max(1, Math.ceil(n / cols));
    grid.style.setProperty("--cols", String(cols));
    grid.style.setProperty("--rows", String(rows));
    grid.classList.toggle("odd", cols === 2 && n % 2 === 1);
    if (grid.parentNode.classList.contains("block")) grid.parentNode.style.setProperty("--grow", String(rows));
  }

  function renderHome() {
    var popular = $("popular"), box = $("fields");
    popular.textContent = "";
    POPULAR.forEach(function (x) {
      var b = tile(x.procedure.icon || x.service.icon, x.service.color, named(x.procedure), other(x.procedure),
                   peopleText(state.waiting[x.service.code] || 0));
      b.classList.add("popular");
      b.dataset.procedure = x.procedure.code;
      b.dataset.waiting = x.service.code;
      taps.on(b, function () { chooseProcedure(x.service, x.procedure); });
      popular.appendChild(b);
    });
    $("popular-block").hidden = POPULAR.length === 0;
    $("fields-prompt").classList.toggle("minor", POPULAR.length > 0);
    $("fields-prompt").textContent = POPULAR.length ? t("Hoặc chọn lĩnh vực bạn cần giải quyết", "Or choose the field of your business")
                                                    : t("Chạm vào lĩnh vực bạn cần giải quyết", "Touch the field of your business");
    layout(popular, POPULAR.length, false);
    box.textContent = "";
    FIELDS.forEach(function (f) {
      var count = f.services.reduce(function (n, s) { return n + Math.max(1, s.procedures.length); }, 0);
      var sub = [other(f), count > 1 ? t(count + " thủ tục", count + " procedures") : ""].filter(Boolean).join(" · ");
      var b = tile(f.icon, f.color, named(f), sub, peopleText(waitingFor(f.services)));
      b.dataset.field = f.name;
      b.dataset.waiting = f.services.map(function (s) { return s.code; }).join(" ");
      taps.on(b, function () { chooseField(f); });
      box.appendChild(b);
    });
    layout(box, FIELDS.length, false);
  }

  function renderServices() {
    var f = state.field, box = $("services");
    if (!f) return;
    $("field-name").textContent = named(f);
    box.textContent = "";
    f.services.forEach(function (s) {
      var b = tile(s.icon, s.color, named(s), other(s), peopleText(state.waiting[s.code] || 0));
      b.dataset.service = s.code;
      b.dataset.waiting = s.code;
      taps.on(b, function () { chooseService(s); });
      box.appendChild(b);
    });
    layout(box, f.services.length, true);
  }

  function renderProcedures() {
    var s = state.service, box = $("procedures");
    if (!s) return;
    $("service-name").textContent = named(s);
    box.textContent = "";
    s.procedures.forEach(function (p) {
      var b = tile(p.icon || s.icon, s.color, named(p), other(p), "");
      b.dataset.procedure = p.code;
      taps.on(b, function () { chooseProcedure(s, p); });
      box.appendChild(b);
    });
    layout(box, s.procedures.length, true);
  }

  /** Waiting counts change in place: a tile under a finger is never rebuilt. */
  function renderCounts() {
    document.querySelectorAll(".tile[data-waiting]").forEach(function (b) {
      var badge = b.querySelector(".waiting-badge");
      if (badge) badge.textContent = peopleText(waitingFor(b.dataset.waiting.split(" ").map(serviceOf).filter(Boolean)));
    });
  }

  function renderConfirm() {
    var s = state.service, p = state.procedure;
    if (!s) return;
    var icon = $("chosen-icon");
    icon.className = "chosen-icon tile-icon " + s.color;
    icon.textContent = "";
    var svg = window.motcuaIcons && window.motcuaIcons.draw((p && p.icon) || s.icon, "tile-svg");
    if (svg) icon.appendChild(svg); else icon.textContent = initials(s.name);
    $("chosen-name").textContent = p ? named(p) : named(s);
    var where = [t("Lĩnh vực: ", "Field: ") + named(s.fieldRef)];
    if (p && s.name !== s.fieldRef.name) where.push(t("Dịch vụ: ", "Service: ") + named(s));
    where.push(peopleText(state.waiting[s.code] || 0));
    $("chosen-sub").textContent = where.join(" · ");
    var box = $("priorities");
    box.textContent = "";
    var options = [{ code: null, name: "Không thuộc diện ưu tiên", name_en: "No priority" }].concat(cfg.priority_categories);
    options.forEach(function (c) {
      var b = h("button", "choice" + (c.code ? "" : " none"));
      b.type = "button";
      b.setAttribute("role", "radio");
      b.setAttribute("aria-checked", String(state.priority === c.code));
      b.dataset.priority = c.code || "";
      b.appendChild(h("span", "mark", state.priority === c.code ? "✓" : ""));
      b.appendChild(h("span", "", named(c)));
      taps.on(b, function () { state.priority = c.code; renderConfirm(); });
      box.appendChild(b);
    });
  }

  function ticketNames(tk) {
    var s = serviceOf(tk.service) || { name: tk.service, name_en: tk.service, procedures: [] };
    return { service: s, procedure: procedureOf(s, tk.procedure) || null };
  }

  function renderTicket() {
    var tk = state.ticket;
    if (!tk) return;
    var names = ticketNames(tk);
    $("t-number").textContent = tk.number;
    $("t-service").textContent = named(names.service);
    $("t-procedure").hidden = !names.procedure;
    if (names.procedure) $("t-procedure").textContent = named(names.procedure);
    var cat = cfg.priority_categories.filter(function (c) { return c.code === tk.priority; })[0];
    $("t-priority").hidden = !cat;
    if (cat) $("t-priority").textContent = t("Ưu tiên: ", "Priority: ") + named(cat);
    $("t-ahead").textContent = String(tk.waiting_ahead || 0);
    $("t-wait").textContent = waitText(tk.estimated_wait_s);
  }

  function renderAll() { renderHome(); renderServices(); renderProcedures(); renderConfirm(); renderTicket(); }

  // ------------------------------------------------------------ flow: a step with a single choice is skipped
  function chooseField(f) {
    state.field = f;
    if (f.services.length === 1) { chooseService(f.services[0]); return; }
    renderServices();
    show("services", true);
  }
  function chooseService(s) {
    state.field = s.fieldRef;
    state.service = s;
    if (s.procedures.length <= 1) { chooseProcedure(s, s.procedures[0] || null); return; }
    renderProcedures();
    show("procedures", true);
  }
  function chooseProcedure(s, p) {
    state.field = s.fieldRef;
    state.service = s;
    state.procedure = p;
    state.priority = null;
    renderConfirm();
    show("confirm", true);
  }
  function back() {
    var to = state.trail.pop();
    if (!to || to === "home") { home(); return; }
    if (to === "services") renderServices();
    if (to === "procedures") renderProcedures();
    show(to, false);
  }
  function home() {
    identify.reset();                     // camera off, the citizen forgotten
    state.field = state.service = state.procedure = state.priority = state.pending = state.ticket = null;
    state.trail = [];
    if (L.lang !== "vi") L.set("vi");     // the next citizen starts in Vietnamese
    renderHome();
    show("home", false);
    if (state.online && Date.now() - loadedAt > RELOAD_AFTER_MS) location.reload();  // pick up new settings
  }

  function newKey() {
    var bytes = new Uint8Array(16);
    crypto.getRandomValues(bytes);
    return "kiosk-" + cfg.office + "-" + Array.prototype.map.call(bytes, function (b) {
      return ("0" + b.toString(16)).slice(-2);
    }).join("");
  }

  /** JSON, or a Blob sent as it is (a camera frame); `timeoutMs` for the slower face requests. */
  function request(method, url, body, headers, timeoutMs) {
    var ctrl = new AbortController();
    var timer = setTimeout(function () { ctrl.abort(); }, timeoutMs || REQUEST_TIMEOUT_MS);
    var init = { method: method, headers: Object.assign({ "Accept": "application/json" }, headers || {}),
                 signal: ctrl.signal, cache: "no-store" };
    if (body instanceof Blob) { init.body = body; init.headers["Content-Type"] = body.type; }
    else if (body !== undefined) { init.body = JSON.stringify(body); init.headers["Content-Type"] = "application/json"; }
    return window.motcuaAuth.fetch(url, init).then(function (res) {
      return res.json().catch(function () { return {}; }).then(function (data) {
        return { ok: res.ok, status: res.status, data: data, error: data && data.error };
      });
    }, function () {
      return { ok: false, status: 0, data: null, error: null };
    }).finally(function () { clearTimeout(timer); });
  }

  function retryable(status) { return status === 0 || status === 408 || status === 429 || status >= 500; }

  function take() {
    if (state.pending || !state.service) return;      // one press, one request
    if (identify.enabled) identify.begin(); else takeFor(null);
  }

  function takeFor(citizenId) {
    if (state.pending || !state.service) return;
    state.pending = { key: newKey(), service: state.service, procedure: state.procedure, priority: state.priority,
                      citizen: citizenId, since: Date.now() };
    issue();
  }

  function issue() {
    var p = state.pending;
    if (!p) return;
    p.since = Date.now();
    $("issuing-note").textContent = t("Vui lòng chờ trong giây lát", "Please wait a moment");
    show("issuing", false);
    var body = { service: p.service.code, priority: p.priority };
    if (p.procedure) body.procedure = p.procedure.code;
    if (p.citizen) body.citizen_id = p.citizen;
    (function attempt() {
      if (state.pending !== p) return;
      request("POST", cfg.urls.issue, body, { "Idempotency-Key": p.key })
        .then(function (res) {
          if (state.pending !== p) return;
          if (res.ok) { setOnline(true); issued(res.data); return; }
          if (retryable(res.status)) {
            setOnline(false);
            schedulePing(PING_OFFLINE_MS);
            $("issuing-note").textContent = t("Mất kết nối – đang thử lại…", "Connection lost – retrying…");
            if (Date.now() - p.since < GIVE_UP_MS) { setTimeout(attempt, RETRY_MS); return; }
            p.retryable = true;
            failed(t("Hiện không kết nối được với hệ thống cấp số. Vui lòng bấm “Thử lại” hoặc liên hệ cán bộ tại quầy hướng dẫn.",
                     "The numbering system cannot be reached right now. Press “Try again” or ask the staff at the reception desk."));
            return;
          }
          setOnline(true);
          p.retryable = false;
          failed(res.error ? t(res.error.message, res.error.message_en)
                           : t("Hệ thống từ chối yêu cầu.", "The system refused the request."));
        });
    })();
  }

  function failed(text) {
    $("failed-text").textContent = text;
    show("failed", false);
  }

  function retry() {
    if (state.pending && state.pending.retryable) issue();   // same press, same key: never two tickets
    else home();
  }

  var printer = new window.MotcuaPrint(cfg, request, t);
  function issued(ticket) {
    state.pending = null;
    state.ticket = ticket;
    renderTicket();
    show("ticket", false);
    var names = ticketNames(ticket);
    printer.print(ticket, { service: names.service.name, procedure: names.procedure && names.procedure.name },
                  function () { return state.ticket === ticket; });
  }

  // ------------------------------------------------------------ connection and queue counts
  function setOnline(online) {
    state.online = online;
    $("offline").hidden = online;
  }

  var pingTimer = null, pinging = false;
  function schedulePing(ms) { clearTimeout(pingTimer); pingTimer = setTimeout(ping, ms); }
  function ping() {
    if (pinging) return;
    pinging = true;
    request("GET", cfg.urls.queue).then(function (res) {
      pinging = false;
      if (res.ok && res.data && res.data.services) {
        setOnline(true);
        var w = {};
        res.data.services.forEach(function (s) { w[s.code] = s.waiting; });
        state.waiting = w;
        renderCounts();
      } else if (retryable(res.status)) {
        setOnline(false);
      }
      schedulePing(state.online ? PING_ONLINE_MS : PING_OFFLINE_MS);
    });
  }

  // ------------------------------------------------------------ clock, idle and lock-down
  function tick() {
    var now = new Date(), opts = { hour: "2-digit", minute: "2-digit", hour12: false };
    var dopts = { weekday: "long", day: "2-digit", month: "2-digit", year: "numeric" };
    var loc = L.lang === "en" ? "en-GB" : "vi-VN";
    try { opts.timeZone = dopts.timeZone = cfg.timezone; now.toLocaleString(loc, opts); }
    catch (e) { delete opts.timeZone; delete dopts.timeZone; }
    $("clock-time").textContent = now.toLocaleTimeString(loc, opts);
    var date = now.toLocaleDateString(loc, dopts);
    $("clock-date").textContent = date.charAt(0).toUpperCase() + date.slice(1);
  }

  function lockDown() {
    var stop = function (e) { e.preventDefault(); };
    ["contextmenu", "selectstart", "dragstart", "gesturestart", "gesturechange", "dblclick"].forEach(function (ev) {
      document.addEventListener(ev, stop, { passive: false });
    });
    document.addEventListener("touchmove", function (e) { if (e.touches.length > 1) e.preventDefault(); }, { passive: false });
    document.addEventListener("wheel", function (e) { if (e.ctrlKey) e.preventDefault(); }, { passive: false });
    document.addEventListener("keydown", function (e) {
      if ((e.ctrlKey || e.metaKey) && ["+", "-", "=", "0", "p", "s", "o", "u"].indexOf(e.key.toLowerCase()) >= 0) e.preventDefault();
      if (e.key === "F12" || e.key === "ContextMenu") e.preventDefault();
    });
  }

  /** Anything to reset: another screen than the first, English, or a scrolled list (never while issuing). */
  function resetNeeded() {
    if (state.screen === "issuing") return false;
    var scrolled = document.querySelector(".stage").scrollTop > 0 ||
      Array.prototype.some.call(document.querySelectorAll(".tiles"), function (g) { return g.scrollTop > 0; });
    return state.screen !== "home" || L.lang !== "vi" || scrolled;
  }

  // ------------------------------------------------------------ start
  var identify = new window.MotcuaIdentify({
    cfg: cfg, request: request, taps: taps, done: takeFor,
    show: function (name) { show(name, false); },
    screen: function () { return state.screen; },
    back: function () { show("confirm", false); }
  });
  var idle = new window.MotcuaIdle({ idleMs: cfg.idle_s * 1000, countdownS: COUNTDOWN_S, overlay: $("still-there"),
                                     count: $("still-count"), needed: resetNeeded, reset: home });
  window.motcuaKiosk = { state: state, taps: taps, idle: idle, icons: window.motcuaIcons, identify: identify };

  document.addEventListener("DOMContentLoaded", function () {
    lockDown();
    window.motcuaAuth.requireDevice();     // a kiosk that is not enrolled says so instead of failing on the first press
    document.querySelectorAll("[data-action=back]").forEach(function (b) { taps.on(b, back); });
    document.querySelectorAll("[data-action=home]").forEach(function (b) { taps.on(b, home); });
    taps.on($("take"), take);
    taps.on($("retry"), retry);
    identify.start();
    window.addEventListener("offline", function () { setOnline(false); });
    window.addEventListener("online", function () { schedulePing(0); });
    window.addEventListener("resize", function () { renderAll(); });
    L.onChange(function () { renderAll(); tick(); });
    renderHome();
    show("home", false);
    tick();
    setInterval(tick, 1000);
    idle.start();
    ping();
  });
})();
