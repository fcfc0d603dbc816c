/* certify: the countdown of a timed attempt, and focus after htmx swaps the question.
 *
 * The countdown is only a view of the server's deadline: it counts from the deadline and the
 * server's "now" written into the page (so a wrong clock on this computer does not matter),
 * announces the time left politely at a few marks (never every second), and submits the attempt
 * when it reaches zero. The server refuses anything later, with or without this script.
 */
(function () {
  "use strict";

  // Marks (seconds left) read out to screen readers.
  var MARKS = [600, 300, 60, 30, 10];
  // Submit a moment after zero, so the server, not this page, decides that time ran out.
  var SUBMIT_DELAY_MS = 700;

  function pad(n) {
    return (n < 10 ? "0" : "") + n;
  }

  function clock(seconds) {
    var h = Math.floor(seconds / 3600);
    var m = Math.floor((seconds % 3600) / 60);
    var s = seconds % 60;
    return h ? h + ":" + pad(m) + ":" + pad(s) : m + ":" + pad(s);
  }

  function words(seconds) {
    if (seconds >= 60) {
      var minutes = Math.round(seconds / 60);
      return minutes + (minutes === 1 ? " minute" : " minutes");
    }
    return seconds + " seconds";
  }

  function startTimer(timer) {
    var leftAtLoad = Date.parse(timer.dataset.deadline) - Date.parse(timer.dataset.now);
    var loadedAt = performance.now();
    var value = timer.querySelector("[data-timer-value]");
    var announcer = timer.querySelector("[data-timer-announce]");
    var form = timer.querySelector("form[data-timer-submit]");
    var announced = {};
    MARKS.forEach(function (mark) {
      // Marks already behind us when the page loads are not news.
      if (mark * 1000 >= leftAtLoad) announced[mark] = true;
    });
    var finished = false;
    var handle = null;

    function tick() {
      var leftMs = leftAtLoad - (performance.now() - loadedAt);
      var seconds = Math.max(0, Math.ceil(leftMs / 1000));
      value.textContent = clock(seconds);
      timer.classList.toggle("timer-low", seconds <= 60);
      MARKS.forEach(function (mark) {
        if (seconds <= mark && !announced[mark]) {
          announced[mark] = true;
          announcer.textContent = words(mark) + " left.";
        }
      });
      if (leftMs <= 0 && !finished) {
        finished = true;
        window.clearInterval(handle);
        timer.classList.add("timer-done");
        announcer.textContent = "Time is up. Submitting your answers.";
        var take = document.getElementById("take");
        if (take) take.setAttribute("inert", "");
        window.setTimeout(function () {
          form.submit();
        }, SUBMIT_DELAY_MS);
      }
    }

    tick();
    handle = window.setInterval(tick, 250);
  }

  function init() {
    document.querySelectorAll("[data-timer]").forEach(startTimer);
  }

  // A page restored from the back/forward cache has a stale "now": fetch it afresh.
  window.addEventListener("pageshow", function (event) {
    if (event.persisted) window.location.reload();
  });

  // After htmx shows another question, move focus to its heading so a screen reader reads it;
  // after a swap that stays on the same screen (flagging), htmx keeps focus where it was.
  var screenBefore = null;
  document.addEventListener("htmx:beforeSwap", function (event) {
    var take = document.getElementById("take");
    screenBefore = take && event.detail.target === take ? take.dataset.screen : null;
  });
  document.addEventListener("htmx:afterSettle", function () {
    var take = document.getElementById("take");
    if (!take || screenBefore === null) return;
    if (take.dataset.screen !== screenBefore) {
      var heading = take.querySelector("[data-focus-on-swap]");
      if (heading) heading.focus();
    }
    screenBefore = null;
  });

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
