/* motcua – phone page: follows one ticket live (its own event stream, with polling as a safety net), shows who is
 * being served at each counter (the stream's `serving` map), and lets the citizen leave the queue (with a
 * confirmation) while the ticket waits or was missed. */
(function () {
  "use strict";
  var L = window.motcuaLang;
  var cfg = JSON.parse(document.getElementById("config").textContent);
  var FINAL = { done: true, cancelled: true, expired: true };
  var LEAVABLE = { waiting: true, no_show: true };
  var POLL_LIVE_MS = 30000, POLL_DEGRADED_MS = 3000;
  var ticket = cfg.ticket, updatedAt = new Date(), source = null, pollTimer = null, refreshTimer = null;
  var lastCallMark = callMark(ticket);

  function $(id) { return document.getElementById(id); }
  function t(vi, en) { return L.t(vi, en); }
  function callMark(tk) { return tk.status === "called" ? tk.called_at + "#" + tk.recall_count : null; }
  function counterName(id) {
    var name = cfg.counters[id] || ("Quầy " + id);
    return L.lang === "en" ? name.replace(/^Quầy\b/, "Counter") : name;
  }
  function waitText(seconds) {
    if (!seconds || seconds <= 0) return t("Sắp đến lượt", "Almost your turn");
    var m = Math.max(1, Math.ceil(seconds / 60));
    if (m < 60) return t("~" + m + " phút", "~" + m + " min");
    return t("~" + Math.floor(m / 60) + " giờ " + (m % 60) + " phút", "~" + Math.floor(m / 60) + " h " + (m % 60) + " min");
  }

  function timeOfDay(d) {
    var opts = { hour: "2-digit", minute: "2-digit", second: "2-digit", hour12: false };
    try { return d.toLocaleTimeString("vi-VN", Object.assign({ timeZone: cfg.timezone || undefined }, opts)); }
    catch (e) { return d.toLocaleTimeString("vi-VN", opts); }
  }

  function render() {
    var tk = ticket, s = cfg.services[tk.service] || { name: tk.service, name_en: tk.service };
    $("number").textContent = tk.number;
    $("service").textContent = t(s.name, s.name_en);
    var cat = tk.priority && cfg.priority_categories[tk.priority];
    $("priority").hidden = !cat;
    if (cat) $("priority").textContent = t("Ưu tiên: " + cat.name, "Priority: " + cat.name_en);
    var status = "", detail = "", where = tk.counter ? counterName(tk.counter) : "";
    switch (tk.status) {
      case "waiting":
        status = t("Đang chờ", "Waiting");
        detail = tk.for_counter ? t("Bạn sẽ được gọi tới ", "You will be called to ") + counterName(tk.for_counter)
               : (tk.waiting_ahead === 0 ? t("Bạn là người tiếp theo – vui lòng có mặt gần quầy.", "You are next – please stay near the counters.")
                                         : t("Vui lòng chú ý màn hình gọi số.", "Please watch the hall screen."));
        break;
      case "called":
        status = t("Đã gọi – mời đến ", "Called – please go to ") + (L.lang === "en" ? where : where.toLowerCase());
        detail = t("Mời công dân có số " + tk.number + " đến " + where + ".", "Number " + tk.number + ", please come to " + where + ".");
        break;
      case "serving": status = t("Đang phục vụ", "Being served"); detail = where; break;
      case "done": status = t("Đã xong", "Done"); detail = t("Cảm ơn bạn đã sử dụng dịch vụ.", "Thank you for your visit."); break;
      case "no_show":
        status = t("Vắng mặt", "Missed");
        detail = t("Bạn đã không có mặt khi được gọi. Vui lòng đến ngay quầy trong vòng " + Math.round(cfg.grace_s / 60) + " phút để được gọi lại.",
                   "You were not there when called. Go to the counter within " + Math.round(cfg.grace_s / 60) + " minutes to be called again.");
        break;
      case "cancelled": status = t("Đã hủy", "Cancelled"); detail = t("Phiếu này không còn hiệu lực.", "This ticket is no longer valid."); break;
      case "expired": status = t("Đã hết hạn", "Expired"); detail = t("Phiếu đã hết hạn khi văn phòng đóng cửa.", "The ticket expired when the office closed."); break;
      default: status = tk.status;
    }
    $("status").textContent = status;
    $("status-detail").textContent = detail;
    $("status-card").className = "card status-card s-" + tk.status;
    var waiting = tk.status === "waiting";
    $("facts").hidden = !waiting;
    if (waiting) {
      $("ahead").textContent = String(tk.waiting_ahead || 0);
      $("wait").textContent = waitText(tk.estimated_wait_s);
      $("wait").classList.toggle("words", !(tk.estimated_wait_s > 0));
    }
    document.title = (tk.status === "called" ? "🔔 " : "") + tk.number + " – " + status;
    renderServing();
    renderLeave();
    $("updated").textContent = t("Cập nhật lúc ", "Updated at ") + timeOfDay(updatedAt);
    document.dispatchEvent(new CustomEvent("motcua:ticket", { detail: tk }));   // phone_vote.js
  }

  function natural(a, b) { return String(a).localeCompare(String(b), undefined, { numeric: true }); }

  /** "Đang phục vụ / Now serving": each counter's current number, from the stream (never anyone's name). */
  function renderServing() {
    var serving = ticket.serving, card = $("serving-card");
    card.hidden = !serving || !!FINAL[ticket.status];
    if (card.hidden) return;
    var ids = cfg.counter_order.filter(function (id) { return id in serving; });
    Object.keys(serving).forEach(function (id) { if (ids.indexOf(id) < 0) ids.push(id); });
    ids.sort(natural);
    var list = $("serving");
    list.textContent = "";
    ids.forEach(function (id) {
      var number = serving[id], li = document.createElement("li");
      li.className = "serving-item" + (number ? "" : " is-idle") + (number && number === ticket.number ? " mine" : "");
      li.dataset.counter = id;
      var name = document.createElement("span");
      name.className = "s-counter";
      name.textContent = counterName(id);
      var value = document.createElement("span");
      value.className = "s-number";
      value.textContent = number || "—";
      li.appendChild(name);
      li.appendChild(value);
      if (number && number === ticket.number) {
        var you = document.createElement("span");
        you.className = "s-you";
        you.textContent = t("Bạn", "You");
        li.appendChild(you);
      }
      list.appendChild(li);
    });
  }

  // ------------------------------------------------------------ leaving the queue, after a confirmation
  var leaving = false;
  function renderLeave() {
    var can = !!LEAVABLE[ticket.status];
    $("leave-card").hidden = !can && $("leave-error").hidden;
    $("leave").hidden = !can || !$("leave-confirm").hidden;
    if (!can) $("leave-confirm").hidden = true;
    $("leave-question").textContent = t("Bạn có chắc muốn rời hàng chờ? Số " + ticket.number +
      " sẽ bị hủy và không dùng lại được.", "Do you really want to leave the queue? Number " + ticket.number +
      " will be cancelled and cannot be used again.");
  }
  function askLeave(open) {
    $("leave-confirm").hidden = !open;
    $("leave-error").hidden = true;
    renderLeave();
    if (open) $("leave-no").focus();
  }
  function leave() {
    if (leaving) return;
    leaving = true;
    $("leave-yes").disabled = $("leave-no").disabled = true;
    fetch(cfg.urls.cancel, { method: "POST", cache: "no-store", credentials: "omit", body: "{}",
                             headers: { "Content-Type": "application/json", Accept: "application/json" } })
      .then(function (res) {
        return res.json().catch(function () { return {}; }).then(function (data) {
          if (res.ok && data.ticket) { $("leave-confirm").hidden = true; update(data.ticket); return; }
          var err = data.error || {};
          fail(t(err.message || "Không rời hàng chờ được.", err.message_en || "Could not leave the queue."));
          refreshSoon(100);
        });
      }, function () { fail(t("Mất kết nối – vui lòng thử lại.", "Connection lost – please try again.")); })
      .then(function () { leaving = false; $("leave-yes").disabled = $("leave-no").disabled = false; });
  }
  function fail(text) {
    $("leave-error").textContent = text;
    $("leave-error").hidden = false;
    $("leave-confirm").hidden = true;
    renderLeave();
  }

  function alertCalled() {
    try { if (navigator.vibrate) navigator.vibrate([300, 150, 300, 150, 300]); } catch (e) { /* not supported */ }
    try {
      var Ctx = window.AudioContext || window.webkitAudioContext, ctx = new Ctx();
      [0, 0.35].forEach(function (at, i) {
        var o = ctx.createOscillator(), g = ctx.createGain();
        o.frequency.value = i ? 660 : 880;
        g.gain.setValueAtTime(0.0001, ctx.currentTime + at);
        g.gain.exponentialRampToValueAtTime(0.3, ctx.currentTime + at + 0.02);
        g.gain.exponentialRampToValueAtTime(0.0001, ctx.currentTime + at + 0.3);
        o.connect(g); g.connect(ctx.destination); o.start(ctx.currentTime + at); o.stop(ctx.currentTime + at + 0.32);
      });
    } catch (e) { /* no audio: the screen still shows the call */ }
  }

  function update(next) {
    ticket = Object.assign({}, ticket, next);
    updatedAt = new Date();
    var mark = callMark(ticket);
    if (mark && mark !== lastCallMark) alertCalled();
    lastCallMark = mark;
    render();
    if (FINAL[ticket.status]) stop();
  }

  function setOnline(online) { $("offline").hidden = online; }

  function refresh() {
    clearTimeout(refreshTimer);
    var ctrl = new AbortController(), timer = setTimeout(function () { ctrl.abort(); }, 8000);
    return fetch(cfg.urls.ticket, { cache: "no-store", signal: ctrl.signal, headers: { Accept: "application/json" } })
      .then(function (res) {
        if (!res.ok) throw new Error("HTTP " + res.status);
        return res.json();
      })
      .then(function (data) { setOnline(true); update(data); }, function () { setOnline(false); })
      .finally(function () { clearTimeout(timer); });
  }
  function refreshSoon(ms) { clearTimeout(refreshTimer); refreshTimer = setTimeout(refresh, ms); }

  function poll() {
    clearTimeout(pollTimer);
    if (FINAL[ticket.status]) return;
    var live = source && source.readyState === EventSource.OPEN;
    pollTimer = setTimeout(function () { refresh().then(poll); }, live ? POLL_LIVE_MS : POLL_DEGRADED_MS);
  }

  function listen() {
    if (!window.EventSource) return;
    source = new EventSource(cfg.urls.events);
    source.addEventListener("open", function () { setOnline(true); });
    source.addEventListener("stale", function () { setOnline(false); });
    source.addEventListener("ticket", function (e) {
      try { setOnline(true); update(JSON.parse(e.data)); } catch (err) { refreshSoon(100); }
    });
    source.addEventListener("error", function () { if (source && source.readyState !== EventSource.OPEN) { setOnline(false); poll(); } });
  }

  function stop() {
    if (source) { source.close(); source = null; }
    clearTimeout(pollTimer);
  }

  document.addEventListener("DOMContentLoaded", function () {
    L.onChange(render);
    $("leave").addEventListener("click", function () { askLeave(true); });
    $("leave-no").addEventListener("click", function () { askLeave(false); });
    $("leave-yes").addEventListener("click", leave);
    render();
    if (FINAL[ticket.status]) return;
    listen();
    poll();
  });
})();
