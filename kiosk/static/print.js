/* motcua – the kiosk's ticket on paper: the server's ESC/POS printer (print=server, the default when
 * MOTCUA_PRINTER is set), the browser's printer on an 80 mm roll (print=browser; with Chromium's
 * --kiosk --kiosk-printing there is no dialog; services/screens/static/slip.js), or none.
 *   var printer = new MotcuaPrint(cfg, request, t); printer.print(ticket, names, isCurrent)
 *   window.motcuaKioskFitPage() → the page length in mm (for tests) */
(function () {
  "use strict";

  function $(id) { return document.getElementById(id); }

  function localTime(iso, timezone) {
    var d = iso ? new Date(iso) : new Date();
    var opts = { hour: "2-digit", minute: "2-digit", day: "2-digit", month: "2-digit", year: "numeric", hour12: false };
    try { opts.timeZone = timezone; return d.toLocaleString("vi-VN", opts); }
    catch (e) { delete opts.timeZone; return d.toLocaleString("vi-VN", opts); }
  }

  window.motcuaKioskFitPage = function () { return window.motcuaSlip.fitPage($("print-ticket")); };

  function Print(cfg, request, t) {
    this.cfg = cfg;
    this.request = request;
    this.t = t;
  }

  /** Fill the slip (always in Vietnamese: it is an official paper) and print it. `names` = {service, procedure}. */
  Print.prototype.print = function (tk, names, isCurrent) {
    var cfg = this.cfg, t = this.t;
    var qr = cfg.urls.qr.replace("TICKET_ID", tk.id);
    var cat = cfg.priority_categories.filter(function (c) { return c.code === tk.priority; })[0];
    $("t-qr").src = qr;
    $("pt-number").textContent = tk.number;
    $("pt-service").textContent = names.service;
    $("pt-procedure").textContent = names.procedure || "";
    $("pt-priority").textContent = cat ? "Ưu tiên: " + cat.name : "";
    $("pt-time").textContent = window.motcuaSlip.localTime(tk.issued_at, cfg.timezone);
    $("pt-ahead").textContent = String(tk.waiting_ahead || 0);
    var m = tk.estimated_wait_s > 0 ? Math.max(1, Math.ceil(tk.estimated_wait_s / 60)) : 0;
    $("pt-wait").textContent = m ? "khoảng " + m + " phút" : "sắp đến lượt";
    var status = $("t-print");
    status.classList.remove("bad");
    status.textContent = "";
    var img = $("pt-qr");
    if (cfg.print_mode === "server") {
      status.textContent = t("Đang in phiếu…", "Printing your ticket…");
      this.request("POST", cfg.urls.print.replace("TICKET_ID", tk.id)).then(function (res) {
        if (!isCurrent()) return;
        if (res.ok) { status.textContent = t("Vui lòng nhận phiếu ở khe bên dưới.", "Please take your ticket below."); return; }
        status.classList.add("bad");
        status.textContent = t("Không in được phiếu – vui lòng ghi nhớ số hoặc quét mã QR.",
                               "The ticket could not be printed – remember your number or scan the QR code.");
      });
    } else if (cfg.print_mode === "browser") {
      window.motcuaSlip.printWhenReady(img, qr, isCurrent, function () {
        status.textContent = t("Vui lòng nhận phiếu ở khe bên dưới.", "Please take your ticket below.");
      });
    } else {
      img.src = qr;
    }
  };

  window.MotcuaPrint = Print;
})();
