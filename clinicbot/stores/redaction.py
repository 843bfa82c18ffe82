"""Personal details removed from patients' messages before they are stored.

Rules, not a model: a name finder that needs no model download does not
exist beside Rasa's pins (presidio-analyzer needs a spaCy model fetched at
install time), so names are caught only where the patient introduces
themselves ("my name is…", "call me…", "signed…"). Measured with
`python -m bench.redaction` on bench/redaction_cases.tsv."""

import re
from re import Pattern

_DASH = "\\-\u2010\u2011\u2012\u2013\u2014\u2212"  # hyphen, non-breaking hyphen, en/em dashes, minus
_SEP = f"[\\s.{_DASH}/]"
_MONTHS = (
    r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|"
    r"sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?"
)
_DAY = r"(?:[12]\d|3[01]|0?[1-9])(?:st|nd|rd|th)?"
_YEAR = r"(?:19|20)\d{2}"
_DAY_OR_MONTH = r"(?:0?[1-9]|1[0-2]|[12]\d|3[01])"
_STREET = (
    r"(?:street|st|avenue|ave|road|rd|boulevard|blvd|drive|dr|lane|ln|way|court|ct|place|pl|"
    r"terrace|circle|cir|parkway|pkwy|highway|hwy)\.?"
)
_NAME = r"[A-Z][a-z'\u2019\-]+(?:\s+[A-Z][a-z'\u2019\-]+){0,2}"

# Order matters: an email or a record number must be caught before the
# generic digit run swallows part of it, a date before a phone number.
_RULES: list[tuple[Pattern[str], str]] = [
    (re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+"), "[email]"),
    # "jane(at)example.com", "jane [at] example [dot] com", "jane at example dot com",
    # "jane at example.com"; a bare " at " needs " dot " or a known ending, so
    # "I was at home. Then" stays.
    (
        re.compile(
            r"\b[\w.+-]+\s*(?:\(at\)|\[at\]|\{at\})\s*[\w-]+(?:\s*(?:\.|\(dot\)|\[dot\]|\{dot\})\s*[a-z]{2,})+\b"
            r"|\b[\w.+-]+\s+at\s+[\w-]+(?:(?:\s+dot\s+[a-z]{2,})+|\.(?:com|org|net|edu|gov|us|co|io|uk|ca|info|me)\b)",
            re.I,
        ),
        "[email]",
    ),
    # Record, member, policy and ID numbers after their name: "MRN 123456",
    # "member ID: AB12345", "member id 8834 5521 9901"; the name stays.
    (
        re.compile(
            r"\b((?:mrn|medical record(?: number| no\.?| #)?|record (?:number|no\.?|#)|patient (?:id|number|#)|"
            r"member (?:id|number|#)|policy (?:number|no\.?|#)|group (?:number|no\.?|#)|account (?:number|no\.?|#)|"
            r"chart (?:number|#)|id (?:number|#)|insurance id|subscriber id)\s*(?:is|:|#)?\s*)"
            r"[A-Z0-9](?:[A-Z0-9\-]|\s(?=\d)){3,}\b",
            re.I,
        ),
        r"\1[number]",
    ),
    # Letters then six or more digits: a passport, licence or plan number ("A12345678").
    (re.compile(r"\b[A-Z]{1,3}\d{6,}\b"), "[number]"),
    (re.compile(rf"\b\d{{3}}[{_DASH}]\d{{2}}[{_DASH}]\d{{4}}\b"), "[number]"),
    # Dates with a day: 03/14/1985, 14.03.85, 1985-03-14, March 14(th)(, 1985), 14 March 1985.
    (
        re.compile(
            rf"\b(?:0?[1-9]|1[0-2]|[12]\d|3[01])[/.{_DASH}](?:0?[1-9]|[12]\d|3[01])[/.{_DASH}](?:{_YEAR}|\d{{2}})\b"
        ),
        "[date]",
    ),
    (re.compile(rf"\b{_YEAR}[/.{_DASH}](?:0?[1-9]|1[0-2])[/.{_DASH}](?:0?[1-9]|[12]\d|3[01])\b"), "[date]"),
    (re.compile(rf"\b{_MONTHS}\s+{_DAY}(?:,?\s+{_YEAR})?\b", re.I), "[date]"),
    (re.compile(rf"\b{_DAY}(?:\s+of)?\s+{_MONTHS},?\s+{_YEAR}\b", re.I), "[date]"),
    # Phone numbers: any of our dashes, dots, slashes or spaces between groups;
    # international ones with a + and 8 to 14 more digits.
    (
        re.compile(rf"(?<![\w+])(?:\+?1{_SEP}?)?(?:\(\d{{3}}\)|\d{{3}}){_SEP}?\d{{3}}{_SEP}?\d{{4}}\b"),
        "[phone]",
    ),
    (re.compile(rf"(?<![\w])\+\d{{1,3}}(?:{_SEP}?\(?\d{{1,4}}\)?){{2,5}}\b"), "[phone]"),
    # Street addresses: "100 Example Street", "4500 W. Campus Dr, Apt 2". The
    # street's name is capitalised, so "2 hours in the court" stays.
    (
        re.compile(
            rf"\b\d{{1,6}}\s+(?:[NSEW]\.?\s+)?(?:(?:[A-Z][A-Za-z'\-]*|\d+(?:st|nd|rd|th))\s+){{1,3}}(?i:{_STREET})"
            rf"(?:,?\s+(?i:apt|apartment|suite|ste|unit|#)\.?\s*[\w\-]+)?(?=[\s,.!?;]|$)"
        ),
        "[address]",
    ),
    # ZIP codes: ZIP+4 always; five digits after a state code or the word zip.
    (re.compile(r"\b\d{5}-\d{4}\b"), "[zip]"),
    (re.compile(r"(?<=\b[A-Z]{2}\s)\d{5}\b"), "[zip]"),
    (re.compile(r"\b(zip(?:\s*code)?\s*(?:is|:)?\s*)\d{5}\b", re.I), r"\1[zip]"),
    # Insurance, member or card numbers: seven or more digits, maybe spaced.
    (re.compile(rf"(?<![\w])\d(?:[\s.{_DASH}]?\d){{6,}}\b"), "[number]"),
    # A name the patient gives: "my name is Maria Lopez", "call me Sam", "signed, Jo".
    (
        re.compile(rf"(\b(?i:my name is|my name's|name\s*:|call me|i'm called|signed,?|regards,?)\s+){_NAME}\b"),
        r"\1[name]",
    ),
]


def redact(text: str) -> str:
    for pattern, placeholder in _RULES:
        text = pattern.sub(placeholder, text)
    return text
