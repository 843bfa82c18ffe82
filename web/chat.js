// Mounts rasa-webchat (served from web/node_modules as /webchat.js) and adds
// what it lacks for keyboard and screen-reader users, plus "Start over".
"use strict";

(function () {
  var config = document.getElementById("chat-config").dataset;
  var SESSION_KEY = "chat_session"; // where rasa-webchat keeps the conversation
  var REOPEN_KEY = "clinic_chat_reopen";
  var announcer = document.getElementById("chat-announcer") || createAnnouncer();

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
    addStartOverToHeader();
  }

  // On a phone the open chat covers the page, so "Start over" is in its header too.
  function addStartOverToHeader() {
    var header = document.querySelector(".rw-header");
    if (!header || header.querySelector(".chat-start-over")) return;
    var button = document.createElement("button");
    button.type = "button";
    button.className = "chat-start-over";
    button.textContent = "Start over";
    button.addEventListener("click", startOver);
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
  }).observe(document.body, { childList: true, subtree: true });

  document.addEventListener("keydown", function (event) {
    var target = event.target;
    if ((event.key === "Enter" || event.key === " ") && target.matches && target.matches("div.rw-reply")) {
      event.preventDefault();
      target.click();
    } else if (event.key === "Escape" && conversationIsOpen()) {
      // The launcher toggles the chat, also while a phone layout hides it.
      var launcher = document.querySelector(".rw-launcher");
      if (launcher) {
        launcher.click();
        launcher.focus();
      }
    }
  });

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
