/* motcua – kiosk taps that cannot fall through to the next screen.
 * A tile acts on pointerup over the very element that got the pointerdown, and a press that begins within a
 * short guard time after the screen changed is ignored: the second tap of a double tap (or a bounce of an old
 * touch panel) lands on whatever the next screen put under the finger, and must not choose it.
 * Keyboard activation (Enter/Space: a click with detail 0) still works, outside the guard time.
 *   var taps = new MotcuaTaps(450); taps.on(button, fn); taps.changed();   // call changed() on every new screen */
(function () {
  "use strict";

  function Taps(guardMs) {
    this.guardMs = guardMs;
    this.changedAt = 0;
    this.down = null;                 // {el, at}: the press in progress
    this.ignored = 0;                 // presses dropped by the guard (for tests and support)
  }

  Taps.prototype.changed = function () {
    this.changedAt = Date.now();
    this.down = null;
  };

  Taps.prototype.guarded = function () { return Date.now() - this.changedAt < this.guardMs; };

  function inside(el, e) {
    var r = el.getBoundingClientRect();
    return e.clientX >= r.left && e.clientX <= r.right && e.clientY >= r.top && e.clientY <= r.bottom;
  }

  Taps.prototype.on = function (el, fn) {
    var self = this;
    el.addEventListener("pointerdown", function (e) {
      if (!e.isPrimary || (e.pointerType === "mouse" && e.button !== 0)) return;
      if (self.guarded()) { self.down = null; self.ignored += 1; return; }
      self.down = { el: el, at: Date.now() };
    });
    el.addEventListener("pointerup", function (e) {
      var down = self.down;
      if (!down || down.el !== el || !e.isPrimary) return;
      self.down = null;
      if (self.guarded() || !inside(el, e) || el.disabled) return;
      fn(e);
    });
    el.addEventListener("pointercancel", function () { if (self.down && self.down.el === el) self.down = null; });
    el.addEventListener("click", function (e) {
      if (e.detail === 0 && !self.guarded() && !el.disabled) fn(e);   // from the keyboard, not a pointer
    });
  };

  window.MotcuaTaps = Taps;
})();
