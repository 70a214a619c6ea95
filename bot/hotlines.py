"""Help lines per region and the filling-in of reply templates with them.

Numbers themselves live in `responses/hotlines.yaml` (each region names its source); this module
only knows how to put them into a text. Lines of a template whose placeholder is empty for a
region (a region with no text line, say) are dropped rather than shown half-filled. Not for
choosing a region or a language: the caller says which.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field

_PLACEHOLDER = re.compile(r"\{(\w+)\}")
FIELDS = ("emergency", "crisis", "text", "drugs", "violence", "violence_text", "overdose_law")
# What a Spanish (`es`) mapping may override: the fields and the region's name.
LOCALISED = ("name", *FIELDS)
# Codes people use for a region Lantern knows under another code. ISO 3166 says GB for the
# United Kingdom; Lantern has always called it UK, so both are read.
ALIASES: Mapping[str, str] = {"GB": "UK"}


def canonical_code(code: str | None) -> str:
    """A region code as the content names it: upper case, aliases resolved ('gb' -> 'UK')."""
    upper = (code or "").strip().upper()
    return ALIASES.get(upper, upper)


@dataclass(frozen=True)
class Region:
    code: str
    name: str
    emergency: str
    crisis: str
    text: str = ""
    drugs: str = ""
    violence: str = ""
    violence_text: str = ""
    overdose_law: str = ""
    source: str = ""
    # Spanish wording of any of `LOCALISED`; what it leaves out is the region's own line.
    es: Mapping[str, str] = field(default_factory=dict)

    def values(self, lang: str = "en") -> dict[str, str]:
        """The placeholders for a reply in `lang`: a Spanish reply takes the Spanish lines where
        the region has them, and the region's own lines where it has none."""
        own = {f: getattr(self, f) for f in FIELDS} | {"region": self.name}
        if lang != "es" or not self.es:
            return own
        spanish = {("region" if k == "name" else k): v for k, v in self.es.items()}
        return own | spanish


class RegionNames(dict[str, str]):
    """Region code -> name, in the content's order, that also answers to an alias ('GB' in it is
    True, and gives the United Kingdom's name) without listing the alias as a region of its own."""

    def __contains__(self, code: object) -> bool:
        return isinstance(code, str) and dict.__contains__(self, canonical_code(code))

    def __missing__(self, code: str) -> str:
        canonical = canonical_code(code)
        if canonical != code and dict.__contains__(self, canonical):
            return dict.__getitem__(self, canonical)
        raise KeyError(code)


def fill(template: str, values: Mapping[str, str]) -> str:
    """Fill `{name}` placeholders; a line whose placeholder has no value for the region is left out."""
    kept = []
    for line in template.splitlines():
        names = _PLACEHOLDER.findall(line)
        if any(not values.get(n) for n in names if n in FIELDS):
            continue
        kept.append(_PLACEHOLDER.sub(lambda m: values.get(m.group(1), m.group(0)), line))
    return "\n".join(kept).strip()
