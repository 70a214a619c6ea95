"""Help lines per region and the filling-in of reply templates with them.

Numbers themselves live in `responses/hotlines.yaml` (each region names its source); this module
only knows how to put them into a text. Lines of a template whose placeholder is empty for a
region (a region with no text line, say) are dropped rather than shown half-filled.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_PLACEHOLDER = re.compile(r"\{(\w+)\}")
FIELDS = ("emergency", "crisis", "text", "drugs", "violence", "overdose_law")


@dataclass(frozen=True)
class Region:
    code: str
    name: str
    emergency: str
    crisis: str
    text: str = ""
    drugs: str = ""
    violence: str = ""
    overdose_law: str = ""
    source: str = ""

    def values(self, lang: str = "en") -> dict[str, str]:
        return {f: getattr(self, f) for f in FIELDS} | {"region": self.name}


def fill(template: str, values: dict[str, str]) -> str:
    """Fill `{name}` placeholders; a line whose placeholder has no value for the region is left out."""
    kept = []
    for line in template.splitlines():
        names = _PLACEHOLDER.findall(line)
        if any(not values.get(n) for n in names if n in FIELDS):
            continue
        kept.append(_PLACEHOLDER.sub(lambda m: values.get(m.group(1), m.group(0)), line))
    return "\n".join(kept).strip()
