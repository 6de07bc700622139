/* motcua – kiosk: field → procedure → confirm → number. Survives network drops: every press carries one
 * Idempotency-Key, retried until the system answers, so a retry never issues a second ticket. */
(function () {
  "use strict";
  var L = window.motcuaLang;
  var cfg = JSON.parse(document.getElementById("config").textContent);
  var RETRY_MS = 2000, GIVE_UP_MS = (cfg.retry_s || 30) * 1000, REQUEST_TIMEOUT_MS = 8000;
  var PING_ONLINE_MS = 10000, PING_OFFLINE_MS = 3000, RELOAD_AFTER_MS = 6 * 3600 * 1000;
  var STEP = { fields: 1, services: 2, confirm: 3, issuing: 3, failed: 3, ticket: 4 };
  var loadedAt = Date.now();

  var state = {
    screen: "fields", field: null, service: null, priority: null,
    pending: null,          // the press being issued: {key, service, priority, retryable}
    ticket: null, waiting: {}, online: true, lastActivity: Date.now()
  };

  function $(id) { return document.getElementById(id); }
  function h(tag, cls, text) {
    var el = document.createElement(tag);
    if (cls) el.className = cls;
    if (text !== undefined && text !== null) el.textContent = text;
    return el;
  }
  function t(vi, en) { return L.t(vi, en); }

  // ------------------------------------------------------------ data
  function fields() {
    var list = [], byName = {};
    cfg.services.forEach(function (s) {
      var name = s.field || s.name;
      if (!byName[name]) { byName[name] = { name: name, services: [] }; list.push(byName[name]); }
      byName[name].services.push(s);
    });
    list.forEach(function (f) {
      var same = f.services.filter(function (s) { return s.name === f.name && s.name_en; })[0];
      f.name_en = same ? same.name_en : f.name;
    });
    return list;
  }
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
  function serviceName(s) { return t(s.name, s.name_en || s.name); }
  function localTime(iso) {
    var d = iso ? new Date(iso) : new Date();
    var opts = { hour: "2-digit", minute: "2-digit", day: "2-digit", month: "2-digit", year: "numeric", hour12: false };
    try { opts.timeZone = cfg.timezone; return d.toLocaleString("vi-VN", opts); }
    catch (e) { delete opts.timeZone; return d.toLocaleString("vi-VN", opts); }
  }

  // ------------------------------------------------------------ screens
  function show(name) {
    state.screen = name;
    document.querySelectorAll(".screen").forEach(function (s) { s.hidden = s.dataset.screen !== name; });
    var step = STEP[name];
    document.querySelectorAll("#steps li").forEach(function (li) {
      var n = Number(li.dataset.step);
      li.classList.toggle("done", n < step || (name === "ticket" && n === step));
      li.classList.toggle("current", n === step && name !== "ticket");
    });
    window.scrollTo(0, 0);
  }

  function tile(icon, iconClass, title, sub, badge) {
    var b = h("button", "tile");
    b.type = "button";
    b.appendChild(h("span", "tile-icon " + iconClass, icon));
    var text = h("span", "tile-text");
    text.appendChild(h("span", "tile-name", title));
    if (sub) text.appendChild(h("span", "tile-sub", sub));
    if (badge) { var row = h("span", "tile-badges"); row.appendChild(h("span", "waiting-badge", badge)); text.appendChild(row); }
    b.appendChild(text);
    b.appendChild(h("span", "tile-arrow", "›"));
    return b;
  }
  function other(vi, en) { var o = L.lang === "en" ? vi : en; return o && o !== (L.lang === "en" ? en : vi) ? o : ""; }

  function renderFields() {
    var box = $("fields");
    box.textContent = "";
    fields().forEach(function (f, i) {
      var count = f.services.length;
      var parts = [other(f.name, f.name_en), count > 1 ? t(count + " thủ tục", count + " procedures") : ""];
      var sub = parts.filter(Boolean).join(" · ");
      var b = tile(initials(f.name), "c" + (i % 8), t(f.name, f.name_en), sub, peopleText(waitingFor(f.services)));
      b.dataset.field = f.name;
      b.addEventListener("click", function () { chooseField(f, i); });
      box.appendChild(b);
    });
  }

  function renderServices() {
    var f = state.field, box = $("services");
    if (!f) return;
    $("field-name").textContent = t(f.name, f.name_en);
    box.textContent = "";
    f.services.forEach(function (s) {
      var b = tile(s.code, "c" + (f.index % 8), serviceName(s), other(s.name, s.name_en),
                   peopleText(state.waiting[s.code] || 0));
      b.dataset.service = s.code;
      b.addEventListener("click", function () { chooseService(s); });
      box.appendChild(b);
    });
  }

  function renderConfirm() {
    var s = state.service;
    if (!s) return;
    $("chosen-name").textContent = serviceName(s);
    $("chosen-sub").textContent = t("Lĩnh vực: ", "Field: ") + t(state.field.name, state.field.name_en) +
      " · " + peopleText(state.waiting[s.code] || 0);
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
      b.appendChild(h("span", "", t(c.name, c.name_en)));
      b.addEventListener("click", function () { state.priority = c.code; renderConfirm(); });
      box.appendChild(b);
    });
  }

  function renderTicket() {
    var tk = state.ticket;
    if (!tk) return;
    var s = cfg.services.filter(function (x) { return x.code === tk.service; })[0] || { name: tk.service_name || tk.service };
    $("t-number").textContent = tk.number;
    $("t-service").textContent = serviceName(s);
    var cat = cfg.priority_categories.filter(function (c) { return c.code === tk.priority; })[0];
    $("t-priority").hidden = !cat;
    if (cat) $("t-priority").textContent = t("Ưu tiên: ", "Priority: ") + t(cat.name, cat.name_en);
    $("t-ahead").textContent = String(tk.waiting_ahead || 0);
    $("t-wait").textContent = waitText(tk.estimated_wait_s);
  }

  function renderAll() { renderFields(); renderServices(); renderConfirm(); renderTicket(); }

  // ------------------------------------------------------------ flow
  function chooseField(f, index) {
    f.index = index;
    state.field = f;
    renderServices();
    show("services");
  }
  function chooseService(s) {
    state.service = s;
    state.priority = null;
    renderConfirm();
    show("confirm");
  }
  function back() {
    if (state.screen === "confirm") show("services");
    else home();
  }
  function home() {
    state.field = state.service = state.priority = state.pending = state.ticket = null;
    if (L.lang !== "vi") L.set("vi");     // the next citizen starts in Vietnamese
    renderFields();
    show("fields");
    if (state.online && Date.now() - loadedAt > RELOAD_AFTER_MS) location.reload();  // pick up new settings
  }

  function newKey() {
    var bytes = new Uint8Array(16);
    crypto.getRandomValues(bytes);
    return "kiosk-" + cfg.office + "-" + Array.prototype.map.call(bytes, function (b) {
      return ("0" + b.toString(16)).slice(-2);
    }).join("");
  }

  function request(method, url, body, headers) {
    var ctrl = new AbortController();
    var timer = setTimeout(function () { ctrl.abort(); }, REQUEST_TIMEOUT_MS);
    var init = { method: method, headers: Object.assign({ "Accept": "application/json" }, headers || {}),
                 signal: ctrl.signal, cache: "no-store" };
    if (body !== undefined) { init.body = JSON.stringify(body); init.headers["Content-Type"] = "application/json"; }
    return fetch(url, init).then(function (res) {
      return res.json().catch(function () { return {}; }).then(function (data) {
        return { ok: res.ok, status: res.status, data: data, error: data && data.error };
      });
    }, function () {
      return { ok: false, status: 0, data: null, error: null };
    }).finally(function () { clearTimeout(timer); });
  }

  function retryable(status) { return status === 0 || status === 408 || status === 429 || status >= 500; }

  function take() {
    if (state.pending) return;                 // one press, one request
    state.pending = { key: newKey(), service: state.service, priority: state.priority, since: Date.now() };
    issue();
  }

  function issue() {
    var p = state.pending;
    if (!p) return;
    p.since = Date.now();
    $("issuing-note").textContent = t("Vui lòng chờ trong giây lát", "Please wait a moment");
    show("issuing");
    (function attempt() {
      if (state.pending !== p) return;
      request("POST", cfg.urls.issue, { service: p.service.code, priority: p.priority }, { "Idempotency-Key": p.key })
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
    show("failed");
  }

  function retry() {
    if (state.pending && state.pending.retryable) issue();   // same press, same key: never two tickets
    else home();
  }

  function issued(ticket) {
    state.pending = null;
    state.ticket = ticket;
    renderTicket();
    show("ticket");
    printTicket(ticket);
  }

  // ------------------------------------------------------------ printing
  var pageRule = -1;
  function fitPage() {
    // A roll has no page length: make the page exactly as long as the ticket, so the printer cuts right after it.
    var el = $("print-ticket"), sheet = document.querySelector("link[href*='kiosk.css']").sheet;
    var mm = Math.ceil(el.getBoundingClientRect().height * 25.4 / 96) + 2;
    try {
      if (pageRule >= 0) sheet.deleteRule(pageRule);
      pageRule = sheet.insertRule("@page { size: 80mm " + mm + "mm; margin: 0; }", sheet.cssRules.length);
    } catch (e) { /* the stylesheet's 80 × 150 mm page still works */ }
    return mm;
  }
  window.motcuaKioskFitPage = fitPage;

  function printTicket(tk) {
    var qr = cfg.urls.qr.replace("TICKET_ID", tk.id);
    var s = cfg.services.filter(function (x) { return x.code === tk.service; })[0] || { name: tk.service_name };
    var cat = cfg.priority_categories.filter(function (c) { return c.code === tk.priority; })[0];
    $("t-qr").src = qr;
    $("pt-number").textContent = tk.number;
    $("pt-service").textContent = s.name;
    $("pt-priority").textContent = cat ? "Ưu tiên: " + cat.name : "";
    $("pt-time").textContent = localTime(tk.issued_at);
    $("pt-ahead").textContent = String(tk.waiting_ahead || 0);
    var m = tk.estimated_wait_s > 0 ? Math.max(1, Math.ceil(tk.estimated_wait_s / 60)) : 0;
    $("pt-wait").textContent = m ? "khoảng " + m + " phút" : "sắp đến lượt";
    var status = $("t-print");
    status.classList.remove("bad");
    status.textContent = "";
    var img = $("pt-qr");
    if (cfg.print_mode === "server") {
      status.textContent = t("Đang in phiếu…", "Printing your ticket…");
      request("POST", cfg.urls.print.replace("TICKET_ID", tk.id)).then(function (res) {
        if (state.ticket !== tk) return;
        if (res.ok) { status.textContent = t("Vui lòng nhận phiếu ở khe bên dưới.", "Please take your ticket below."); return; }
        status.classList.add("bad");
        status.textContent = t("Không in được phiếu – vui lòng ghi nhớ số hoặc quét mã QR.",
                               "The ticket could not be printed – remember your number or scan the QR code.");
      });
    } else if (cfg.print_mode === "browser") {
      var printed = false;
      var go = function () {
        if (printed || state.ticket !== tk) return;
        printed = true;
        status.textContent = t("Vui lòng nhận phiếu ở khe bên dưới.", "Please take your ticket below.");
        fitPage();
        window.print();
      };
      img.onload = go;
      img.onerror = go;
      setTimeout(go, 1500);
      img.src = qr;
    } else {
      img.src = qr;
    }
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
        if (state.screen === "fields") renderFields();
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
    var idle = Date.now() - state.lastActivity > cfg.idle_s * 1000;
    if (idle && state.screen !== "fields" && state.screen !== "issuing") home();
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
    ["pointerdown", "keydown", "touchstart"].forEach(function (ev) {
      document.addEventListener(ev, function () { state.lastActivity = Date.now(); }, { passive: true, capture: true });
    });
  }

  // ------------------------------------------------------------ start
  document.addEventListener("DOMContentLoaded", function () {
    lockDown();
    document.querySelectorAll("[data-action=back]").forEach(function (b) { b.addEventListener("click", back); });
    document.querySelectorAll("[data-action=home]").forEach(function (b) { b.addEventListener("click", home); });
    $("take").addEventListener("click", take);
    $("retry").addEventListener("click", retry);
    window.addEventListener("offline", function () { setOnline(false); });
    window.addEventListener("online", function () { schedulePing(0); });
    L.onChange(function () { renderAll(); tick(); });
    renderFields();
    show("fields");
    tick();
    setInterval(tick, 1000);
    ping();
  });
})();
