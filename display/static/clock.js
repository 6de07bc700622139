/* motcua hall board – the time and date in the office's time zone, in Vietnamese (or English).
 * The TV's own clock may be wrong: `skewMs` (server time minus local time, from each snapshot) corrects it.
 *   var clock = new MotcuaClock("Asia/Ho_Chi_Minh"); clock.skewMs = ...; clock.text("vi") -> {time, date} */
(function () {
  "use strict";
  var WEEKDAYS = { Sun: ["Chủ nhật", "Sunday"], Mon: ["Thứ Hai", "Monday"], Tue: ["Thứ Ba", "Tuesday"],
    Wed: ["Thứ Tư", "Wednesday"], Thu: ["Thứ Năm", "Thursday"], Fri: ["Thứ Sáu", "Friday"], Sat: ["Thứ Bảy", "Saturday"] };
  var MONTHS_EN = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
    "November", "December"];

  function Clock(timezone) {
    this.skewMs = 0;
    try {
      this.fmt = new Intl.DateTimeFormat("en-US", { timeZone: timezone, hourCycle: "h23", weekday: "short",
        year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit", second: "2-digit" });
    } catch (e) {   // an unknown zone: Viet Nam's (UTC+7, no daylight saving)
      this.fmt = new Intl.DateTimeFormat("en-US", { timeZone: "Asia/Ho_Chi_Minh", hourCycle: "h23", weekday: "short",
        year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit", second: "2-digit" });
    }
  }

  Clock.prototype.now = function () { return Date.now() + this.skewMs; };

  Clock.prototype.parts = function (ms) {
    var out = {};
    this.fmt.formatToParts(new Date(ms)).forEach(function (p) { out[p.type] = p.value; });
    return out;
  };

  /** "14:05" for an ISO timestamp ("" when unreadable). */
  Clock.prototype.hhmm = function (iso) {
    var t = Date.parse(iso);
    if (isNaN(t)) return "";
    var p = this.parts(t);
    return p.hour + ":" + p.minute;
  };

  /** {time: "14:05", date: "Thứ Hai, ngày 23/11/2026" | "Monday, 23 November 2026"} */
  Clock.prototype.text = function (lang) {
    var p = this.parts(this.now());
    var day = WEEKDAYS[p.weekday] || ["", ""];
    var date = lang === "en"
      ? day[1] + ", " + Number(p.day) + " " + MONTHS_EN[Number(p.month) - 1] + " " + p.year
      : day[0] + ", ngày " + p.day + "/" + p.month + "/" + p.year;
    return { time: p.hour + ":" + p.minute, date: date };
  };

  window.MotcuaClock = Clock;
})();
