// Mounts rasa-webchat (served from web/node_modules as /webchat.js) and adds
// what it lacks for keyboard and screen-reader users, plus "Start over".
"use strict";

(function () {
  var config = document.getElementById("chat-config").dataset;
  var SESSION_KEY = "chat_session"; // where rasa-webchat keeps the conversation
  var REOPEN_KEY = "clinic_chat_reopen";
  var announcer = document.getElementById("chat-announcer") || createAnnouncer();
  // No answer within this long, or no connection: the page shows the crisis
  // lines itself, so a patient in crisis is never left with a spinner.
  var BACKSTOP_MS = Number(config.backstopMs) || 8000;
  // Said in so many words, these get the crisis lines at once, from the page
  // alone, before (and whether or not) the server answers. Few and
  // unambiguous on purpose, and first person only ("is ketamine used for
  // suicidal thoughts?" is a question): the server's safety layer reads the rest.
  var CRISIS_WORDS = /\bi(['’]?m| am)? (going to |gonna |want to |wanna )?(kill|killing) myself\b|\bi (want|wanna) to die\b|\bi(['’]?m| am) (going to |gonna )?(end|ending) (my life|it all)\b|\bi(['’]?m| am) (feeling )?suicidal\b|\bi (want|am going|plan) to take my (own )?life\b/i;

  function createAnnouncer() {
    var region = document.createElement("div");
    region.className = "visually-hidden";
    region.setAttribute("role", "log");
    region.setAttribute("aria-live", "polite");
    region.setAttribute("aria-label", "New chat messages");
    region.style.cssText = "position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0)";
    document.body.appendChild(region);
    return region;
  }

  window.WebChat.default({
    socketUrl: config.socketUrl,
    socketPath: "/socket.io/",
    initPayload: "/greet",
    title: config.title,
    subtitle: config.subtitle,
    inputTextFieldHint: "Type your question…",
    connectingText: "Connecting to the assistant…",
    // sessionStorage: the transcript is gone when the tab closes, so a shared
    // family or clinic computer does not keep someone's conversation.
    params: { storage: "session" },
    withRules: false,
    hideWhenNotConnected: false,
    customMessageDelay: function () { return 400; },
    mainColor: "#1f4e79",
    userBackgroundColor: "#1f4e79",
    userTextColor: "#ffffff",
  }, null);

  // One-tap crisis links, from clinic.yml (web/serve.py); only tel: and sms:.
  function helpLinks() {
    try {
      var links = JSON.parse(config.helpLinks || "[]");
      return links.filter(function (link) {
        return link && typeof link.title === "string" && /^(tel|sms):\+?[0-9]{2,15}$/.test(link.url);
      });
    } catch (error) {
      return [];
    }
  }

  // "Get help now": the crisis lines as links, shown from the header button,
  // when the server is slow or unreachable, or when a message says crisis
  // words. A fixed panel of the page's own, so the widget's re-renders leave it.
  var helpPanel = null;
  function showHelp(reason) {
    if (!helpPanel) {
      helpPanel = document.createElement("section");
      helpPanel.className = "chat-help";
      helpPanel.setAttribute("role", "dialog");
      helpPanel.setAttribute("aria-labelledby", "chat-help-title");
      var title = document.createElement("h2");
      title.id = "chat-help-title";
      title.textContent = "Get help now";
      var note = document.createElement("p");
      note.className = "chat-help-note";
      note.setAttribute("role", "status");
      var list = document.createElement("ul");
      helpLinks().forEach(function (link) {
        var item = document.createElement("li");
        var anchor = document.createElement("a");
        anchor.href = link.url;
        anchor.textContent = link.title;
        item.appendChild(anchor);
        list.appendChild(item);
      });
      var close = document.createElement("button");
      close.type = "button";
      close.className = "chat-help-close";
      close.textContent = "Close";
      close.addEventListener("click", hideHelp);
      helpPanel.append(title, note, list, close);
      document.body.appendChild(helpPanel);
    }
    helpPanel.querySelector(".chat-help-note").textContent = reason;
    helpPanel.hidden = false;
    var first = helpPanel.querySelector("a");
    if (first) first.focus();
  }

  function hideHelp() {
    if (helpPanel) helpPanel.hidden = true;
    var button = document.querySelector(".chat-get-help");
    if (button) button.focus();
  }

  var HELP_ANY_TIME = "You can talk to someone right now, day or night.";
  var HELP_SLOW =
    "The assistant is slow to answer or the connection was lost. Reconnecting… " +
    "If you need to talk to someone now, you can call or text right away.";
  var HELP_WORDS = "If you are thinking about ending your life or hurting yourself, please reach out now.";

  // A reply is overdue when a patient's message has waited BACKSTOP_MS.
  var overdue = null;
  var seenUsers = null;
  var seenReplies = 0;
  function watchForAnswer(container, replies) {
    if (!container) {
      seenUsers = null; // closed: what is there on reopening is history
      return;
    }
    var users = container.querySelectorAll(".rw-client");
    if (seenUsers === null) {
      seenUsers = users.length;
      seenReplies = replies.length;
      clearTimeout(overdue);
      return;
    }
    if (users.length > seenUsers) {
      var latest = users[users.length - 1].textContent || "";
      seenUsers = users.length;
      if (CRISIS_WORDS.test(latest)) showHelp(HELP_WORDS);
      clearTimeout(overdue);
      overdue = setTimeout(function () { showHelp(HELP_SLOW); }, BACKSTOP_MS);
    }
    if (replies.length > seenReplies) {
      seenReplies = replies.length;
      clearTimeout(overdue);
    }
  }

  // rasa-webchat shows "Connecting…" (and disables the input) while it has
  // no connection: after BACKSTOP_MS of that, the crisis lines too.
  var offline = null;
  function watchConnection() {
    var connecting = document.querySelector(".rw-conversation-container .rw-loading");
    if (connecting && offline === null) {
      offline = setTimeout(function () {
        if (document.querySelector(".rw-conversation-container .rw-loading")) showHelp(HELP_SLOW);
      }, BACKSTOP_MS);
    } else if (!connecting && offline !== null) {
      clearTimeout(offline);
      offline = null;
    }
  }

  function storedSessionId() {
    try {
      var stored = JSON.parse(sessionStorage.getItem(SESSION_KEY) || "null");
      return stored && stored.session_id;
    } catch (error) {
      return null;
    }
  }

  function conversationIsOpen() {
    return document.querySelector(".rw-conversation-container") !== null;
  }

  function openChat() {
    var launcher = document.querySelector(".rw-launcher");
    if (launcher && !conversationIsOpen()) launcher.click();
    var input = document.querySelector(".rw-new-message");
    if (input) input.focus();
  }

  // Start over: end the conversation in Rasa (so staff see where it stopped),
  // forget it in this tab and reload; the widget then starts a new session
  // with the greeting.
  function startOver() {
    var status = document.getElementById("chat-status");
    var sessionId = storedSessionId();
    if (status) status.textContent = "Starting a new conversation…";
    var restart = sessionId
      ? fetch(config.socketUrl + "/webhooks/rest/webhook", {
          method: "POST",
          headers: { "Content-Type": "application/json" },
          body: JSON.stringify({ sender: sessionId, message: "/restart" }),
        }).catch(function () { /* a new session starts anyway */ })
      : Promise.resolve();
    restart.then(function () {
      sessionStorage.removeItem(SESSION_KEY);
      sessionStorage.removeItem(DRAFT_KEY);
      sessionStorage.setItem(REOPEN_KEY, "1");
      window.location.reload();
    });
  }

  function setAttributes(element, attributes) {
    if (!element) return;
    Object.keys(attributes).forEach(function (name) {
      if (element.getAttribute(name) !== attributes[name]) element.setAttribute(name, attributes[name]);
    });
  }

  // rasa-webchat 1.0.1 renders an unlabelled launcher and send button, an
  // input labelled only by its placeholder, and quick replies as plain <div>s
  // that a keyboard cannot reach. Label them and make replies focusable.
  function labelWidget() {
    var open = conversationIsOpen();
    setAttributes(document.querySelector(".rw-launcher"), {
      "aria-label": open ? "Close the chat" : "Open the chat with our assistant",
      "aria-expanded": String(open),
    });
    setAttributes(document.querySelector(".rw-new-message"), { "aria-label": "Your question for the assistant" });
    setAttributes(document.querySelector(".rw-send"), { "aria-label": "Send" });
    setAttributes(document.querySelector(".rw-close-button"), { "aria-label": "Close the chat" });
    setAttributes(document.querySelector(".rw-messages-container"), {
      role: "region", "aria-label": "Conversation", tabindex: "0",
    });
    document.querySelectorAll("div.rw-reply").forEach(function (reply) {
      setAttributes(reply, { role: "button", tabindex: "0" });
    });
    addToHeader("chat-start-over", "Start over", startOver);
    addToHeader("chat-get-help", "Get help now", function () { showHelp(HELP_ANY_TIME); });
  }

  // On a phone the open chat covers the page, so "Start over" and "Get help
  // now" are in its header too. rasa-webchat re-renders the header: add each once.
  function addToHeader(className, label, onClick) {
    var header = document.querySelector(".rw-header");
    if (!header || header.querySelector("." + className)) return;
    var button = document.createElement("button");
    button.type = "button";
    button.className = className;
    button.textContent = label;
    button.addEventListener("click", onClick);
    header.appendChild(button);
  }

  // Announce each new reply once. When the chat opens, the replies already in
  // the transcript are history, not news, so they are only counted.
  var announced = null;
  function announceReplies(container, replies) {
    if (!container) {
      announced = null;
      return;
    }
    if (announced === null) announced = replies.length;
    for (; announced < replies.length; announced += 1) {
      var line = document.createElement("p");
      line.textContent = "Assistant: " + replies[announced].textContent;
      announcer.appendChild(line);
    }
    while (announcer.childNodes.length > 5) announcer.removeChild(announcer.firstChild);
  }

  // The widget scrolls to each new reply, so a turn of several replies (the
  // crisis lines, then the answer to the question that came with them) would
  // end with its first reply out of sight. Once a turn's replies have all
  // arrived, bring its first reply back into view: patients read from there.
  var turnStart = null;
  var users = 0;
  var settle = null;
  function showStartOfTurn(container, replies) {
    if (!container) {
      turnStart = null;
      return;
    }
    var sent = container.querySelectorAll(".rw-client").length;
    if (turnStart === null || sent !== users) {
      users = sent;
      turnStart = replies.length; // a restored transcript, or a new question
      return;
    }
    if (replies.length <= turnStart + 1) return;
    clearTimeout(settle);
    settle = setTimeout(function () {
      var first = replies[turnStart].closest(".rw-message") || replies[turnStart];
      var top = first.getBoundingClientRect().top - container.getBoundingClientRect().top;
      if (top < 0) container.scrollTop += top - 8;
    }, 700); // longer than the widget's 400 ms between replies
  }

  // The transcript and its bot replies (not the typing indicator), or none.
  new MutationObserver(function () {
    labelWidget();
    var container = document.querySelector(".rw-messages-container");
    var replies = container ? container.querySelectorAll(".rw-message:not(.rw-typing-indication) .rw-response") : [];
    announceReplies(container, replies);
    showStartOfTurn(container, replies);
    watchForAnswer(container, replies);
    watchConnection();
    forgetSentDraft(container);
    restoreDraft();
  }).observe(document.body, { childList: true, subtree: true });

  document.addEventListener("keydown", function (event) {
    var target = event.target;
    if ((event.key === "Enter" || event.key === " ") && target.matches && target.matches("div.rw-reply")) {
      event.preventDefault();
      target.click();
    } else if (event.key === "Escape" && document.body.classList.contains("chat-private")) {
      event.preventDefault(); // the screen stays until Continue or Start over
    } else if (event.key === "Escape" && helpPanel && !helpPanel.hidden) {
      hideHelp();
    } else if (event.key === "Escape" && conversationIsOpen()) {
      // The launcher toggles the chat, also while a phone layout hides it.
      var launcher = document.querySelector(".rw-launcher");
      if (launcher) {
        launcher.click();
        launcher.focus();
      }
    }
  });

  // An unsent message survives a lost connection (the widget disables and
  // re-renders its input while it reconnects) and a reload: the draft is kept
  // in this tab's sessionStorage and put back into an empty input. It is
  // forgotten once it has been sent, and by Start over.
  var DRAFT_KEY = "clinic_chat_draft";
  function saveDraft(event) {
    var target = event.target;
    if (target && target.matches && target.matches(".rw-new-message")) {
      if (target.value) sessionStorage.setItem(DRAFT_KEY, target.value);
      else sessionStorage.removeItem(DRAFT_KEY);
    }
  }
  document.addEventListener("input", saveDraft, true);
  // Sending empties the input without an input event: forget the draft then.
  document.addEventListener("keydown", function (event) {
    if (event.key === "Enter" && !event.shiftKey && event.target.matches && event.target.matches(".rw-new-message")) {
      sessionStorage.removeItem(DRAFT_KEY);
    }
  }, true);
  document.addEventListener("click", function (event) {
    if (event.target.closest && event.target.closest(".rw-send")) sessionStorage.removeItem(DRAFT_KEY);
  }, true);

  function restoreDraft() {
    var draft = sessionStorage.getItem(DRAFT_KEY);
    var input = document.querySelector(".rw-new-message");
    if (!draft || !input || input.disabled || input.value) return;
    // React owns the input: set it the way typing does, then tell React.
    var setter = Object.getOwnPropertyDescriptor(Object.getPrototypeOf(input), "value").set;
    setter.call(input, draft);
    input.dispatchEvent(new Event("input", { bubbles: true }));
  }

  function forgetSentDraft(container) {
    var draft = sessionStorage.getItem(DRAFT_KEY);
    if (!draft || !container) return;
    var sent = container.querySelectorAll(".rw-client");
    var last = sent.length ? (sent[sent.length - 1].textContent || "").trim() : "";
    if (last && last === draft.trim()) sessionStorage.removeItem(DRAFT_KEY);
  }

  // Privacy on shared computers: after IDLE_MS with no typing, clicking,
  // touching or scrolling, the transcript is hidden behind "Continue / Start
  // over". Never while the crisis lines are open: those stay in sight.
  var IDLE_MS = Number(config.idleMs) || 0; // 0 or missing: never
  var idleTimer = null;
  var privacyScreen = null;

  function hasConversation() {
    return storedSessionId() !== null || document.querySelector(".rw-messages-container .rw-message") !== null;
  }

  function hideConversation() {
    if (helpPanel && !helpPanel.hidden) return restartIdleTimer();
    if (!hasConversation()) return restartIdleTimer();
    if (!privacyScreen) {
      privacyScreen = document.createElement("section");
      privacyScreen.className = "chat-privacy";
      privacyScreen.setAttribute("role", "dialog");
      privacyScreen.setAttribute("aria-modal", "true");
      privacyScreen.setAttribute("aria-labelledby", "chat-privacy-title");
      privacyScreen.setAttribute("aria-describedby", "chat-privacy-text");
      var title = document.createElement("h2");
      title.id = "chat-privacy-title";
      title.textContent = "Your chat is hidden";
      var text = document.createElement("p");
      text.id = "chat-privacy-text";
      text.textContent =
        "We hid this conversation after a few quiet minutes, in case others use this computer. " +
        "Is this still you?";
      var actions = document.createElement("div");
      actions.className = "chat-privacy-actions";
      var resume = document.createElement("button");
      resume.type = "button";
      resume.className = "chat-privacy-continue";
      resume.textContent = "Continue";
      resume.addEventListener("click", showConversation);
      var restart = document.createElement("button");
      restart.type = "button";
      restart.className = "chat-privacy-start-over";
      restart.textContent = "Start over";
      restart.addEventListener("click", startOver);
      actions.append(resume, restart);
      privacyScreen.append(title, text, actions);
      document.body.appendChild(privacyScreen);
    }
    document.body.classList.add("chat-private");
    while (announcer.firstChild) announcer.removeChild(announcer.firstChild);
    privacyScreen.hidden = false;
    privacyScreen.querySelector(".chat-privacy-continue").focus();
  }

  function showConversation() {
    document.body.classList.remove("chat-private");
    if (privacyScreen) privacyScreen.hidden = true;
    var input = document.querySelector(".rw-new-message");
    if (input) input.focus();
    restartIdleTimer();
  }

  function restartIdleTimer() {
    if (!IDLE_MS || document.body.classList.contains("chat-private")) return;
    clearTimeout(idleTimer);
    idleTimer = setTimeout(hideConversation, IDLE_MS);
  }

  ["keydown", "pointerdown", "touchstart", "wheel", "scroll"].forEach(function (name) {
    document.addEventListener(name, restartIdleTimer, { capture: true, passive: true });
  });
  restartIdleTimer();

  // Optional page controls: a clinic's own page may have neither.
  var openButton = document.getElementById("open-chat");
  if (openButton) openButton.addEventListener("click", openChat);
  var startOverButton = document.getElementById("start-over");
  if (startOverButton) startOverButton.addEventListener("click", startOver);

  if (sessionStorage.getItem(REOPEN_KEY)) {
    sessionStorage.removeItem(REOPEN_KEY);
    // The launcher appears once the widget has mounted.
    var waitForLauncher = new MutationObserver(function () {
      if (document.querySelector(".rw-launcher")) {
        waitForLauncher.disconnect();
        openChat();
      }
    });
    waitForLauncher.observe(document.body, { childList: true, subtree: true });
  }
})();
