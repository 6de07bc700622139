/* motcua – the citizen-facing pay screen of a counter. Vietnamese and English side by side (a citizen cannot be
 * asked to find a switch). Follows the counter's pay stream (services/screens/static/stream.js, which reconnects by
 * itself and starts every connection with a snapshot):
 *   snapshot {name, counter, number, fee, available}   fee: the latest fee of the ticket served at the counter
 *   fee {type: fee.created|fee.paid|fee.cancelled|fee.expired, fee}
 *   serving {number}                                    the counter moved to another ticket
 * Idle until a fee is asked; then the QR code and the amount; "Đã thanh toán / Paid" with the receipt's number and a
 * QR code to keep the receipt once the bank has reported the transfer (for PAID_MS, or until the next citizen); a
 * cancelled or expired code goes back
 * to idle with a word of why (for NOTICE_MS). A code is never left on screen for the next citizen. */
(function () {
  "use strict";
  var cfg = JSON.parse(document.getElementById("config").textContent);
  var PAID_MS = 120000, NOTICE_MS = 15000, RETRY_MS = 10000;
  var NOTICES = {
    "fee.cancelled": ["Khoản phí đã được huỷ. Xin vui lòng hỏi cán bộ tại quầy.", "The fee was cancelled. Please ask the clerk."],
    "fee.expired": ["Mã QR đã hết hạn. Xin vui lòng hỏi cán bộ để được cấp mã mới.", "The QR code has expired. Please ask the clerk for a new one."],
    unavailable: ["Đang kết nối dịch vụ thanh toán…", "Connecting to the payment service…"]
  };
  var st = { screen: "idle", fee: null, number: null, skew: 0, until: 0, notice: null, noticeUntil: 0, stream: null, qrFor: null };

  function $(id) { return document.getElementById(id); }
  function now() { return Date.now() + st.skew; }
  function vnd(n) { return String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ".") + " đ"; }
  function both(el, pair) {        // Vietnamese, then English beneath it
    el.textContent = pair[0];
    var en = document.createElement("span");
    en.className = "en";
    en.textContent = pair[1];
    el.appendChild(en);
  }

  function show(screen) {
    st.screen = screen;
    ["idle", "due", "paid", "refused"].forEach(function (name) { $("screen-" + name).hidden = name !== screen; });
    document.body.dataset.screen = screen;
  }

  function idle(notice) {
    st.fee = null;
    st.notice = notice || null;
    st.noticeUntil = notice ? now() + NOTICE_MS : 0;
    show("idle");
    render();
  }

  function due(fee) {
    st.fee = fee;
    st.notice = null;
    show("due");
    if (st.qrFor !== fee.id) { $("due-qr").src = fee.qr_svg; st.qrFor = fee.id; }
    $("due-amount").textContent = vnd(fee.amount);
    $("due-what").textContent = fee.description;
    $("due-holder").textContent = fee.bank.name;
    $("due-bank").textContent = fee.bank.label;
    $("due-account").textContent = fee.bank.account;
    $("due-ref").textContent = fee.reference;
    render();
  }

  function paid(fee, since) {
    st.fee = fee;
    st.until = since + PAID_MS;
    show("paid");
    $("paid-amount").textContent = vnd(fee.amount);
    $("paid-what").textContent = fee.description;
    $("paid-receipt-line").hidden = !fee.receipt;
    $("paid-receipt").textContent = fee.receipt ? fee.receipt.label : "";
    $("paid-keep").hidden = !fee.receipt;                 // the citizen takes the receipt home on their phone
    if (fee.receipt && $("paid-qr").getAttribute("src") !== fee.receipt.qr_svg) $("paid-qr").src = fee.receipt.qr_svg;
  }

  /** What a fee means for this screen now: its QR, "paid", or nothing to show. */
  function take(fee, event) {
    if (fee.status === "pending" && Date.parse(fee.expires_at) > now()) due(fee);
    else if (fee.status === "paid") paid(fee, event ? now() : Date.parse(fee.paid_at || fee.created_at));
    else idle(event ? NOTICES[event] : null);
    if (st.screen === "paid" && now() > st.until) idle();
  }

  function render() {
    $("idle-serving").hidden = !st.number;
    $("idle-number").textContent = st.number || "";
    var notice = st.notice && now() < st.noticeUntil ? st.notice : null;
    $("idle-notice").hidden = !notice;
    if (notice) both($("idle-notice"), notice);
    if (st.screen === "due" && st.fee) {
      var left = Date.parse(st.fee.expires_at) - now();
      if (left <= 0) { idle(NOTICES["fee.expired"]); return; }
      var sec = Math.floor(left / 1000);
      $("due-left").textContent = Math.floor(sec / 60) + ":" + ("0" + sec % 60).slice(-2);
    }
    if (st.screen === "paid" && now() > st.until) idle();
  }

  function onSnapshot(snap) {
    st.skew = Date.parse(snap.at) - Date.now();
    st.number = snap.number;
    $("pay-desk").textContent = snap.counter.name;
    $("idle-desk").textContent = snap.counter.name;
    if (!snap.available) {             // the payment service did not answer: say so, ask again shortly
      idle(NOTICES.unavailable);
      setTimeout(function () { st.stream.restart(); }, RETRY_MS);
      return;
    }
    if (snap.fee) take(snap.fee, null); else idle();
  }

  function onEvent(name, data) {
    if (name === "serving") {
      st.number = data.number;
      var gone = st.fee && st.fee.ticket_number !== data.number;
      if (gone && st.screen !== "idle") idle();     // the citizen has left: their code must not wait for the next
      else render();
      return;
    }
    if (name !== "fee") return;
    if (data.type === "fee.created") { take(data.fee, data.type); return; }
    if (st.fee && st.fee.id === data.fee.id) take(data.fee, data.type);
  }

  function refused(why) {
    var text = why === "forbidden"
      ? [["Thiết bị này không hiển thị được quầy này", "This device may not show this counter"],
         ["Máy tính bảng được đăng ký cho một quầy khác. Vui lòng liên hệ cán bộ quản trị.",
          "The tablet is enrolled for another counter. Please ask the administrator."]]
      : [["Không tìm thấy quầy", "Counter not found"], ["Vui lòng kiểm tra lại địa chỉ.", "Check the address."]];
    both($("refused-title"), text[0]);
    both($("refused-text"), text[1]);
    show("refused");
  }

  function clockTick() {
    var opts = { hour: "2-digit", minute: "2-digit", hour12: false };
    try { opts.timeZone = cfg.timezone; $("clock-time").textContent = new Date(now()).toLocaleTimeString("vi-VN", opts); }
    catch (e) { $("clock-time").textContent = new Date(now()).toLocaleTimeString("vi-VN"); }
    render();
  }

  document.addEventListener("DOMContentLoaded", function () {
    st.stream = new window.MotcuaStream(cfg.urls.events, {
      events: ["fee", "serving"],
      onSnapshot: onSnapshot,
      onEvent: onEvent,
      onUp: function () { $("offline").hidden = true; },
      onDown: function () { $("offline").hidden = false; },
      onFatal: function (why) { if (why !== "unauthenticated") refused(why); }
    }).start();
    show("idle");
    clockTick();
    setInterval(clockTick, 1000);
  });
})();
