// Lesson pages: the Run press, the run's status line, its Stop button, and what to do when a
// stream ends without `done`. htmx's SSE extension does the streaming itself (sse-connect,
// sse-swap); the press hands it the stream that answered it (see "The Run press" below).
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

  // The Run press. htmx alone posts the form, swaps in the run panel, and the panel's
  // sse-connect then opens the run's stream: two round trips before the first token. Asked for
  // text/event-stream, the server answers the press with the run's stream itself, its first
  // event the run panel; the rest of that answer is what the SSE extension gets when it asks
  // for the panel's stream. A browser that cannot read an answer as it arrives keeps htmx's
  // two requests, which still work.

  var CONNECTING = 0;
  var OPEN = 1;
  var CLOSED = 2;
  var PANEL_EVENT = "run-panel";
  // How long after a broken stream to ask the run's address what became of the run, unless the
  // server said otherwise (`retry:`), as EventSource does.
  var RECONNECT_MS = 1000;
  // How long a panel's stream waits for the SSE extension to take it before it is closed.
  var CLAIM_MS = 1000;
  var UNREACHABLE = "The server could not be reached, so the run did not start.";
  var streamable = Boolean(window.fetch && window.AbortController && window.TextDecoder &&
    window.ReadableStream && window.Response && "body" in window.Response.prototype);

  var pressing = false;
  var createEventSource = null; // the SSE extension's own, once wrapped
  var handOver = {}; // a run's stream address -> the press's answer, until the extension asks

  function absolute(url) {
    return new URL(url, document.baseURI).href;
  }

  // text/event-stream read as the WHATWG spec (and so EventSource) reads it: lines end at CRLF,
  // CR or LF, an event ends at a blank line, its data lines are joined with "\n".
  function EventStreamParser(onEvent) {
    this.onEvent = onEvent;
    this.rest = "";
    this.afterCR = false;
    this.type = "";
    this.data = [];
    this.id = "";
    this.retry = null;
  }

  EventStreamParser.prototype.feed = function (text) {
    // A CR that ended the last chunk may have been the first half of a CRLF.
    if (this.afterCR && text.charAt(0) === "\n") text = text.slice(1);
    this.afterCR = text.slice(-1) === "\r";
    var lines = (this.rest + text).split(/\r\n|\r|\n/);
    this.rest = lines.pop();
    lines.forEach(this.line, this);
  };

  EventStreamParser.prototype.line = function (line) {
    if (line === "") return this.dispatch();
    if (line.charAt(0) === ":") return; // a comment (keep-alive)
    var colon = line.indexOf(":");
    var field = colon < 0 ? line : line.slice(0, colon);
    var value = colon < 0 ? "" : line.slice(colon + 1);
    if (value.charAt(0) === " ") value = value.slice(1);
    if (field === "event") this.type = value;
    else if (field === "data") this.data.push(value);
    else if (field === "id" && value.indexOf("\0") < 0) this.id = value;
    else if (field === "retry" && /^\d+$/.test(value)) this.retry = Number(value);
  };

  EventStreamParser.prototype.dispatch = function () {
    var type = this.type || "message";
    var data = this.data;
    this.type = "";
    this.data = [];
    if (data.length) this.onEvent(type, data.join("\n"), this.id);
  };

  // The press's answer, read as it arrives. Until the run panel comes it is the press; then it
  // is the run's event source, with what of EventSource the SSE extension and this file use:
  // readyState, onopen, onerror, addEventListener, removeEventListener, close().
  function PressedStream(response, controller, answered) {
    this.readyState = CONNECTING;
    this.onopen = null;
    this.onerror = null;
    this.url = "";
    this.listeners = {};
    this.queue = []; // events that came before the extension listened
    this.panelShown = false;
    this.live = false;
    this.bodyEnded = false;
    this.inner = null; // the EventSource that asked again, after a break
    this.relayed = {};
    this.timer = null;
    this.controller = controller;
    this.answered = answered;
    this.reader = response.body.getReader();
    this.decoder = new TextDecoder();
    this.parser = new EventStreamParser(this.receive.bind(this));
    this.read();
  }

  PressedStream.prototype.addEventListener = function (type, listener) {
    var listeners = this.listeners[type] || (this.listeners[type] = []);
    if (listeners.indexOf(listener) < 0) listeners.push(listener);
    if (this.inner) this.relay(type);
  };

  PressedStream.prototype.removeEventListener = function (type, listener) {
    var listeners = this.listeners[type] || [];
    if (listeners.indexOf(listener) >= 0) listeners.splice(listeners.indexOf(listener), 1);
  };

  // Stop, a new panel and `done` all close the stream. Aborting the request is the disconnect
  // on which the server cancels the SDK run, as when an EventSource closes or the tab does.
  PressedStream.prototype.close = function () {
    this.readyState = CLOSED;
    this.queue = [];
    clearTimeout(this.timer);
    this.controller.abort();
    if (this.inner) this.inner.close();
  };

  PressedStream.prototype.read = function () {
    var self = this;
    this.reader.read().then(function (chunk) {
      if (self.readyState === CLOSED) return;
      if (chunk.done) {
        self.parser.feed(self.decoder.decode());
        self.ended();
        return;
      }
      self.parser.feed(self.decoder.decode(chunk.value, { stream: true }));
      self.read();
    }, function () {
      if (self.readyState !== CLOSED) self.ended();
    });
  };

  PressedStream.prototype.receive = function (type, data, id) {
    if (this.readyState === CLOSED) return;
    if (!this.panelShown) this.panel(type, data);
    else if (this.live) this.dispatch(type, data, id);
    else this.queue.push([type, data, id]);
  };

  // The first event: the run panel goes in, and the SSE extension, processing it, asks for the
  // panel's stream (htmx.createEventSource, below): this answer, not a second request.
  PressedStream.prototype.panel = function (type, html) {
    var self = this;
    this.panelShown = true;
    this.answered();
    if (type !== PANEL_EVENT) {
      this.close();
      notStarted("The server could not start this run.");
      return;
    }
    this.url = streamAddress(html);
    var key = this.url && absolute(this.url);
    if (key) handOver[key] = this;
    swapInto("#run-panel", html, "innerHTML");
    // Nothing took it (a panel without a stream): nobody would ever see the run, so end it.
    this.timer = setTimeout(function () {
      if (key && handOver[key] !== self) return;
      delete handOver[key];
      self.close();
    }, key ? CLAIM_MS : 0);
  };

  // The extension adds its listeners (sse-close, every sse-swap) right after it gets its
  // source, in the same pass over the panel: open on the next turn, then pass on what came.
  PressedStream.prototype.claimed = function () {
    var self = this;
    clearTimeout(this.timer);
    this.timer = setTimeout(function () { self.start(); }, 0);
  };

  PressedStream.prototype.start = function () {
    if (this.readyState === CLOSED) return;
    this.readyState = OPEN;
    this.live = true;
    if (this.onopen) this.onopen(new Event("open"));
    while (this.queue.length && this.readyState !== CLOSED) {
      this.dispatch.apply(this, this.queue.shift());
    }
    if (this.bodyEnded && this.readyState !== CLOSED) this.lost();
  };

  PressedStream.prototype.dispatch = function (type, data, id) {
    var event = new MessageEvent(type, { data: data, lastEventId: id, origin: location.origin });
    // Every listener hears the event even once one of them has closed the stream (sse-close's,
    // on `done`), as with EventSource; a listener's error is reported, not ours to stop on.
    (this.listeners[type] || []).slice().forEach(function (listener) {
      try {
        listener.call(this, event);
      } catch (error) {
        if (window.reportError) window.reportError(error);
        else console.error(error);
      }
    }, this);
  };

  // The answer ended, or broke, without `done` (which closes this first).
  PressedStream.prototype.ended = function () {
    if (!this.panelShown) {
      this.readyState = CLOSED;
      this.answered();
      notStarted("The server could not start this run.");
    } else if (!this.live) {
      this.bodyEnded = true; // start() passes on what came first
    } else {
      this.lost();
    }
  };

  // What EventSource does when its stream breaks: an error while it reconnects (lessons.js
  // waits), then the run's own address again, which says what became of the run (the press
  // claimed it, so it never runs twice: it was cut off, and why). Its events come through here;
  // if it cannot be reached either, the error is final and lessons.js says so.
  PressedStream.prototype.lost = function () {
    var self = this;
    this.readyState = CONNECTING;
    if (this.onerror) this.onerror(new Event("error"));
    var delay = this.parser.retry === null ? RECONNECT_MS : this.parser.retry;
    this.timer = setTimeout(function () { self.reconnect(); }, delay);
  };

  PressedStream.prototype.reconnect = function () {
    if (this.readyState === CLOSED) return;
    var self = this;
    var inner = (this.inner = createEventSource.call(htmx, this.url));
    inner.onopen = function (event) {
      self.readyState = OPEN;
      if (self.onopen) self.onopen(event);
    };
    inner.onerror = function (event) {
      self.readyState = inner.readyState;
      if (self.onerror) self.onerror(event);
    };
    Object.keys(this.listeners).forEach(function (type) { self.relay(type); });
  };

  PressedStream.prototype.relay = function (type) {
    var self = this;
    if (this.relayed[type]) return;
    this.relayed[type] = true;
    this.inner.addEventListener(type, function (event) {
      self.dispatch(type, event.data, event.lastEventId);
    });
  };

  // The panel's stream address, read before the panel goes in (a template's content is inert:
  // nothing in it loads or runs).
  function streamAddress(html) {
    var template = document.createElement("template");
    template.innerHTML = html;
    var run = template.content.querySelector("[sse-connect]");
    return run ? run.getAttribute("sse-connect") : "";
  }

  // With htmx, so that what comes in is processed (hx- attributes, the panel's sse-connect) and
  // htmx:load fires (the character counts). Settled at once: the stream starts without delay.
  function swapInto(target, html, style) {
    htmx.swap(target, html, { swapStyle: style, swapDelay: 0, settleDelay: 0 });
  }

  function notStarted(message) {
    swapInto("#run-panel", '<h2 id="run-heading">The run</h2><p id="run-status" class="run-status" role="status">' +
      '<span class="badge badge-bad">Not started</span> ' + message + " " + RUN_AGAIN + "</p>", "innerHTML");
  }

  // The SSE extension creates every event source through htmx.createEventSource: for the
  // address a press has just answered, it gets the press's answer instead of a new request.
  function wrapCreateEventSource() {
    if (createEventSource) return true;
    if (typeof htmx === "undefined" || !htmx.createEventSource) return false;
    createEventSource = htmx.createEventSource;
    htmx.createEventSource = function (url) {
      var key = absolute(url);
      var stream = handOver[key];
      if (!stream) return createEventSource.call(htmx, url);
      delete handOver[key];
      stream.claimed();
      return stream;
    };
    return true;
  }

  // What hx-disabled-elt and htmx's request class did while htmx posted: the Run button is
  // disabled until the press is answered (the panel, or why not), not for the whole run.
  function pressed(form) {
    var button = form.querySelector("button[type=submit]");
    var disabled = Boolean(button && !button.disabled);
    var released = false;
    pressing = true;
    if (disabled) button.disabled = true;
    form.classList.add(htmx.config.requestClass);
    return function release() {
      if (released) return;
      released = pressing = false;
      if (disabled) button.disabled = false;
      form.classList.remove(htmx.config.requestClass);
    };
  }

  // An answer that is not the stream, taken as htmx takes the press's answers: a redirect (to
  // log in), the form with why not in its place (HX-Retarget, HX-Reswap), or the run panel.
  function answered(response, html) {
    var redirect = response.headers.get("HX-Redirect");
    var retarget = response.headers.get("HX-Retarget");
    if (redirect) {
      location.href = redirect;
    } else if (retarget && document.querySelector(retarget)) {
      swapInto(retarget, html, (response.headers.get("HX-Reswap") || "innerHTML").split(" ")[0]);
    } else if (response.ok) {
      if (response.status !== 204) swapInto("#run-panel", html, "innerHTML");
    } else {
      notStarted("The server could not start this run (it answered " + response.status + ").");
    }
  }

  function press(form, path) {
    var body = new URLSearchParams(new FormData(form));
    var controller = new AbortController();
    var release = pressed(form);
    fetch(absolute(path), {
      method: "POST",
      body: body,
      headers: {
        Accept: "text/event-stream",
        "HX-Request": "true",
        "HX-Current-URL": location.href,
        "HX-Target": "run-panel",
        "HX-Trigger": form.id
      },
      credentials: "same-origin",
      cache: "no-store",
      signal: controller.signal
    }).then(function (response) {
      var type = response.headers.get("Content-Type") || "";
      if (response.status === 200 && type.indexOf("text/event-stream") === 0 && response.body) {
        return new PressedStream(response, controller, release);
      }
      response.text().then(function (html) {
        release();
        answered(response, html);
      }, function () {
        release();
        notStarted(UNREACHABLE);
      });
    }, function () {
      release();
      notStarted(UNREACHABLE);
    });
  }

  // htmx is about to post the demo form (Run, or Run again): the page posts it instead.
  document.addEventListener("htmx:confirm", function (event) {
    var form = event.target;
    if (!streamable || form.id !== "demo-form" || event.detail.verb !== "post") return;
    if (!wrapCreateEventSource()) return;
    event.preventDefault();
    if (!pressing) press(form, event.detail.path);
  });
})();
