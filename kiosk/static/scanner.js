/* motcua – a USB QR scanner in keyboard mode ("keyboard wedge"): it types the ID card's text in a fast burst of
 * keystrokes ending with Enter. While `accepting()` holds, the keystrokes go into a hidden field kept focused, and
 * Enter hands its text to `onScan(text)`. A scanner's keys never reach a kiosk button: while accepting, every key
 * aimed elsewhere is redirected into the field; otherwise every key of a burst (faster than a person types) is
 * dropped, Enter and Space included.
 *   new MotcuaScanner({field: input, accepting: fn → bool, onScan: fn(text)}).start() */
(function () {
  "use strict";
  var BURST_MS = 60;          // keystrokes closer than this come from a scanner, not a finger
  var MIN_LENGTH = 10;        // shorter texts are noise (a bumped key), not a card

  function Scanner(options) {
    this.o = options;
    this.lastKeyAt = 0;
    this.swallowing = false;  // the rest of a burst that began outside a scan step
  }

  Scanner.prototype.start = function () {
    var self = this, field = this.o.field;
    field.setAttribute("inputmode", "none");            // no on-screen keyboard pops up on a touch screen
    field.setAttribute("autocomplete", "off");
    field.setAttribute("spellcheck", "false");
    field.tabIndex = -1;
    document.addEventListener("keydown", function (e) { self.keydown(e); }, true);
    ["keypress", "keyup"].forEach(function (type) {
      document.addEventListener(type, function (e) { self.follow(e); }, true);
    });
    field.addEventListener("blur", function () { self.refocus(); });
    return this;
  };

  Scanner.prototype.refocus = function () {
    var field = this.o.field;
    if (this.o.accepting()) setTimeout(function () { if (document.activeElement !== field) field.focus({ preventScroll: true }); }, 0);
  };

  /** Call when a step that accepts scans is shown: the field is emptied and focused. */
  Scanner.prototype.arm = function () {
    this.o.field.value = "";
    this.refocus();
  };

  function drop(e) {
    e.preventDefault();
    e.stopPropagation();
  }

  Scanner.prototype.keydown = function (e) {
    var now = Date.now(), burst = now - this.lastKeyAt < BURST_MS;
    this.lastKeyAt = now;
    if (e.ctrlKey || e.metaKey || e.altKey) return;
    var field = this.o.field;
    if (this.o.accepting()) {
      if (e.key === "Enter") {
        drop(e);
        var text = field.value;
        field.value = "";
        if (text.replace(/\s+/g, "").length >= MIN_LENGTH) this.o.onScan(text.replace(/[\r\n]+$/, ""));
        return;
      }
      if (e.target !== field) {                          // focus was elsewhere (a touched button): keep the key
        drop(e);
        if (e.key.length === 1) field.value += e.key;
        field.focus({ preventScroll: true });
      }
      return;
    }
    this.swallowing = burst || (this.swallowing && (e.key === "Enter" || e.key === "Tab"));
    if (this.swallowing) drop(e);
  };

  Scanner.prototype.follow = function (e) {
    // A keypress or keyup of a dropped key (a button acts on Space's keyup) is dropped too.
    if (e.ctrlKey || e.metaKey || e.altKey) return;
    if (this.o.accepting() ? e.target !== this.o.field || e.key === "Enter" : this.swallowing) drop(e);
  };

  window.MotcuaScanner = Scanner;
})();
