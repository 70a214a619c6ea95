"""The nightly check-in, for any front end: texts, the pure flow, sessions, finishing, reminders.

- `texts`: what it says (responses/checkin.yaml, carried by the catalog as `Catalog.checkin`);
- `flow`: the questions and answers, pure (`CheckinFlow`, `Prompt`, `Done`, `Interrupted`);
- `sessions`: check-ins in progress, in memory only;
- `finish`: save through `bot.storage.CheckinStore`, the fitting reply, /mood and /export;
- `reminders`: the rules of /remind and /timezone.

Front ends do not drive these directly: `bot.conversation` does, for Telegram and the console.
"""

from bot.checkin.finish import (
    CRAVINGS_ANSWER,
    EXPORT_COLUMNS,
    LOW_MOOD_ANSWER,
    CheckinOutcome,
    checkin_reply,
    export_csv,
    finish,
    mood_summary,
)
from bot.checkin.flow import (
    CheckinFlow,
    CheckinResult,
    CheckinState,
    Choice,
    Done,
    Interrupted,
    Prompt,
    choose,
    clean_note,
    is_hopeless,
    match_choice,
    prompt_for,
    write,
)
from bot.checkin.sessions import SESSION_TTL, CheckinSessions, Session
from bot.checkin.texts import CHECKIN_FILE, CheckinTexts, load_checkin_texts

__all__ = [
    "CHECKIN_FILE", "CRAVINGS_ANSWER", "EXPORT_COLUMNS", "LOW_MOOD_ANSWER", "SESSION_TTL", "CheckinFlow",
    "CheckinOutcome", "CheckinResult", "CheckinSessions", "CheckinState", "CheckinTexts", "Choice", "Done",
    "Interrupted", "Prompt", "Session", "checkin_reply", "choose", "clean_note", "export_csv", "finish",
    "is_hopeless", "load_checkin_texts", "match_choice", "mood_summary", "prompt_for", "write",
]
