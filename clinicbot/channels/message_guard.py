"""Checks on what arrives from a channel, before Rasa sees it.

Both chat channels use it, so a bad message gets the same clear answer
whichever way it came in."""

import functools
import re
import unicodedata
from dataclasses import dataclass
from typing import Any

from clinicbot import settings

MAX_SENDER_CHARS = 128
_SENDER = re.compile(r"^[A-Za-z0-9_.:@-]+$")
# Control characters (NUL and friends) are dropped; newlines and tabs become spaces.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
# "\ud800" is valid JSON, but a lone surrogate cannot be written as UTF-8:
# stored, it broke every later write of the text (the console, exports). U+FFFD instead.
_LONE_SURROGATE = re.compile("[\ud800-\udfff]")


@dataclass
class Verdict:
    """Either `text` to hand to Rasa, or a `reply` to send straight back."""

    text: str | None = None
    reply: str | None = None


def sender_problem(sender: Any) -> str | None:
    """Why a sender id is refused, or None when it is fine."""
    if not isinstance(sender, str) or not sender:
        return "A non-empty string 'sender' is required: it identifies the conversation."
    if len(sender) > MAX_SENDER_CHARS:
        return f"'sender' is longer than {MAX_SENDER_CHARS} characters."
    if not _SENDER.match(sender):
        return "'sender' may contain only letters, digits and . _ : @ -"
    return None


def clean(text: str) -> str:
    text = unicodedata.normalize("NFC", text.replace("\r", " ").replace("\n", " ").replace("\t", " "))
    return _LONE_SURROGATE.sub("\ufffd", _CONTROL.sub("", text)).strip()


# Rasa's own commands the widget sends: a new conversation, Start over.
RASA_COMMANDS = ("/restart", "/session_start")


@functools.lru_cache(maxsize=1)
def button_payloads() -> frozenset[str]:
    """Every "/…" command a button of ours can send: an intent by name, the
    exact payloads of the domain's buttons and of the response generator's
    (feedback, suggestions by name), and Rasa's restart."""
    from clinicbot.nlg import FEEDBACK_BUTTONS

    payloads = {f"/{name}" for name in settings.domain_intents()} | set(RASA_COMMANDS)
    payloads |= {button["payload"] for button in FEEDBACK_BUTTONS}
    for variations in (settings.domain().get("responses") or {}).values():
        for variation in variations:
            for button in variation.get("buttons") or []:
                # Responses are format strings: "{{" is a literal brace.
                payloads.add(button["payload"].replace("{{", "{").replace("}}", "}"))
    return frozenset(payloads)


def as_words(text: str) -> str:
    """Typed text that starts with "/" but is not one of our buttons is read
    as words: Rasa would otherwise run it as an intent command, past the
    crisis guard ("/ask_efficacy@1.0 I want to die"), and log it raw."""
    if text.startswith("/") and text not in button_payloads():
        return text.lstrip("/ ").strip()
    return text


def crisis_excerpt(text: str, limit: int, detect) -> str:
    """The sentences of an over-long message that hold crisis or emergency
    words, cut to `limit`, so that Rasa reads (and the console shows) what the
    patient wrote; the crisis guard finds the same words again. When no single
    sentence holds them, the stretch of `limit` characters that does."""
    sentences = re.split(r"(?<=[.!?\n])\s+", text)
    flagged = [s.strip() for s in sentences if detect(s)]
    excerpt = " … ".join(flagged)
    if flagged and len(excerpt) <= limit:
        return excerpt
    step = max(limit // 4, 1)
    for start in range(0, max(len(text) - limit, 0) + step, step):
        window = text[start : start + limit]
        if detect(window):
            return window
    return text[:limit]


def check_message(text: str) -> Verdict:
    values = settings.response_values()
    text = as_words(clean(text))
    if not text:
        return Verdict(
            reply=(
                "It looks like that message was empty. What would you like to know about ketamine "
                "infusions or antidepressants? For questions about your own care, please ask your doctor."
            )
        )
    limit = settings.max_message_chars()
    if len(text) > limit:
        from clinicbot.nlu.crisis_guard import detect

        found = detect(text)
        if found:
            # A long message may hide a crisis: answer that, never the length,
            # and keep the patient's own words that raised it for staff.
            return Verdict(text=crisis_excerpt(text, limit, detect))
        return Verdict(
            reply=(
                f"That message is longer than I can read ({limit:,} characters at most). Could you ask "
                f"your question in a few sentences? If you'd like to tell someone your whole story, "
                f"please call the clinic's medical team at {values['clinic_phone']}."
            )
        )
    return Verdict(text=text)
