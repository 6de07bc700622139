/* motcua – counter screen. State comes only from the office's event stream (snapshot + events), so every tab
 * of every counter shows the same thing; buttons and keypad keys call the same-origin /api endpoints.
 * The waiting list is this counter's, in the order "next" will call it (the server computes it with the office's
 * fairness rule and sends it again whenever it changes). Every action names the ticket and the version the screen
 * shows, so a double tap or a stale screen is refused instead of acting on the next citizen. */
(function () {
  "use strict";
  var L = window.motcuaLang;
  var cfg = JSON.parse(document.getElementById("config").textContent);
  var me = cfg.counter.id;
  var EVENTS = ["ticket.issued", "ticket.called", "ticket.recalled", "ticket.started", "ticket.completed",
                "ticket.skipped", "ticket.returned", "ticket.transferred", "ticket.cancelled", "ticket.expired",
                "counter.paused", "counter.resumed", "office.configured"];
  var REASONS = { priority: ["Ưu tiên", "Priority"], fairness: ["Lượt thường", "Normal turn"],
                  directed: ["Chuyển đến quầy", "Sent here"] };
  var state = { queue: null, skew: 0, busy: false, queued: null, source: null };
  var toastTimer = null;
  var hooks = { render: [], source: [] };      // the screen's other modules (fees.js) follow it through these

  function $(id) { return document.getElementById(id); }
  function h(tag, cls, text) { var el = document.createElement(tag); if (cls) el.className = cls; if (text != null) el.textContent = text; return el; }
  function t(vi, en) { return L.t(vi, en); }
  function now() { return Date.now() + state.skew; }
  function svc(code) { return cfg.services.filter(function (s) { return s.code === code; })[0] || { code: code, name: code, name_en: code }; }
  function svcName(code) { var s = svc(code); return t(s.name, s.name_en || s.name); }
  function counterName(c) { return L.lang === "en" ? c.name.replace(/^Quầy\b/, "Counter") : c.name; }
  function category(code) { return cfg.priority_categories.filter(function (c) { return c.code === code; })[0]; }
  function clock(ms) {
    var s = Math.max(0, Math.floor(ms / 1000)), m = Math.floor(s / 60);
    return (m < 10 ? "0" : "") + m + ":" + ("0" + (s % 60)).slice(-2);
  }

  // ------------------------------------------------------------ state from the stream
  function mine() { return state.queue && state.queue.counters.filter(function (c) { return c.id === me; })[0]; }
  function current() { var c = mine(); return c ? c.current : null; }
  function paused() { var c = mine(); return c ? !!c.paused : !!cfg.counter.paused; }
  function myWaiting() { return state.queue ? state.queue.order || [] : []; }

  var versions = {};          // ticket id -> the newest version seen: an older event changes nothing
  function fresh(tk) {
    if (tk.version == null) return true;
    if (versions[tk.id] != null && versions[tk.id] >= tk.version) return false;
    versions[tk.id] = tk.version;
    return true;
  }

  function applyTicket(tk) {
    var q = state.queue;
    if (!q || !tk || !fresh(tk)) return;
    q.order = (q.order || []).filter(function (x) { return x.id !== tk.id; });
    q.counters.forEach(function (c) { if (c.current && c.current.id === tk.id) c.current = null; });
    if ((tk.status === "called" || tk.status === "serving") && tk.counter) {
      q.counters.forEach(function (c) { if (c.id === tk.counter) c.current = tk; });
    }
  }
  function applyPaused(counter, value) {
    if (!state.queue) return;
    state.queue.counters.forEach(function (c) { if (c.id === counter) c.paused = value; });
  }

  // ------------------------------------------------------------ rendering
  function render() {
    var cur = current(), isPaused = paused();
    $("desk-badge").textContent = counterName(cfg.counter);
    $("desk-services").textContent = cfg.counter.services.map(svcName).join(" · ");
    var pill = $("counter-state");
    pill.className = "state-pill " + (isPaused ? "paused" : "open");
    pill.textContent = isPaused ? t("Tạm dừng", "Paused") : t("Đang mở", "Open");
    $("pause-label").textContent = isPaused ? t("Mở lại quầy", "Resume") : t("Tạm dừng", "Pause");

    var box = $("current");
    box.className = "card current" + (cur ? " has-ticket " + cur.status : "");
    $("cur-body").hidden = !cur;
    $("cur-empty").hidden = !!cur;
    $("cur-status").hidden = !cur;
    if (cur) {
      $("cur-number").textContent = cur.number;
      $("cur-service").textContent = svcName(cur.service);
      var badge = $("cur-status");
      badge.className = "status-badge " + cur.status;
      badge.textContent = cur.status === "serving" ? t("Đang phục vụ", "Serving") : t("Đã gọi – chờ công dân đến", "Called – waiting for the citizen");
      var cat = category(cur.priority);
      $("cur-priority").hidden = !cat;
      if (cat) $("cur-priority").textContent = t("Ưu tiên: " + cat.name, "Priority: " + cat.name_en);
      $("cur-recalls").hidden = !cur.recall_count;
      $("cur-recalls").textContent = t("Đã gọi lại " + cur.recall_count + " lần", "Recalled " + cur.recall_count + "×");
    } else {
      $("cur-empty").querySelector(".cur-empty-title").textContent = isPaused
        ? t("Quầy đang tạm dừng", "The counter is paused") : t("Quầy chưa có số nào", "No ticket at this counter");
    }
    window.motcuaCitizen.show(cur);     // citizen.js: the identified citizen's name and ID number
    tick();
    renderSide();
    renderButtons();
    hooks.render.forEach(function (fn) { fn(); });
  }

  function tick() {
    var cur = current();
    if (!cur) return;
    var serving = cur.status === "serving" && cur.started_at;
    var since = Date.parse(serving ? cur.started_at : cur.called_at);
    $("cur-timer").textContent = (serving ? t("Phục vụ ", "Serving ") : t("Đã gọi ", "Called ")) + clock(now() - since) +
      (serving ? "" : t(" trước", " ago"));
  }

  function renderSide() {
    var waiting = myWaiting();
    var counts = $("svc-counts");
    counts.textContent = "";
    var counted = {};
    (state.queue ? state.queue.services : []).forEach(function (s) { counted[s.code] = s; });
    cfg.counter.services.forEach(function (code) {
      var n = (counted[code] || {}).waiting || 0, prio = (counted[code] || {}).priority_waiting || 0;
      var row = h("div", "svc");
      row.dataset.service = code;
      var name = h("div");
      name.appendChild(h("div", "svc-name", svcName(code)));
      if (prio) name.appendChild(h("div", "svc-p", t(prio + " ưu tiên", prio + " priority")));
      row.appendChild(name);
      row.appendChild(h("div", "svc-n", String(n)));
      counts.appendChild(row);
    });
    var total = state.queue && state.queue.order_total != null ? state.queue.order_total : waiting.length;
    $("wl-count").textContent = "(" + total + ")";
    var ol = $("waiting-list"), canCall = !current() && !paused();
    ol.textContent = "";
    $("wl-empty").hidden = waiting.length > 0;
    waiting.forEach(function (tk) {
      var li = h("li"), b = h("button");
      b.type = "button";
      b.disabled = !canCall || state.busy;
      b.title = t("Gọi số này", "Call this number");
      b.dataset.ticket = tk.id;
      b.appendChild(h("span", "wl-num", tk.number));
      var info = h("span", "wl-svc", svcName(tk.service));
      if (tk.priority) { info.textContent = ""; info.appendChild(h("span", "wl-prio", t("Ưu tiên · ", "Priority · "))); info.appendChild(document.createTextNode(svcName(tk.service))); }
      b.appendChild(info);
      b.appendChild(h("span", "wl-age", clock(now() - Date.parse(tk.queued_at))));
      if (tk.reason && REASONS[tk.reason]) b.appendChild(h("span", "wl-why " + tk.reason, t(REASONS[tk.reason][0], REASONS[tk.reason][1])));
      b.addEventListener("click", function () { callChosen({ ticket_id: tk.id }); });
      li.appendChild(b);
      ol.appendChild(li);
    });
  }

  // ------------------------------------------------------------ actions
  var ACTIONS = {
    next: { keys: ["Enter", "+"], codes: ["NumpadEnter", "NumpadAdd"],
            when: function () { return !paused() && !current(); },
            why: function () { return paused() ? t("Quầy đang tạm dừng", "The counter is paused") : t("Hãy hoàn thành số hiện tại trước (phím 2) hoặc dùng “Hoàn thành & gọi tiếp” (phím 3)", "Complete the current ticket first (key 2) or use “Complete & call next” (key 3)"); },
            run: function () { return callNext(false); } },
    recall: { keys: ["0", "*"], codes: ["Numpad0", "NumpadMultiply"], when: status("called"),
              run: function () { return ticketAction("recall", t("Đã gọi lại số ", "Recalled ")); } },
    skip: { keys: ["-"], codes: ["NumpadSubtract"], when: status("called"),
            run: function () { return ticketAction("skip", t("Đã đánh dấu vắng mặt: ", "Marked as no-show: ")); } },
    start: { keys: ["1"], codes: ["Numpad1"], when: status("called"),
             run: function () { return ticketAction("start", t("Bắt đầu phục vụ số ", "Serving ")); } },
    complete: { keys: ["2"], codes: ["Numpad2"], when: status("called", "serving"),
                run: function () { return ticketAction("complete", t("Đã hoàn thành số ", "Completed ")); } },
    complete_next: { keys: ["3"], codes: ["Numpad3"], when: function () { return !paused(); },
                     run: function () { return callNext(true); } },
    transfer: { keys: ["4"], codes: ["Numpad4"], when: status("called", "serving"), run: openTransfer },
    call: { keys: ["5"], codes: ["Numpad5"], when: function () { return !paused() && !current(); }, run: openCall },
    pause: { keys: ["9"], codes: ["Numpad9"], when: function () { return true; }, run: togglePause }
  };
  function status() {
    var wanted = Array.prototype.slice.call(arguments);
    return function () { var c = current(); return !!c && wanted.indexOf(c.status) >= 0; };
  }

  function renderButtons() {
    document.querySelectorAll("[data-act]").forEach(function (b) {
      b.disabled = state.busy || !state.queue || !ACTIONS[b.dataset.act].when();
    });
  }

  function run(name, button) {
    var action = ACTIONS[name];
    if (state.busy) { state.queued = name; return; }     // a quick clerk: do it right after the current one
    if (!state.queue || !action.when()) {
      var reason = action.why ? action.why() : (current() ? t("Thao tác này không áp dụng cho số hiện tại", "This action does not apply to the current ticket")
                                                         : t("Chưa có số nào ở quầy", "There is no ticket at this counter"));
      toast(reason, "info");
      return;
    }
    if (button) { button.classList.remove("flash"); void button.offsetWidth; button.classList.add("flash"); }
    action.run();
  }

  function api(method, url, body) {
    state.busy = true;
    renderButtons();
    var ctrl = new AbortController(), timer = setTimeout(function () { ctrl.abort(); }, 10000);
    var init = { method: method, headers: { Accept: "application/json" }, signal: ctrl.signal, cache: "no-store" };
    if (body) { init.body = JSON.stringify(body); init.headers["Content-Type"] = "application/json"; }
    return window.motcuaAuth.fetch(url, init).then(function (res) {
      return res.json().catch(function () { return {}; }).then(function (data) { return { ok: res.ok, status: res.status, data: data }; });
    }, function () {
      setOnline(false);
      return { ok: false, status: 0, data: { error: { message: "Mất kết nối tới hệ thống – vui lòng thử lại", message_en: "Lost the connection – please try again" } } };
    }).then(function (res) {
      clearTimeout(timer);
      state.busy = false;
      if (state.queued) {
        var next = state.queued;
        state.queued = null;
        setTimeout(function () { run(next, document.querySelector("[data-act=" + next + "]")); }, 0);
      }
      if (!res.ok && res.data && res.data.error) {
        if (res.data.completed) applyTicket(res.data.completed);
        toast(t(res.data.error.message, res.data.error.message_en), res.data.error.code === "nobody_waiting" ? "info" : "error");
      }
      render();
      return res;
    });
  }

  function callNext(completeCurrent) {
    var cur = current();
    var body = completeCurrent && cur ? { complete: cur.id } : null;      // the ticket this screen shows, by id
    return api("POST", cfg.urls.counter + "/next", body).then(function (res) {
      if (!res.ok) return;
      if (res.data.completed) applyTicket(res.data.completed);
      applyTicket(res.data.ticket);
      render();
      toast(t("Đã gọi số ", "Called ") + res.data.ticket.number, "ok");
    });
  }

  function shown(cur) { return { counter: me, version: cur.version }; }   // what this screen shows

  function ticketAction(verb, message) {
    var cur = current();
    return api("POST", cfg.urls.tickets + "/" + cur.id + "/" + verb, shown(cur)).then(function (res) {
      if (!res.ok) return;
      applyTicket(res.data.ticket);
      render();
      toast(message + res.data.ticket.number, "ok");
    });
  }

  function callChosen(body) {
    if (current() || paused()) {
      toast(paused() ? t("Quầy đang tạm dừng", "The counter is paused") : t("Hãy hoàn thành số hiện tại trước", "Complete the current ticket first"), "info");
      return Promise.resolve();
    }
    return api("POST", cfg.urls.counter + "/call", body).then(function (res) {
      if (!res.ok) return res;
      applyTicket(res.data.ticket);
      render();
      toast(t("Đã gọi số ", "Called ") + res.data.ticket.number, "ok");
      return res;
    });
  }

  function togglePause() {
    var wasPaused = paused();
    return api("POST", cfg.urls.counter + (wasPaused ? "/resume" : "/pause")).then(function (res) {
      if (!res.ok) return;
      applyPaused(me, res.data.paused);
      render();
      toast(res.data.paused ? t("Quầy đã tạm dừng", "Counter paused") : t("Quầy đã mở lại", "Counter resumed"), "ok");
    });
  }

  // ------------------------------------------------------------ dialogs
  function option(title, sub, onClick, disabled) {
    var b = h("button", "opt");
    b.type = "button";
    b.appendChild(h("span", "", title));
    if (sub) b.appendChild(h("small", "", sub));
    b.disabled = !!disabled;
    b.addEventListener("click", onClick);
    return b;
  }

  function openTransfer() {
    var cur = current(), dlg = $("dlg-transfer");
    $("tr-number").textContent = cur.number;
    var services = $("tr-services"), counters = $("tr-counters");
    services.textContent = "";
    counters.textContent = "";
    cfg.services.forEach(function (s) {
      if (s.code === cur.service) return;
      services.appendChild(option(svcName(s.code), s.code, function () { transfer({ service: s.code }); }));
    });
    cfg.counters.forEach(function (c) {
      if (c.id === me) return;
      var serves = c.services.indexOf(cur.service) >= 0;
      counters.appendChild(option(counterName(c), serves ? c.services.map(svcName).join(", ")
        : t("Không phục vụ ", "Does not serve ") + svcName(cur.service), function () { transfer({ counter: c.id }); }, !serves));
    });
    dlg.showModal();
  }

  function transfer(body) {
    var cur = current();
    $("dlg-transfer").close();
    if (!cur) return;
    api("POST", cfg.urls.tickets + "/" + cur.id + "/transfer",
        Object.assign({ from_counter: me, version: cur.version }, body)).then(function (res) {
      if (!res.ok) return;
      applyTicket(res.data.ticket);
      render();
      var where = body.counter ? counterName(cfg.counters.filter(function (c) { return c.id === body.counter; })[0]) : svcName(body.service);
      toast(t("Đã chuyển số ", "Transferred ") + res.data.ticket.number + " → " + where, "ok");
    });
  }

  function openCall() {
    var dlg = $("dlg-call"), list = $("call-list");
    list.textContent = "";
    myWaiting().forEach(function (tk) {
      list.appendChild(option(tk.number, svcName(tk.service), function () { dlg.close(); callChosen({ ticket_id: tk.id }); }));
    });
    if (!list.children.length) list.appendChild(h("div", "wl-empty", t("Không có ai đang chờ", "Nobody is waiting")));
    $("call-number").value = "";
    dlg.showModal();
    $("call-number").focus();
  }

  function submitCall(e) {
    e.preventDefault();
    var typed = $("call-number").value.trim().toUpperCase();
    if (!typed) return;
    var body = { number: typed };
    if (/^\d+$/.test(typed)) {          // keypad: "15" means the waiting HT-015 when only one number matches
      var n = parseInt(typed, 10);
      var hits = myWaiting().filter(function (tk) { var m = /(\d+)$/.exec(tk.number); return m && parseInt(m[1], 10) === n; });
      if (hits.length === 1) body = { ticket_id: hits[0].id };
    }
    $("dlg-call").close();
    callChosen(body);
  }

  // ------------------------------------------------------------ keyboard
  function onKey(e) {
    if (e.ctrlKey || e.altKey || e.metaKey) return;
    if (document.querySelector("dialog[open]")) return;            // the dialog has the keyboard
    var tag = (e.target && e.target.tagName) || "";
    if (tag === "INPUT" || tag === "TEXTAREA" || tag === "SELECT") return;
    for (var name in ACTIONS) {
      var a = ACTIONS[name];
      if (a.keys.indexOf(e.key) >= 0 || a.codes.indexOf(e.code) >= 0) {
        e.preventDefault();
        e.stopPropagation();
        if (!e.repeat) run(name, document.querySelector("[data-act=" + name + "]"));
        return;
      }
    }
  }

  // ------------------------------------------------------------ toast, connection, clock
  function toast(text, kind) {
    if (!text) return;
    var el = $("toast");
    el.textContent = text;
    el.className = "toast " + (kind || "info");
    el.hidden = false;
    clearTimeout(toastTimer);
    toastTimer = setTimeout(function () { el.hidden = true; }, kind === "error" ? 7000 : 3500);
  }

  function setOnline(online) { $("offline").hidden = online; }

  function listen() {
    var es = state.source = new EventSource(cfg.urls.events + "?counter=" + encodeURIComponent(me));
    hooks.source.forEach(function (fn) { fn(es); });
    es.addEventListener("open", function () { setOnline(true); });
    es.addEventListener("error", function () {
      if (es.readyState === EventSource.OPEN) return;
      setOnline(false);
      if (es.readyState === EventSource.CLOSED) {
        // Refused (not a network cut, which EventSource retries by itself): a 401 sends the clerk to log in,
        // anything else is tried again shortly.
        window.motcuaAuth.fetch("/api/auth/me").then(function () {}, function () {}).then(function () {
          setTimeout(listen, 3000);
        });
      }
    });
    es.addEventListener("stale", function () { setOnline(false); });   // the server lost the system for now
    es.addEventListener("snapshot", function (e) {
      var q = JSON.parse(e.data);
      versions = {};
      state.queue = q;
      state.skew = Date.parse(q.at) - Date.now();
      setOnline(true);
      render();
    });
    es.addEventListener("order", function (e) {
      var o = JSON.parse(e.data);
      if (!state.queue) return;
      state.queue.order = o.order;
      state.queue.order_total = o.total;
      state.queue.services.forEach(function (s) { if (o.counts[s.code]) Object.assign(s, o.counts[s.code]); });
      render();
    });
    EVENTS.forEach(function (name) {
      es.addEventListener(name, function (e) {
        var ev = JSON.parse(e.data);
        if (name === "office.configured") { location.reload(); return; }
        if (name === "counter.paused" || name === "counter.resumed") applyPaused(ev.counter, name === "counter.paused");
        else applyTicket(ev.ticket);
        render();
      });
    });
  }

  function clockTick() {
    var opts = { hour: "2-digit", minute: "2-digit", second: "2-digit", hour12: false };
    try { opts.timeZone = cfg.timezone || undefined; $("clock-time").textContent = new Date(now()).toLocaleTimeString("vi-VN", opts); }
    catch (e) { $("clock-time").textContent = new Date(now()).toLocaleTimeString("vi-VN"); }
    tick();
    if (state.queue) document.querySelectorAll(".wl-age").forEach(function (el, i) {
      var tk = myWaiting()[i];
      if (tk) el.textContent = clock(now() - Date.parse(tk.queued_at));
    });
  }

  function logout() {
    window.motcuaAuth.fetch(cfg.urls.logout, { method: "POST" }).then(function () {}, function () {}).then(function () {
      location.assign("/login?next=" + encodeURIComponent(location.pathname));
    });
  }

  window.motcuaCounter = {
    config: cfg, current: current, now: now, toast: toast,
    onRender: function (fn) { hooks.render.push(fn); },
    onSource: function (fn) { hooks.source.push(fn); if (state.source) fn(state.source); }
  };

  document.addEventListener("DOMContentLoaded", function () {
    $("me-name").textContent = cfg.me.username;
    $("logout").addEventListener("click", logout);
    document.querySelectorAll("[data-act]").forEach(function (b) {
      b.addEventListener("click", function () { run(b.dataset.act, b); b.blur(); });
    });
    $("call-form").addEventListener("submit", submitCall);
    document.querySelectorAll("[data-close]").forEach(function (b) {
      b.addEventListener("click", function () { b.closest("dialog").close(); });
    });
    window.addEventListener("keydown", onKey, true);
    L.onChange(render);
    render();
    listen();
    clockTick();
    setInterval(clockTick, 1000);
  });
})();
