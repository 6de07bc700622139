/* motcua – an idle kiosk asks "Bạn còn đang sử dụng? / Are you still there?" with a countdown; any touch or key
 * cancels it (and does nothing else), and at zero the kiosk starts over for the next citizen.
 *   new MotcuaIdle({idleMs, countdownS, overlay, count, needed: fn → bool, reset: fn}).start()
 * `needed()` says whether there is anything to reset (not on the first screen in Vietnamese, not while issuing). */
(function () {
  "use strict";

  function Idle(options) {
    this.o = options;
    this.lastActivity = Date.now();
    this.remaining = 0;               // > 0 while the question is on screen
    this.timer = null;
    this.swallowUntil = 0;
  }

  Idle.prototype.start = function () {
    var self = this;
    ["pointerdown", "touchstart", "keydown"].forEach(function (type) {
      document.addEventListener(type, function (e) { self.activity(e); }, { capture: true, passive: false });
    });
    ["pointerup", "touchend", "click", "keyup"].forEach(function (type) {    // the rest of a dismissing touch
      document.addEventListener(type, function (e) {
        if (Date.now() < self.swallowUntil) { e.stopPropagation(); if (e.cancelable) e.preventDefault(); }
      }, { capture: true, passive: false });
    });
    this.timer = window.setInterval(function () { self.tick(); }, 250);
    return this;
  };

  Idle.prototype.activity = function (e) {
    this.lastActivity = Date.now();
    if (Date.now() < this.swallowUntil) { e.stopPropagation(); if (e.cancelable) e.preventDefault(); return; }
    if (!this.remaining) return;
    this.cancel();
    this.swallowUntil = Date.now() + 700;
    if (e && e.cancelable) e.preventDefault();      // this touch only dismisses the question
    if (e) e.stopPropagation();
  };

  Idle.prototype.asking = function () { return this.remaining > 0; };

  Idle.prototype.ask = function () {
    this.remaining = this.o.countdownS;
    this.deadline = Date.now() + this.o.countdownS * 1000;
    this.o.count.textContent = String(this.remaining);
    this.o.overlay.hidden = false;
  };

  Idle.prototype.cancel = function () {
    this.remaining = 0;
    this.o.overlay.hidden = true;
    this.lastActivity = Date.now();
  };

  Idle.prototype.tick = function () {
    if (this.remaining) {
      var left = Math.max(0, Math.ceil((this.deadline - Date.now()) / 1000));
      if (left !== this.remaining) { this.remaining = left; this.o.count.textContent = String(left); }
      if (left === 0) {
        this.cancel();
        this.o.reset();
      } else if (!this.o.needed()) {
        this.cancel();                                 // nothing left to reset (e.g. the kiosk reloaded itself)
      }
      return;
    }
    if (Date.now() - this.lastActivity >= this.o.idleMs && this.o.needed()) this.ask();
  };

  window.MotcuaIdle = Idle;
})();
