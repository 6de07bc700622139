/* motcua – printing a slip (services/screens/static/slip.css) through the browser on an 80 mm roll. Chromium
 * started with --kiosk-printing prints at once on the default printer, without a dialog.
 *   motcuaSlip.fitPage(el) → the page length in mm, set to the slip's own length (one cut, no waste)
 *   motcuaSlip.printWhenReady(img, src, isCurrent, onPrint): load the slip's QR image, then print (after 1.5 s
 *     at most, with or without it); nothing when isCurrent() says the slip is no longer wanted
 *   motcuaSlip.localTime(iso, timezone) → "14:05 23/11/2026" as slips print times (in the office's time zone) */
(function () {
  "use strict";
  var pageRule = -1;

  function localTime(iso, timezone) {
    var d = iso ? new Date(iso) : new Date();
    var opts = { hour: "2-digit", minute: "2-digit", day: "2-digit", month: "2-digit", year: "numeric", hour12: false };
    try { opts.timeZone = timezone; return d.toLocaleString("vi-VN", opts); }
    catch (e) { delete opts.timeZone; return d.toLocaleString("vi-VN", opts); }
  }

  function fitPage(el) {
    // A roll has no page length: make the page exactly as long as the slip, so the printer cuts right after it.
    var link = document.querySelector("link[href*='slip.css']");
    var mm = Math.ceil(el.getBoundingClientRect().height * 25.4 / 96) + 2;
    try {
      var sheet = link.sheet;
      if (pageRule >= 0) sheet.deleteRule(pageRule);
      pageRule = sheet.insertRule("@page { size: 80mm " + mm + "mm; margin: 0; }", sheet.cssRules.length);
    } catch (e) { /* the stylesheet's 80 × 150 mm page still works */ }
    return mm;
  }

  function printWhenReady(img, src, isCurrent, onPrint) {
    var printed = false;
    var go = function () {
      if (printed || !isCurrent()) return;
      printed = true;
      if (onPrint) onPrint();
      fitPage(img.closest(".print-ticket"));
      window.print();
    };
    img.onload = go;
    img.onerror = go;
    setTimeout(go, 1500);
    img.src = src;
  }

  window.motcuaSlip = { fitPage: fitPage, printWhenReady: printWhenReady, localTime: localTime };
})();
