/* certify: the countdown of a timed attempt, focus after htmx swaps the question, and answers
 * that failed to save retried until they are saved.
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

  // Saving: an answer whose save failed (a 5xx such as the busy 503, or no answer at all) is
  // never dropped. The page says "Not saved, retrying" beside the question, tries again with
  // backoff until the server has it, then says so; the navigator and the summary mark it, and
  // submitting asks first while any is unsaved. Pending answers survive a reload of the page
  // (sessionStorage). A refusal (4xx: time ran out, an option that is not the question's) is
  // shown as the server words it and not retried.
  var BACKOFF_MS = [1000, 2000, 4000, 8000, 15000, 30000];
  var pending = {}; // question id -> {url, position, values: [[name, value]], tries, timer}
  var storageKey = null;

  function attemptForm() {
    return document.getElementById("answer-form");
  }

  function csrfToken() {
    try {
      return JSON.parse(document.body.getAttribute("hx-headers") || "{}")["X-CSRFToken"] || "";
    } catch (error) {
      return "";
    }
  }

  function remember() {
    if (!storageKey) return;
    var plain = {};
    Object.keys(pending).forEach(function (id) {
      var p = pending[id];
      plain[id] = { url: p.url, position: p.position, values: p.values, tries: p.tries };
    });
    try {
      window.sessionStorage.setItem(storageKey, JSON.stringify(plain));
    } catch (error) {
      /* private mode: pending answers live as long as the page */
    }
  }

  function statusFor(questionId) {
    var form = attemptForm();
    if (!form) return null;
    var field = form.querySelector('input[name="question"]');
    return field && field.value === questionId ? document.getElementById("save-status") : null;
  }

  function say(questionId, html, kind) {
    var status = statusFor(questionId);
    if (status) {
      status.innerHTML = html;
      status.dataset.state = kind;
    }
  }

  function markPages() {
    var unsaved = {};
    Object.keys(pending).forEach(function (id) {
      unsaved[pending[id].position] = true;
    });
    document.querySelectorAll("#navigator .nav-item").forEach(function (item) {
      var number = item.querySelector(".nav-number");
      var position = number ? number.textContent.trim() : "";
      var isUnsaved = !!unsaved[position];
      item.classList.toggle("is-unsaved", isUnsaved);
      var note = item.querySelector(".unsaved-note");
      if (isUnsaved && !note) {
        note = document.createElement("span");
        note.className = "unsaved-note";
        note.innerHTML = '<span aria-hidden="true">!</span><span class="visually-hidden">, not saved yet</span>';
        item.appendChild(note);
      } else if (!isUnsaved && note) {
        note.remove();
      }
    });
    var box = document.getElementById("unsaved-summary");
    var summary = document.querySelector(".summary");
    var positions = Object.keys(unsaved).sort(function (a, b) { return a - b; });
    if (summary && positions.length) {
      if (!box) {
        box = document.createElement("div");
        box.id = "unsaved-summary";
        box.className = "alert unsaved-summary";
        box.setAttribute("role", "alert");
        summary.insertBefore(box, summary.querySelector(".submit-form"));
      }
      box.innerHTML = "<strong>Not saved yet:</strong> question" + (positions.length > 1 ? "s " : " ") +
        positions.join(", ") + ". certify keeps trying; wait for it before you submit.";
    } else if (box) {
      box.remove();
    }
  }

  function utcTime() {
    var now = new Date();
    return [now.getUTCHours(), now.getUTCMinutes(), now.getUTCSeconds()].map(function (n) {
      return (n < 10 ? "0" : "") + n;
    }).join(":");
  }

  function schedule(questionId) {
    var p = pending[questionId];
    var wait = BACKOFF_MS[Math.min(p.tries, BACKOFF_MS.length - 1)];
    say(questionId, '<strong class="save-error">Not saved, retrying.</strong> certify could not save this answer; it tries again in ' +
      Math.round(wait / 1000) + " s and keeps your choice until it is saved.", "retrying");
    window.clearTimeout(p.timer);
    p.timer = window.setTimeout(function () { retry(questionId); }, wait);
    markPages();
    remember();
  }

  function settle(questionId, html, kind) {
    var p = pending[questionId];
    if (p) window.clearTimeout(p.timer);
    delete pending[questionId];
    say(questionId, html, kind);
    markPages();
    remember();
  }

  function retry(questionId) {
    var p = pending[questionId];
    if (!p) return;
    p.tries += 1;
    var body = new URLSearchParams();
    p.values.forEach(function (pair) { body.append(pair[0], pair[1]); });
    fetch(p.url, {
      method: "POST",
      body: body,
      credentials: "same-origin",
      headers: { "X-CSRFToken": csrfToken(), "HX-Request": "true" },
    }).then(function (response) {
      if (response.ok) {
        settle(questionId, "Saved at " + utcTime() + " UTC, after retrying; you can change it until you submit.", "saved");
        refreshNavigator(response);
      } else if (response.status >= 500) {
        schedule(questionId);
      } else {
        var redirect = response.headers.get("HX-Redirect");
        settle(questionId, '<strong class="save-error">Not saved.</strong> certify refused this answer' +
          (redirect ? ": the attempt is over." : "."), "refused");
        if (redirect) window.location.assign(redirect);
      }
    }).catch(function () {
      schedule(questionId);
    });
  }

  // The reply's out-of-band parts of the navigator (the whole of it, or the counts and the
  // question's entry) take the place of theirs in the page, as htmx would have swapped them.
  function refreshNavigator(response) {
    response.text().then(function (html) {
      var doc = new DOMParser().parseFromString(html, "text/html");
      doc.querySelectorAll('[hx-swap-oob="true"][id]').forEach(function (fresh) {
        var current = document.getElementById(fresh.id);
        if (!current) return;
        fresh.removeAttribute("hx-swap-oob");
        current.replaceWith(fresh);
        if (window.htmx) window.htmx.process(fresh);
      });
      markPages();
    });
  }

  function failed(event) {
    var elt = event.detail && event.detail.elt;
    var form = elt && (elt.id === "answer-form" ? elt : elt.closest && elt.closest("#answer-form"));
    if (!form) return;
    var question = form.querySelector('input[name="question"]');
    var take = document.getElementById("take");
    if (!question || !take) return;
    var values = [["question", question.value]];
    form.querySelectorAll('input[name="choice"]:checked').forEach(function (box) {
      values.push(["choice", box.value]);
    });
    var known = pending[question.value];
    pending[question.value] = {
      url: form.getAttribute("action"),
      position: take.dataset.screen,
      values: values,
      tries: known ? known.tries : 0,
      timer: known ? known.timer : null,
    };
    schedule(question.value);
  }

  document.addEventListener("htmx:responseError", failed);
  document.addEventListener("htmx:sendError", failed);
  document.addEventListener("htmx:timeout", failed);

  // A newer answer to a question replaces the one waiting; once it saves, nothing waits.
  document.addEventListener("htmx:afterRequest", function (event) {
    var elt = event.detail && event.detail.elt;
    var form = elt && (elt.id === "answer-form" ? elt : elt.closest && elt.closest("#answer-form"));
    if (!form || !event.detail.successful) return;
    var question = form.querySelector('input[name="question"]');
    if (question && pending[question.value]) {
      window.clearTimeout(pending[question.value].timer);
      delete pending[question.value];
      remember();
    }
  });
  // Swapped screens and navigators get their marks again.
  document.addEventListener("htmx:afterSettle", function () {
    markPages();
    Object.keys(pending).forEach(function (id) {
      say(id, '<strong class="save-error">Not saved, retrying.</strong> certify keeps your choice and tries again until it is saved.', "retrying");
    });
  });

  // Submitting while an answer waits asks first.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.classList || !form.classList.contains("submit-form")) return;
    var waiting = Object.keys(pending).length;
    if (!waiting || form.dataset.confirmed === "yes") return;
    event.preventDefault();
    form.dataset.confirmed = "yes";
    markPages();
    var button = form.querySelector("button[type=submit]");
    if (button) button.textContent = "Submit anyway (unsaved answers count as they were last saved)";
  }, true);

  function resume() {
    var page = document.querySelector(".attempt-page[data-attempt]");
    if (!page) return;
    storageKey = "certify:unsaved:" + page.dataset.attempt;
    var stored = {};
    try {
      stored = JSON.parse(window.sessionStorage.getItem(storageKey) || "{}");
    } catch (error) {
      stored = {};
    }
    Object.keys(stored).forEach(function (id) {
      pending[id] = stored[id];
      pending[id].timer = null;
      retry(id);
    });
    markPages();
  }

  function start() {
    init();
    resume();
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
