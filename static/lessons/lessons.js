// Lesson pages: the run's status line, its Stop button, and what to do when a stream ends
// without `done`. htmx's SSE extension does the streaming itself (sse-connect, sse-swap).
(function () {
  "use strict";

  var MAX_START_RETRIES = 3;
  // Posts the form above again (the same button the server sends when a run was cut off).
  var RUN_AGAIN = '<button type="submit" form="demo-form" class="button button-small" data-run-again>Run again</button>';

  function runOf(element) {
    return element && element.closest ? element.closest("[data-run]") : null;
  }

  function setStatus(run, html) {
    var status = run.querySelector("#run-status");
    if (status) status.innerHTML = html;
  }

  // The run is over for this page: no Stop, and no reconnection by the SSE extension (it
  // reconnects whenever the element still has sse-connect).
  function end(run) {
    run.dataset.state = "ended";
    run.removeAttribute("sse-connect");
    var stop = run.querySelector("[data-stop]");
    if (stop) stop.disabled = true;
  }

  document.addEventListener("htmx:sseOpen", function (event) {
    var run = runOf(event.target);
    if (!run || run.dataset.state === "ended") return;
    run.sseSource = event.detail.source;
    run.dataset.opened = "true";
    setStatus(run, '<span class="badge badge-info">Streaming</span> Events arrive as the agent works.');
  });

  // sse-close="done": the server finished; the done event itself fills in the status.
  document.addEventListener("htmx:sseClose", function (event) {
    var run = runOf(event.target);
    if (run && event.detail && event.detail.type === "message") end(run);
  });

  document.addEventListener("htmx:sseError", function (event) {
    var run = runOf(event.target);
    var source = event.detail && event.detail.source;
    if (!run || run.dataset.state === "ended" || !source) return;
    if (source.readyState !== EventSource.CLOSED) return; // the browser is reconnecting itself
    if (run.dataset.opened) {
      // A stream that was open and broke, and the server could not be reached again to say
      // what became of the run (a reconnect is told it was cut off). Say so ourselves.
      end(run);
      setStatus(run, '<span class="badge badge-bad">Cut off</span> The connection was lost, so the server stopped the run. ' + RUN_AGAIN);
      return;
    }
    var tries = Number(run.dataset.tries || 0) + 1;
    run.dataset.tries = String(tries);
    if (tries >= MAX_START_RETRIES) {
      end(run);
      setStatus(run, '<span class="badge badge-bad">Not started</span> The server could not start this run (too many demos may be running). ' + RUN_AGAIN);
    } else {
      setStatus(run, "Waiting for the server…");
    }
  });

  document.addEventListener("click", function (event) {
    var stop = event.target.closest && event.target.closest("[data-stop]");
    var run = runOf(stop);
    if (!run || run.dataset.state === "ended") return;
    // Closing the stream is the whole protocol: the server sees the disconnect and cancels
    // the SDK run, exactly as when the tab is closed.
    if (run.sseSource) run.sseSource.close();
    end(run);
    setStatus(run, '<span class="badge badge-info">Stopped</span> You closed the stream, so the server cancelled the SDK run.');
  });

  // A character count under every bounded textarea.
  function count(textarea) {
    var counter = textarea.parentElement.querySelector(".char-count");
    if (!counter) {
      counter = document.createElement("span");
      counter.className = "char-count helptext";
      textarea.insertAdjacentElement("afterend", counter);
    }
    counter.textContent = textarea.value.length + " / " + textarea.maxLength + " characters";
  }

  function initCounters(root) {
    root.querySelectorAll("textarea[maxlength]").forEach(count);
  }

  document.addEventListener("input", function (event) {
    if (event.target.matches && event.target.matches("textarea[maxlength]")) count(event.target);
  });
  document.addEventListener("htmx:load", function (event) { initCounters(event.target); });
  document.addEventListener("DOMContentLoaded", function () { initCounters(document); });
})();
