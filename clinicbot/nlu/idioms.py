"""Everyday sayings that borrow words of death and harm, read for what they mean.

"I'd die for a good night's sleep", "this wait is killing me", "dying to
know", "to die for", "kill two birds with one stone": patients say these all
the time, and a classifier that sees "die" and "kill" leans towards a crisis
whatever the rest of the sentence says. The intent classifier reads each
message with these sayings replaced by their everyday meaning (training
examples too, so both sides match), so the rest of the sentence decides.
Only fixed sayings are rewritten: "I want to die", "kill myself" and every
other crisis phrase are left exactly as written, and the crisis guard reads
the original text."""

import re
from re import Pattern

# (saying, everyday meaning). Words of despair ("life", "depression") after
# "... is killing me" are not an idiom for something trivial; they stay.
_DESPAIR = (
    r"(?:depression|loneliness|life|living|sadness|grief|my\s+thoughts|the\s+thoughts|the\s+voices|"
    r"everything|it\s+all)"
)
_SAYINGS: list[tuple[str, str]] = [
    (
        r"\b(?:i'?d|i\s+would|i\s+could|id)\s+(?:literally\s+|honestly\s+|seriously\s+)?(?:die|kill|murder)\s+for\b",
        "i would love",
    ),
    (r"\b(?:i\s+could|i'?d|id)\s+murder\s+(?=an?\b|some\b)", "i would love "),
    (r"\b(?:dying|dyin)\s+(?=to\b|for\b)", "longing "),
    (r"\bto\s+die\s+for\b", "wonderful"),
    (
        r"\b(?:is|are|was|were|'s|'re)\s+(?:literally\s+|honestly\s+|just\s+|really\s+)?killing\s+me\b",
        "is bothering me",
    ),
    (r"\bkill(?:ing|ed|s)?\s+two\s+birds\s+with\s+one\s+stone\b", "do two things at once"),
    (r"\b(?:killed|killing|kill)\s+it\b(?=\s+(?:at|in|on|today|tonight|this|last|lol|!|\.|$))", "did great"),
    (r"\b(?:dead|deathly)\s+tired\b", "very tired"),
    (r"\b(bored|scared|worried|frightened|terrified)\s+to\s+death\b", r"very \1"),
    (
        r"\b(?:phone|battery|laptop|car|plants?|tablet|ipad|headphones|charger)\s+(?:is\s+|was\s+|"
        r"just\s+)?(?:dying|dead|died)\b",
        "device is low",
    ),
    (r"\bcareer\s+suicide\b", "a career mistake"),
    (r"\bsuicide\s+(?:doors?|squeeze|runs?|drills?|sprints?)\b", "a sports or car term"),
    (r"\bpain\s*killers?\b", "pain relievers"),
    (
        r"\bkill(?:s|ed|ing)?\s+((?:the\s+|all\s+the\s+|99(?:\.9+)?%\s+of\s+)?(?:germs|bacteria|viruses|"
        r"weeds|bugs|time|the\s+mood|"
        r"my\s+(?:buzz|vibe|sex\s+drive|libido|appetite|creativity)))\b",
        r"took away \1",
    ),
]
_COMPILED: list[tuple[Pattern[str], str]] = [(re.compile(p, re.IGNORECASE), r) for p, r in _SAYINGS]
_DESPAIR_BEFORE = re.compile(_DESPAIR + r"\s*$", re.IGNORECASE)


def everyday_meaning(text: str) -> str:
    """The text with everyday sayings in plain words; otherwise unchanged."""
    text = text.replace("\u2019", "'")
    for pattern, meaning in _COMPILED:

        def rewrite(match: "re.Match[str]", meaning: str = meaning) -> str:
            if _DESPAIR_BEFORE.search(match.string[max(0, match.start() - 30) : match.start()]):
                return match.group(0)  # "my depression is killing me" is not trivial
            return match.expand(meaning)

        text = pattern.sub(rewrite, text)
    return text


def fingerprint() -> str:
    """Changes whenever the sayings do, so Rasa retrains the classifier."""
    import hashlib

    return hashlib.sha256(repr(_SAYINGS).encode()).hexdigest()[:16]
