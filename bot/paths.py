"""Where the shipped content lives, in a source checkout and in an installed wheel.

A wheel carries `intents/` and `responses/` inside the package as `bot/_content/`; a checkout
(or an editable install) reads them from the repository root. The archived sets that hold the
content to its floors (`safety_floor.yaml`, the safety sets it names, and `intent_eval.yaml`) are
`tests/data/` in a checkout and `bot/_content/safety/` in a wheel. Edits to the copy inside an
installed package are lost on the next install, so the commands say when that copy is the one in use.
"""

from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent
_BUNDLED = _PACKAGE / "_content"
_CHECKOUT = _PACKAGE.parent

_ROOT = _BUNDLED if (_BUNDLED / "intents").is_dir() else _CHECKOUT
DEFAULT_INTENTS_DIR = _ROOT / "intents"
DEFAULT_RESPONSES_DIR = _ROOT / "responses"
DEFAULT_SAFETY_DIR = _BUNDLED / "safety" if _ROOT == _BUNDLED else _CHECKOUT / "tests" / "data"
SAFETY_FLOOR = "safety_floor.yaml"


def installed_copy(folder: Path) -> bool:
    """True for a folder inside the installed package's own copy (`pip install .`), which an
    operator should copy out rather than edit: a reinstall replaces it."""
    return Path(folder).resolve().is_relative_to(_BUNDLED.resolve())


def safety_dir_for(intents_dir: Path) -> Path | None:
    """The folder of archived safety sets that content in `intents_dir` is held to, or None.

    The shipped content is held to the shipped sets; an operator's own copy to a `safety/` folder
    beside its `intents/` (copy the shipped one there to keep the floor). None: no floor to check.
    """
    if Path(intents_dir).resolve() == DEFAULT_INTENTS_DIR.resolve():
        candidate = DEFAULT_SAFETY_DIR
    else:
        candidate = Path(intents_dir).parent / "safety"
    return candidate if (candidate / SAFETY_FLOOR).is_file() else None
