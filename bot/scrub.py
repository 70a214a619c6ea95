"""Takes what could identify a person out of a question before it is kept for the operators.

Questions nothing answered are kept (normalised, for `lantern unmatched`) so operators can see
what Lantern misses. People write their phone number, an email, where someone lives or a name
into such questions ("my son jake lives at 12 elm street phone 5551234"), and none of that helps
an operator. `scrub` replaces each with a placeholder (`<phone>`, `<email>`, `<link>`,
`<address>`, `<number>`, `<name>`), on the raw text or the normalised form (lowercase, no
punctuation: "john doe gmail com"), where it can be recognised. Best effort by design: a name
is recognised after "my name is", "named", "called", a title (mr, dr) or, given the words the
content knows, after a family word ("my son jake"); a name anywhere else stays. Not for
message text in general: Lantern keeps none.
"""

from __future__ import annotations

import re
from collections.abc import Collection

PLACEHOLDERS = ("<phone>", "<email>", "<link>", "<address>", "<number>", "<name>")

_PROVIDERS = (r"gmail|googlemail|yahoo|ymail|hotmail|outlook|live|msn|icloud|me|mac|aol|proton|protonmail|pm"
              r"|gmx|mail|zoho|comcast|att|verizon|btinternet|sky|virginmedia|bigpond|xtra")
_TLDS = r"com|net|org|edu|gov|io|info|biz|co|uk|us|ca|au|nz|ie|de|fr|es|it|nl|eu|me|app|ly"
_STREET = (r"street|st|avenue|ave|av|road|rd|lane|ln|drive|dr|court|ct|boulevard|blvd|way|place|pl|terrace"
           r"|close|crescent|cres|highway|hwy|parkway|pkwy|circle|cir|square|sq|trail|trl|row|grove|gardens"
           r"|park|hill|mews")
_UNIT = r"(?:\s+(?:apt|apartment|unit|suite|flat|no|number|#)\s*\w+)?"
_FAMILY = (r"son|sons|daughter|daughters|kid|kids|child|children|boy|girl|sister|brother|sibling|mom|mum"
           r"|mother|dad|father|husband|wife|partner|spouse|boyfriend|girlfriend|bf|gf|friend|cousin|uncle"
           r"|aunt|auntie|nephew|niece|grandson|granddaughter|grandma|grandpa|stepson|stepdaughter|fiance"
           r"|fiancee|ex|lovedone|roommate|neighbor|neighbour|boss|sponsor|counselor|therapist|doctor")

# Order matters: links and emails before numbers, addresses before bare numbers.
_RULES: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"\b[\w.+-]+@[\w-]+(?:\.[\w-]+)+\b", re.I), "<email>"),
    (re.compile(r"\b(?:https?://|www\.)\S+", re.I), "<link>"),
    (re.compile(rf"\b(?:\w+ ){{0,2}}(?:{_PROVIDERS}) (?:{_TLDS})(?: (?:{_TLDS}))?\b", re.I), "<email>"),
    (re.compile(rf"\b(?:https?|www)\b(?: \w+){{0,3}}? (?:{_TLDS})\b(?: \w+){{0,3}}", re.I), "<link>"),
    (re.compile(rf"\b\w+ (?:{_TLDS}) (?:{_TLDS})\b", re.I), "<link>"),
    (re.compile(rf"\b\w+\.(?:{_TLDS})\b", re.I), "<link>"),
    (re.compile(rf"\b\d{{1,6}}[a-z]?(?: [a-z]+){{1,3}}? (?:{_STREET})\b{_UNIT}", re.I), "<address>"),
    (re.compile(r"(?<![\w<])[+(]*\d(?:[\s().-]*\d){6,}"), "<phone>"),
    (re.compile(r"\b\d{5,}\b"), "<number>"),
    (re.compile(r"\b(?:(?:my|his|her|their|your) )?(?:name is|names|named|called|call me|i am called|known as)"
                r" ([a-z][\w'-]*)(?: ([a-z][\w'-]*))?", re.I), "<name>"),
    (re.compile(r"\b(?:mr|mrs|ms|miss|dr|mx)\.? ([a-z][\w'-]*)", re.I), "<name>"),
)
_FAMILY_THEN_WORD = re.compile(rf"\b((?:my|our|his|her|their) (?:{_FAMILY})) ([a-z][\w'-]*)\b", re.I)
_NOT_A_NAME = frozenset(
    "a an the is was has had have will would can cant could should wont doesnt didnt isnt wasnt does did do "
    "and or but so if when who that which what where why how not no never just also still again always "
    "keeps kept uses used using says said told thinks feels seems got gets get went goes go came comes "
    "come been being be are were im hes shes theyre its it he she they him her them me my his their our "
    "to of in on at for with from by about after before since because than then too very really".split()
)


def scrub(text: str, known_words: Collection[str] = ()) -> str:
    """`text` with phone numbers, emails, links, street addresses, long numbers and recognisable
    names replaced by placeholders. `known_words`: words that are not names (the content's own),
    which lets "my son jake" lose "jake" while "my son uses" keeps "uses"."""
    for pattern, placeholder in _RULES:
        text = pattern.sub(lambda match, p=placeholder: _keep_lead(match, p), text)
    if known_words:
        text = _FAMILY_THEN_WORD.sub(lambda match: _family_name(match, known_words), text)
    return re.sub(r"(?:<(\w+)>)(?: <\1>)+", r"<\1>", text)


def _keep_lead(match: re.Match[str], placeholder: str) -> str:
    """Keep the words that introduce a name ("my name is"), replace the name itself."""
    if placeholder != "<name>" or match.lastindex is None:
        return placeholder
    start = match.start(1) - match.start()
    if match.group(1).lower() in _NOT_A_NAME:  # "my name is not important": no name here
        return match.group(0)
    second = match.group(2) if match.lastindex >= 2 else None
    if second and second.lower() in _NOT_A_NAME:  # "named jake and" keeps "and"
        return f"{match.group(0)[:start]}<name> {second}"
    return f"{match.group(0)[:start]}<name>"


def _family_name(match: re.Match[str], known_words: Collection[str]) -> str:
    word = match.group(2)
    lowered = word.lower()
    if lowered in _NOT_A_NAME or lowered in known_words or lowered.startswith("<") or word.isdigit():
        return match.group(0)
    return f"{match.group(1)} <name>"
