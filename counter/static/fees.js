/* motcua – fees at the counter: "Thu phí / Ask a fee" for the ticket being served (key 6), its VietQR code, the
 * countdown to its deadline, cancelling it, printing its slip, and its receipt once the bank has reported the
 * transfer. Everything it shows comes from the counter's stream (counter.js: motcuaCounter): a `fees` event after
 * each snapshot (the fees of the ticket at the counter) and the office's fee.* and payment.* events, so a payment
 * turns the dialog to "paid" by itself. Only while the stream says it is stale does it ask for the fee it shows,
 * every POLL_MS. A double tap cannot ask twice: the form's Idempotency-Key stays the same until the form changes,
 * the button is off while a request is out, and the server keeps one pending fee per ticket (409 with that fee). */
(function () {
  "use strict";
  var C = window.motcuaCounter, L = window.motcuaLang, cfg = C.config, F = cfg.fees, me = cfg.counter.id;
  var FEE_EVENTS = ["fee.created", "fee.paid", "fee.cancelled", "fee.expired"];
  var RANK = { pending: 0, expired: 1, cancelled: 2, paid: 2 };    // a fee only moves forward
  var STATES = { pending: ["Chờ thanh toán", "Awaiting payment"], paid: ["Đã thanh toán", "Paid"],
                 cancelled: ["Đã huỷ", "Cancelled"], expired: ["Hết hạn", "Expired"] };
  var POLL_MS = 10000;
  var fees = {}, ticketOf = {}, alerts = {};     // by fee id: the newest view, its ticket, transfers to look at
  var s = { shown: null, ticket: null, key: null, busy: false, stale: false, poll: null, confirm: null, qrFor: null };

  function $(id) { return document.getElementById(id); }
  function t(vi, en) { return L.t(vi, en); }
  function h(tag, cls, text) { var el = document.createElement(tag); if (cls) el.className = cls; if (text != null) el.textContent = text; return el; }
  function vnd(n) { return String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ".") + " đ"; }
  function url(name, id) { return F.urls[name].replace("FEE", id).replace("TICKET", id); }
  function newKey() {
    var b = new Uint8Array(16);
    window.crypto.getRandomValues(b);
    return "fee-" + Array.prototype.map.call(b, function (x) { return ("0" + x.toString(16)).slice(-2); }).join("");
  }
  function bankName(bank) { return F.banks[bank.bin] || "BIN " + bank.bin; }
  function clock(ms) { var sec = Math.max(0, Math.floor(ms / 1000)); return Math.floor(sec / 60) + ":" + ("0" + sec % 60).slice(-2); }
  function status(fee) {     // a pending fee past its deadline reads as expired before the server says so
    return fee.status === "pending" && Date.parse(fee.expires_at) < C.now() ? "expired" : fee.status;
  }

  // ------------------------------------------------------------ what is known
  function keep(fee, ticket) {
    var old = fees[fee.id];
    if (ticket) ticketOf[fee.id] = ticket;
    if (!old || RANK[fee.status] >= RANK[old.status]) fees[fee.id] = fee;
    return fees[fee.id];
  }
  function latest(ticket) {
    var mine = Object.keys(fees).filter(function (id) { return ticketOf[id] === ticket; }).map(function (id) { return fees[id]; });
    mine.sort(function (a, b) { return Date.parse(b.created_at) - Date.parse(a.created_at); });
    return mine[0] || null;
  }
  function serving() { var c = C.current(); return c && (c.status === "called" || c.status === "serving") ? c : null; }

  // ------------------------------------------------------------ the slot in the current ticket's card
  function renderSlot() {          // the button and the chip stay the same elements (a click is never lost)
    var cur = serving(), fee = cur && latest(cur.id), st = fee && status(fee);
    $("fee-slot").hidden = !cur;
    if (!cur) return;
    $("fee-open-label").textContent = st === "pending" ? t("Phí đang chờ", "Fee waiting") : t("Thu phí", "Ask a fee");
    var chip = $("fee-chip");
    chip.hidden = !fee;
    if (!fee) return;
    var attention = (alerts[fee.id] || []).length > 0;
    var text = t(STATES[st][0], STATES[st][1]) + " · " + vnd(fee.amount);
    if (st === "pending") text += " · " + clock(Date.parse(fee.expires_at) - C.now());
    chip.textContent = text + (attention ? " · " + t("Cần xử lý", "Needs attention") : "");
    chip.className = "fee-chip " + st + (attention ? " alert" : "");
  }

  function buildSlot() {
    var slot = $("fee-slot"), open = h("button", "fee-open");
    open.type = "button";
    open.id = "fee-open";
    open.appendChild(h("span", "", "")).id = "fee-open-label";
    open.appendChild(h("kbd", "", "6"));
    open.addEventListener("click", function () { openDialog(); open.blur(); });
    slot.appendChild(open);
    slot.appendChild(h("div", "fee-chip", "")).id = "fee-chip";
  }

  // ------------------------------------------------------------ the dialog
  function openDialog() {
    var cur = serving(), dlg = $("dlg-fee");
    if (!cur) { C.toast(t("Chưa có công dân nào đang được phục vụ", "Nobody is being served"), "info"); return; }
    $("fee-number").textContent = cur.number;
    var fee = latest(cur.id);
    var open = fee && (status(fee) === "pending" || status(fee) === "paid" || (alerts[fee.id] || []).length);
    if (open) show(fee.id); else showForm(cur);
    if (!dlg.open) dlg.showModal();
    if (!s.shown) $("fee-amount").focus();
  }

  function showForm(cur) {
    var proc = F.procedures[cur.procedure] || null;
    s.shown = null;
    s.ticket = cur.id;             // the citizen this form is for: another one called meanwhile is not charged
    s.key = newKey();
    $("fee-view").hidden = true;
    $("fee-form").hidden = false;
    $("fee-amount").value = proc && proc.fee ? vnd(proc.fee).replace(" đ", "") : "";
    $("fee-desc").value = proc ? "Lệ phí " + (/^.[a-zà-ỹđ]/.test(proc.name) ? proc.name.charAt(0).toLowerCase() + proc.name.slice(1) : proc.name) : "";
    $("fee-limits").textContent = t("Từ ", "From ") + vnd(F.min) + t(" đến ", " to ") + vnd(F.max);
    formError(null);
    renderForm();
  }

  function formError(text, field) {
    $("fee-error").hidden = !text;
    $("fee-error").textContent = text || "";
    ["fee-amount", "fee-desc"].forEach(function (id) { $(id).setAttribute("aria-invalid", String(id === field)); });
  }
  function renderForm() { $("fee-submit").disabled = s.busy; $("fee-submit").classList.toggle("busy", s.busy); }

  function amountOf(text) {
    var raw = text.replace(/[.\s,]/g, "").replace(/đ$/i, "");
    if (!raw) return { error: t("Nhập số tiền cần thu", "Type the amount to collect") };
    if (!/^\d+$/.test(raw)) return { error: t("Số tiền chỉ gồm chữ số (ví dụ 50.000)", "The amount takes digits only (e.g. 50.000)") };
    var n = parseInt(raw, 10);
    if (n < F.min) return { error: t("Số tiền tối thiểu là ", "The smallest amount is ") + vnd(F.min) };
    if (n > F.max) return { error: t("Số tiền tối đa là ", "The largest amount is ") + vnd(F.max) };
    return { amount: n };
  }

  function regroup() {            // 50000 → 50.000 as the clerk types, the caret after the same digit
    var el = $("fee-amount"), before = el.value.slice(0, el.selectionStart).replace(/\D/g, "").length;
    var digits = el.value.replace(/\D/g, "").replace(/^0+(?=\d)/, "");
    if (el.value.replace(/[\d.]/g, "")) { s.key = newKey(); return; }        // letters: left for the check to name
    el.value = digits.replace(/\B(?=(\d{3})+(?!\d))/g, ".");
    var pos = 0, seen = 0;
    while (pos < el.value.length && seen < before) { if (/\d/.test(el.value[pos])) seen += 1; pos += 1; }
    el.setSelectionRange(pos, pos);
    s.key = newKey();             // another amount is another fee, not a retry of the last one
    formError(null);
  }

  function submit(e) {
    e.preventDefault();
    var cur = serving();
    if (s.busy) return;
    if (!cur || cur.id !== s.ticket) {
      formError(t("Công dân đang được phục vụ đã thay đổi – hãy mở lại hộp thu phí", "The citizen being served has changed – open the fee dialog again"));
      return;
    }
    var amount = amountOf($("fee-amount").value), description = $("fee-desc").value.replace(/\s+/g, " ").trim();
    if (amount.error) { formError(amount.error, "fee-amount"); $("fee-amount").focus(); return; }
    if (!description) {
      formError(t("Nhập nội dung khoản phí (ví dụ: Lệ phí chứng thực)", "Type what the fee is for (e.g. Lệ phí chứng thực)"), "fee-desc");
      $("fee-desc").focus();
      return;
    }
    s.busy = true;
    renderForm();
    request("POST", url("create", cur.id), { amount: amount.amount, description: description }, { "Idempotency-Key": s.key })
      .then(function (res) {
        s.busy = false;
        renderForm();
        var pending = res.data && res.data.error && res.data.error.details && res.data.error.details.fee;
        if (res.ok || pending) {
          var fee = keep(res.ok ? res.data : pending, cur.id);
          if (pending) C.toast(t(res.data.error.message, res.data.error.message_en), "info");
          show(fee.id);
        } else {
          formError(res.data && res.data.error ? t(res.data.error.message, res.data.error.message_en)
            : t("Mất kết nối – bấm lại để thử lại (không tạo trùng)", "Connection lost – press again to retry (no duplicate)"));
        }
      });
  }

  function request(method, address, body, headers) {
    var init = { method: method, headers: Object.assign({ Accept: "application/json" }, headers || {}), cache: "no-store" };
    if (body) { init.body = JSON.stringify(body); init.headers["Content-Type"] = "application/json"; }
    return window.motcuaAuth.fetch(address, init).then(function (r) {
      return r.json().catch(function () { return {}; }).then(function (data) { return { ok: r.ok, status: r.status, data: data }; });
    }, function () { return { ok: false, status: 0, data: null }; });
  }

  function show(id) {
    s.shown = id;
    s.confirm = null;
    $("fee-form").hidden = true;
    $("fee-view").hidden = false;
    $("fee-print-status").textContent = "";
    renderView();
  }

  function renderView() {
    var fee = s.shown && fees[s.shown];
    if (!fee || $("fee-view").hidden) return;
    var st = status(fee), tz = cfg.timezone, bank = fee.bank || {};
    $("fee-view").className = "fee-view " + st;
    $("fee-state").textContent = t(STATES[st][0], STATES[st][1]);
    $("fee-big").textContent = vnd(fee.amount);
    $("fee-what").textContent = fee.description;
    $("fee-ref").textContent = fee.reference;
    var when = { pending: [["Còn hạn", "Time left"], clock(Date.parse(fee.expires_at) - C.now())],
                 paid: [["Thanh toán lúc", "Paid at"], fee.paid_at], cancelled: [["Huỷ lúc", "Cancelled at"], fee.cancelled_at],
                 expired: [["Hết hạn lúc", "Expired at"], fee.expires_at] }[st];
    $("fee-when-label").textContent = t(when[0][0], when[0][1]);
    $("fee-when").textContent = st === "pending" ? when[1] : window.motcuaSlip.localTime(when[1], tz);
    $("fee-account").textContent = bankName(bank) + " · " + bank.account + " · " + bank.name;
    var qr = $("fee-qr");
    qr.hidden = st !== "pending";
    if (st === "pending" && s.qrFor !== fee.id) { qr.src = fee.qr_svg; s.qrFor = fee.id; }
    $("fee-qr-done").hidden = st === "pending";
    $("fee-qr-done").textContent = st === "paid" ? "✓" : "✕";
    renderAlert(fee, st);
    var receipt = st === "paid" && fee.receipt;
    $("fee-receipt").hidden = !receipt;
    if (receipt) {
      $("fee-receipt-no").textContent = receipt.label;
      $("fee-receipt-html").href = receipt.html;
      $("fee-receipt-pdf").href = receipt.pdf;
    }
    $("fee-print").hidden = st !== "pending";
    $("fee-cancel").hidden = st !== "pending";
    $("fee-cancel").textContent = s.confirm ? t("Bấm lần nữa để huỷ", "Press again to cancel") : t("Huỷ khoản phí", "Cancel the fee");
    $("fee-cancel").classList.toggle("confirm", !!s.confirm);
    $("fee-another").hidden = st === "pending";
    $("fee-pay-link").href = F.urls.pay;
  }

  function renderAlert(fee, st) {
    var lines = (alerts[fee.id] || []).map(function (x) {
      return (x.amount ? t("Chuyển khoản ", "A transfer of ") + vnd(x.amount) + ": " : "") + t(x.message, x.message_en) +
        t(" – cần xử lý ở mục đối soát", " – to settle in the reconciliation");
    });
    if (st === "paid" && fee.paid_at && Date.parse(fee.paid_at) > Date.parse(fee.expires_at)) {
      lines.unshift(t("Tiền đến sau hạn của mã QR và đã được ghi cho khoản phí này", "The money came after the QR code's deadline and was applied to this fee"));
    }
    $("fee-alert").hidden = !lines.length;
    $("fee-alert").textContent = lines.join("\n");
  }

  function cancel() {
    var fee = fees[s.shown];
    if (!fee || s.busy) return;
    if (!s.confirm) {                  // one tap asks, the second cancels
      s.confirm = setTimeout(function () { s.confirm = null; renderView(); }, 4000);
      renderView();
      return;
    }
    clearTimeout(s.confirm);
    s.confirm = null;
    s.busy = true;
    request("POST", url("cancel", fee.id), { reason: "Huỷ tại quầy" }).then(function (res) {
      s.busy = false;
      if (res.ok) { keep(res.data); C.toast(t("Đã huỷ khoản phí ", "Cancelled fee ") + res.data.reference, "ok"); }
      else C.toast(res.data && res.data.error ? t(res.data.error.message, res.data.error.message_en) : t("Mất kết nối", "Connection lost"), "error");
      renderAll();
    });
  }

  // ------------------------------------------------------------ printing
  function printSlip() {
    var fee = fees[s.shown], note = $("fee-print-status");
    if (!fee) return;
    if (F.print === "server") {
      note.textContent = t("Đang in phiếu…", "Printing…");
      request("POST", url("print", fee.id)).then(function (res) {
        note.textContent = res.ok ? t("Đã in phiếu QR", "The QR slip was printed")
          : (res.data && res.data.error ? t(res.data.error.message, res.data.error.message_en) : t("Mất kết nối", "Connection lost"));
      });
      return;
    }
    var bank = fee.bank || {};
    $("fs-what").textContent = fee.description;
    $("fs-amount").textContent = vnd(fee.amount);
    $("fs-ref").textContent = fee.reference;
    $("fs-bank").textContent = bankName(bank);
    $("fs-account").textContent = bank.account;
    $("fs-holder").textContent = bank.name;
    $("fs-ticket").textContent = fee.ticket_number;
    $("fs-expiry").textContent = window.motcuaSlip.localTime(fee.expires_at, cfg.timezone);
    window.motcuaSlip.printWhenReady($("fs-qr"), fee.qr_svg, function () { return true; });
  }

  // ------------------------------------------------------------ the stream, and a slow poll while it is stale
  function renderAll() { renderSlot(); renderView(); }

  function poll() {
    clearTimeout(s.poll);
    s.poll = null;
    if (!s.stale) return;
    var cur = serving(), fee = s.shown ? fees[s.shown] : cur && latest(cur.id);
    if (fee && fee.status === "pending") {
      request("GET", url("fee", fee.id)).then(function (res) { if (res.ok) { keep(res.data); renderAll(); } });
    }
    s.poll = setTimeout(poll, POLL_MS);
  }
  function setStale(value) { s.stale = value; if (value && !s.poll) s.poll = setTimeout(poll, POLL_MS); }

  function listen(es) {
    es.addEventListener("fees", function (e) {
      var data = JSON.parse(e.data);
      data.fees.forEach(function (fee) { keep(fee, data.ticket); alerts[fee.id] = fee.exceptions || []; });
      setStale(!data.available);
      renderAll();
    });
    es.addEventListener("stale", function () { setStale(true); });
    es.addEventListener("error", function () { setStale(true); });
    FEE_EVENTS.forEach(function (name) {
      es.addEventListener(name, function (e) {
        var ev = JSON.parse(e.data), fee = ev.data.fee;
        if (!fee || (fee.counter !== me && !fees[fee.id])) return;
        keep(fee, ev.data.ticket_id);
        if (name === "fee.paid") C.toast(t("Đã nhận thanh toán ", "Payment received: ") + vnd(fee.amount) + " · " + fee.reference, "ok");
        renderAll();
      });
    });
    es.addEventListener("payment.exception", function (e) {
      var x = JSON.parse(e.data).data.exception;
      if (!x || !x.fee_id || !fees[x.fee_id]) return;
      alerts[x.fee_id] = (alerts[x.fee_id] || []).filter(function (a) { return a.id !== x.id; }).concat([x]);
      C.toast(t("Giao dịch cần xử lý: ", "A transfer needs attention: ") + t(x.message, x.message_en), "error");
      renderAll();
    });
    es.addEventListener("payment.exception_resolved", function (e) {
      var x = JSON.parse(e.data).data.exception;
      if (x && x.fee_id && alerts[x.fee_id]) alerts[x.fee_id] = alerts[x.fee_id].filter(function (a) { return a.id !== x.id; });
      renderAll();
    });
  }

  function onKey(e) {
    if (e.ctrlKey || e.altKey || e.metaKey || e.repeat || document.querySelector("dialog[open]")) return;
    var tag = (e.target && e.target.tagName) || "";
    if (tag === "INPUT" || tag === "TEXTAREA" || tag === "SELECT") return;
    if (e.key === "6" || e.code === "Numpad6") { e.preventDefault(); openDialog(); }
  }

  C.onSource(listen);
  document.addEventListener("DOMContentLoaded", function () {
    buildSlot();
    C.onRender(renderSlot);
    $("fee-form").addEventListener("submit", submit);
    $("fee-amount").addEventListener("input", regroup);
    $("fee-desc").addEventListener("input", function () { s.key = newKey(); formError(null); });
    $("fee-cancel").addEventListener("click", cancel);
    $("fee-print").addEventListener("click", printSlip);
    $("fee-another").addEventListener("click", function () { var cur = serving(); if (cur) showForm(cur); $("fee-amount").focus(); });
    $("fee-receipt-print").addEventListener("click", function () {
      var fee = fees[s.shown];
      if (fee && fee.receipt) window.open(fee.receipt.html + "?print=1", "_blank", "noopener");
    });
    window.addEventListener("keydown", onKey);
    L.onChange(renderAll);
    renderAll();
    setInterval(renderAll, 1000);
  });
})();
