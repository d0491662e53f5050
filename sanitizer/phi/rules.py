"""Rules that decide whether one line of OCR'd text looks like PHI.

`classify(text, context)` returns the strongest Finding for a line, or None. `context` is the
text of the labels next to the line (to its left or above it, e.g. "DOB:" on a chart), which
turns weak evidence (a bare date, a lone surname, a short digit run) into a finding. A Finding
carries a short reason ("MRN pattern", "name", "date of birth") and never the text itself.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Sequence

from .lexicon import fold, is_any_name, is_first_name, is_last_name


@dataclass(frozen=True)
class Finding:
    rule: str
    reason: str
    score: float


_I = re.IGNORECASE
_MONTH = (r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|"
          r"sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)")

SSN = re.compile(r"(?<![\dA-Z])(?:\d{3}|[X*]{3})-(?:\d{2}|[X*]{2})-\d{4}(?!\d)", _I)
SSN_BARE = re.compile(r"(?<!\d)\d{3}[ -]?\d{2}[ -]?\d{4}(?!\d)")
EMAIL = re.compile(r"[A-Z0-9._%+-]+@[A-Z0-9.-]+\.[A-Z]{2,}", _I)
PHONE = re.compile(r"(?<![\d/])(?:\+?1[\s.-]?)?(?:\(\d{3}\)\s?|\d{3}[\s.-])\d{3}[\s.-]\d{4}(?![\d/])")
NUM_DATE = re.compile(r"(?<![\d.])(\d{1,2})\s?[/.\-]\s?(\d{1,2})\s?[/.\-]\s?(\d{4}|\d{2})(?![\d])")
ISO_DATE = re.compile(r"(?<!\d)(?:19|20)\d{2}[-/.](?:0?[1-9]|1[0-2])[-/.](?:0?[1-9]|[12]\d|3[01])(?!\d)")
TEXT_DATE = re.compile(
    rf"(?<![A-Z]){_MONTH}\.?\s*\d{{1,2}}(?:st|nd|rd|th)?(?:,\s*|\s+)'?(?:\d{{4}}|\d{{2}})(?!\d)"
    rf"|(?<!\d)\d{{1,2}}(?:st|nd|rd|th)?[\s\-]*{_MONTH}\.?[\s\-,]*'?(?:\d{{4}}|\d{{2}})(?!\d)", _I)
AGE = re.compile(r"(?<![\d.])\d{1,3}\s?(?:y/o|yo|yrs?|y(?![a-z])|years?\s+old)", _I)
ID_PREFIX = re.compile(
    r"(?<![A-Z])(MRN|MR\s?#|MED(?:ICAL)?\s+REC(?:ORD)?|FIN|ACCT|ACCOUNT|ACC|ENC|ENCOUNTER|CSN|HAR|"
    r"VISIT|PID|PT\s?ID|PATIENT\s?ID|MEMBER\s?ID|POLICY|ID)\s*(?:NO|NUM|NUMBER|#)?\.?\s*[:#=]?\s*"
    r"[A-Z]{0,3}\d[\d\s-]{2,}", _I)
DIGIT_RUN = re.compile(r"(?<![\d.,])\d(?:[\s-]?\d){5,}(?![\d.,])")
SHORT_DIGITS = re.compile(r"(?<![\d.,:])[A-Z]{0,2}\d{4,}(?![\d.,:])", _I)
STREET = re.compile(
    r"(?<![\w])\d{1,6}[A-Z]?\s+(?:[NSEW]\.?\s+)?(?:[A-Z0-9'][\w'.-]*\s+){0,4}"
    r"(?:street|st|avenue|ave|road|rd|boulevard|blvd|drive|dr|lane|ln|way|court|ct|place|pl|terrace|"
    r"ter|parkway|pkwy|highway|hwy|circle|cir|square|sq|trail|trl|suite|ste|apt)\b\.?", _I)
PO_BOX = re.compile(r"\bP\.?\s?O\.?\s+BOX\s+\d+", _I)
CITY_ZIP = re.compile(r"[A-Z][A-Za-z .'-]+,\s*[A-Z]{2}\.?\s+\d{5}(?:-\d{4})?(?!\d)")
ROOM = re.compile(r"(?<![A-Z])(?:room|rm|bed|bay)\s*(?:no\.?|#)?\s*[:#.]?\s*[A-Z]?\d{1,4}[A-Z]?(?:-[A-Z0-9]{1,3})?\b", _I)
LAST_FIRST = re.compile(r"(?<![\w])([A-Z][A-Za-z'\-]+),\s*([A-Z][A-Za-z'\-]+)")
TITLE_NAME = re.compile(r"(?<![A-Za-z])(?:Dr|Mr|Mrs|Ms|Miss|Mx|Prof)\.?\s+([A-Z][A-Za-z'\-]+)")
TITLE_END = re.compile(r"(?<![A-Za-z])(?:Dr|Mr|Mrs|Ms|Miss|Mx|Prof)\.?\s*$")
CAP_WORD = re.compile(r"[A-Z][A-Za-z'\-]+")

DOB_CONTEXT = re.compile(r"(?<![A-Z])(?:D[O0][B8]|D\.O\.B|BIRTH|BORN|B/?D|BDAY)(?![A-Z])", _I)
MRN_CONTEXT = re.compile(r"(?<![A-Z])(?:MRN|MR\s?#|RECORD|FIN|ACCT|ACCOUNT|ENC|CSN|ID|SSN|SOCIAL)(?![A-Z])", _I)
FAX_CONTEXT = re.compile(r"(?<![A-Z])FAX(?![A-Z])", _I)
SSN_CONTEXT = re.compile(r"(?<![A-Z])(?:SSN|SOCIAL\s+SECURITY|SS#)", _I)
NAME_CONTEXT = re.compile(
    r"(?<![A-Z])(?:NAME|PATIENT|PT|ATTENDING|PHYSICIAN|PROVIDER|GUARDIAN|NEXT\s+OF\s+KIN|"
    r"EMERGENCY\s+CONTACT|NURSE|RN|MD|DR)(?![A-Z])", _I)
# A field label that says the words after it on the same line are a person's name. Its value
# is a name whatever the words are: surnames such as Smith, Brown, King or Baker are also
# common words and are not names on their own, but "Patient: John Smith" is.
NAME_LABEL = (r"(?:patient(?:'s)?(?:\s+(?:full\s+)?name)?|pt\.?(?:\s+name)?|(?:full|first|last|given|family|sur)\s*name|"
              r"name|resident|guardian|next\s+of\s+kin|emergency\s+contact|caregiver|parent|spouse)")
LEADING_NAME_LABEL = re.compile(rf"^\s*{NAME_LABEL}\s*(?P<sep>[:;=\-]|\.(?=\s))?\s*(?P<value>\S.*)$", _I)
MAX_NAME_WORDS = 5  # "Patient: Mary Anne de la Cruz" still is one; a longer value is a sentence
PATIENT_CONTEXT = re.compile(
    r"(?<![A-Z])(?:PATIENT|PT|MRN|D[O0]B|NAME|ALLERGIES|ALLERGY|DR|ROOM|BED|ADMIT)(?![A-Z])", _I)


def _valid_numeric_date(m: re.Match) -> bool:
    a, b = int(m.group(1)), int(m.group(2))
    return (1 <= a <= 12 and 1 <= b <= 31) or (1 <= b <= 12 and 1 <= a <= 31)


def _has_date(text: str) -> bool:
    if ISO_DATE.search(text) or TEXT_DATE.search(text):
        return True
    return any(_valid_numeric_date(m) for m in NUM_DATE.finditer(text))


def _name_tokens(text: str) -> list[str]:
    return [t for t in re.split(r"[^A-Za-zÀ-ÿ'\-]+", text) if t]


def _looks_like_full_name(text: str) -> bool:
    """Two neighbouring capitalised tokens, a first name followed by a surname (or the reverse)."""
    tokens = [t.strip("'-") for t in CAP_WORD.findall(text)]
    for a, b in zip(tokens, tokens[1:]):
        if (is_first_name(a) and is_last_name(b)) or (is_last_name(a) and is_first_name(b) and a.isupper()):
            return True
    return False


def _labelled_name(text: str) -> bool:
    """A name label followed on the same line by its value ("Patient: John Smith", "Pt James
    Taylor"). With a separator (colon, dash) any capitalised value counts; without one, one of
    its words must be a known first or last name, so a sign reading "Patient Care Unit" does not."""
    m = LEADING_NAME_LABEL.match(text)
    if not m:
        return False
    value = m.group("value")
    tokens = _name_tokens(value)
    if not tokens or len(tokens) > MAX_NAME_WORDS or not CAP_WORD.match(value):
        return False
    return bool(m.group("sep")) or any(is_any_name(t) for t in tokens)


def _last_first(text: str) -> bool:
    for m in LAST_FIRST.finditer(text):
        last, first = m.group(1), m.group(2)
        if is_any_name(last) or is_any_name(first):
            return True
    return False


def remove_allowlisted(text: str, allowlist: Sequence[str]) -> str:
    """Blank out allowlisted phrases (case-insensitive, whole words)."""
    for phrase in allowlist:
        phrase = phrase.strip()
        if phrase:
            text = re.sub(rf"(?<!\w){re.escape(phrase)}(?!\w)", " ", text, flags=_I)
    return text


def classify(text: str, context: str = "", allowlist: Sequence[str] = ()) -> Finding | None:
    """The strongest PHI finding in one line of text, or None."""
    text = remove_allowlisted(text, allowlist)
    if not any(c.isalnum() for c in text):
        return None
    context = remove_allowlisted(context, allowlist)
    both = f"{context} {text}"
    if SSN.search(text) or (SSN_CONTEXT.search(both) and SSN_BARE.search(text)):
        return Finding("ssn", "SSN pattern", 0.95)
    if EMAIL.search(text):
        return Finding("email", "email address", 0.9)
    if _has_date(text):
        if DOB_CONTEXT.search(both):
            return Finding("dob", "date of birth", 0.95)
        return Finding("date", "date", 0.75)
    if PHONE.search(text):
        if FAX_CONTEXT.search(both):
            return Finding("fax", "fax number", 0.9)
        return Finding("phone", "phone number", 0.85)
    if ID_PREFIX.search(text):
        return Finding("mrn", "MRN pattern", 0.9)
    if DIGIT_RUN.search(text):
        if MRN_CONTEXT.search(both):
            return Finding("mrn", "MRN pattern", 0.9)
        return Finding("id", "ID number", 0.7)
    if MRN_CONTEXT.search(context) and SHORT_DIGITS.search(text):
        return Finding("mrn", "MRN pattern", 0.8)
    if STREET.search(text) or PO_BOX.search(text) or CITY_ZIP.search(text):
        return Finding("address", "street address", 0.8)
    if _last_first(text):
        return Finding("name", "name", 0.9)
    if _labelled_name(text):
        return Finding("name", "name", 0.85)
    if TITLE_NAME.search(text) or (TITLE_END.search(context) and CAP_WORD.match(text.strip())):
        return Finding("name", "name", 0.85)
    if _looks_like_full_name(text):
        return Finding("name", "name", 0.8)
    if ROOM.search(text):
        return Finding("room", "room number", 0.7)
    if AGE.search(text):
        return Finding("age", "age", 0.6)
    label_context = NAME_CONTEXT.search(context)
    if label_context or PATIENT_CONTEXT.search(context):
        tokens = _name_tokens(text)
        if tokens and any(is_any_name(t) for t in tokens) and not text.rstrip().endswith(":"):
            return Finding("name", "name", 0.7)
        if label_context and CAP_WORD.search(text) and _after_label(context):
            return Finding("name", "name", 0.6)
    return None


def _after_label(context: str) -> bool:
    """The context ends with a name label ("Name:", "Patient:"), so this line is its value."""
    return bool(re.search(r"(?:NAME|PATIENT|PT|ATTENDING|PHYSICIAN|PROVIDER|GUARDIAN|KIN|CONTACT)\s*[:\-]?\s*$",
                          context.strip(), _I))


def is_label_only(text: str) -> bool:
    """A bare field label such as 'MRN:' or 'DOB' (context for neighbours, not PHI itself)."""
    return bool(re.fullmatch(r"\s*[A-Za-z .#/]{1,20}:?\s*", text)) and not _looks_like_full_name(text)


__all__ = ["Finding", "classify", "remove_allowlisted", "is_label_only", "fold"]
