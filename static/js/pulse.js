/* The staff pulse in a browser with JavaScript. No inline script anywhere (strict CSP).

   1. Answers never lost. Each screen is its own history entry (?card=3: the card, never an
      answer). While the pulse is answered, the answers so far live in this tab's sessionStorage,
      keyed by the link; Back, Forward and reload post them back to the server for the card the
      address names. The thank-you page forgets them, so nothing is left in the browser.
   2. "I'm not sure" is exclusive: GOV.UK's checkboxes data-behaviour="exclusive" pattern. */
(function () {
  "use strict";

  var PREFIX = "pulse:";
  // Fields that belong to one screen or request, not to the answers being carried.
  var SCREEN_FIELDS = ["csrf_token", "nav", "step", "return"];

  function pulseForm() {
    return document.querySelector("form[data-pulse]");
  }

  function key(form) {
    return PREFIX + form.getAttribute("data-pulse");
  }

  function save(form) {
    var pairs = [];
    new FormData(form).forEach(function (value, name) {
      if (SCREEN_FIELDS.indexOf(name) === -1) {
        pairs.push([name, value]);
      }
    });
    try {
      sessionStorage.setItem(key(form), JSON.stringify(pairs));
    } catch (error) {
      // Storage full or refused (private mode): the pulse still works, as without JavaScript.
    }
  }

  function saved(form) {
    try {
      var pairs = JSON.parse(sessionStorage.getItem(key(form)) || "null");
      return Array.isArray(pairs) ? pairs : null;
    } catch (error) {
      return null;
    }
  }

  function forgetAll() {
    for (var i = sessionStorage.length - 1; i >= 0; i -= 1) {
      var name = sessionStorage.key(i);
      if (name && name.indexOf(PREFIX) === 0) {
        sessionStorage.removeItem(name);
      }
    }
  }

  // The screen an address names: the welcome, a card (numbered from 1) or the review.
  function stepFor(address, cards) {
    var card = new URL(address, location.href).searchParams.get("card");
    if (card === "review") {
      return "review";
    }
    var number = /^[1-9][0-9]{0,2}$/.test(card || "") ? Number(card) : 0;
    return number >= 1 && number <= cards ? String(number - 1) : "landing";
  }

  function field(form, name, value) {
    var input = document.createElement("input");
    input.type = "hidden";
    input.name = name;
    input.value = value;
    form.appendChild(input);
  }

  var resuming = false;

  // Post the kept answers for the screen `address` names and swap it in; false if none are kept.
  function resume(form, address) {
    var pairs = saved(form);
    var step = stepFor(address, Number(form.getAttribute("data-pulse-cards")));
    // Nothing answered (the welcome keeps only its nonce, and a new page brings a new one) and
    // the welcome asked for: the page as loaded is already that screen, and posting it again
    // would race a quick press of Start and could take its card away.
    var answered = (pairs || []).some(function (pair) {
      return pair[0] !== "nonce";
    });
    if (!pairs || (!answered && step === "landing")) {
      return false;
    }
    if (resuming) {
      // Back pressed twice quickly: the screen in flight checks the address again when it lands.
      return true;
    }
    resuming = true;
    var carrier = document.createElement("form");
    carrier.hidden = true;
    carrier.noValidate = true;
    field(carrier, "csrf_token", form.elements.csrf_token.value);
    field(carrier, "nav", "resume");
    field(carrier, "step", step);
    pairs.forEach(function (pair) {
      field(carrier, pair[0], pair[1]);
    });
    document.body.appendChild(carrier);
    htmx
      .ajax("POST", form.getAttribute("action"), { source: carrier, target: form, swap: "outerHTML" })
      .finally(function () {
        carrier.remove();
        resuming = false;
        var now = pulseForm();
        if (now && location.href !== new URL(address, location.href).href) {
          resume(now, location.href);
        }
      });
    return true;
  }

  function exclusive(event) {
    var box = event.target;
    if (!box.matches || !box.matches("input[type=checkbox]") || !box.checked) {
      return;
    }
    var only = box.getAttribute("data-behaviour") === "exclusive";
    var group = box.closest(".govuk-checkboxes");
    if (!group) {
      return;
    }
    group.querySelectorAll("input[type=checkbox]").forEach(function (other) {
      var otherOnly = other.getAttribute("data-behaviour") === "exclusive";
      if (other !== box && other.name === box.name && (only || otherOnly)) {
        other.checked = false;
      }
    });
  }

  function keep(event) {
    var form = event.target.closest && event.target.closest("form[data-pulse]");
    if (form) {
      save(form);
    }
  }

  // Sending: forget at once rather than wait for the thank-you page, which someone may leave
  // before its script runs. A refused send swaps its screen back in, and that keeps them again.
  function sending(event) {
    var button = event.target.closest && event.target.closest("button[name=nav][value=submit]");
    var form = button && button.closest("form[data-pulse]");
    if (form) {
      sessionStorage.removeItem(key(form));
    }
  }

  document.addEventListener("click", sending);
  // Registered first: the exclusive rule settles the boxes before the answers are kept.
  document.addEventListener("change", exclusive);
  document.addEventListener("change", keep);
  document.addEventListener("input", keep);

  document.addEventListener("htmx:after:settle", function () {
    var form = pulseForm();
    if (form) {
      save(form);
    }
  });

  document.addEventListener("htmx:before:history:restore", function (event) {
    var form = pulseForm();
    var path = event.detail && event.detail.path;
    if (!form || !path) {
      return;
    }
    if (new URL(path, location.href).pathname === form.getAttribute("action") && resume(form, path)) {
      event.preventDefault();
    }
  });

  if (document.querySelector("[data-pulse-done]")) {
    forgetAll();
  }
  var form = pulseForm();
  if (form && !resume(form, location.href)) {
    save(form);
  }
})();
