"""Where the shipped content lives, in a source checkout and in an installed wheel.

A wheel carries `intents/` and `responses/` inside the package as `bot/_content/`; a checkout
(or an editable install) reads them from the repository root.
"""

from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent
_BUNDLED = _PACKAGE / "_content"
_CHECKOUT = _PACKAGE.parent

_ROOT = _BUNDLED if (_BUNDLED / "intents").is_dir() else _CHECKOUT
DEFAULT_INTENTS_DIR = _ROOT / "intents"
DEFAULT_RESPONSES_DIR = _ROOT / "responses"
