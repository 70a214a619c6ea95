"""Settings: every default in one model, an operator's YAML layered on top, secrets from the env.

Not for content (intents and answers live in YAML under `intents/` and `responses/`).
`config.example.yaml` shows every key with a comment; a test keeps the two in step.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr, ValidationInfo, field_validator

from bot.errors import LanternError
from bot.paths import DEFAULT_INTENTS_DIR, DEFAULT_RESPONSES_DIR
from bot.yaml_lines import line_of, load_yaml, validated

TOKEN_ENV = "TELEGRAM_BOT_TOKEN"
ID_KEY_ENV = "LANTERN_ID_KEY"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class WebhookSettings(_Strict):
    listen: str = "127.0.0.1"
    port: int = Field(8443, ge=1, le=65535)
    url_path: str = "telegram"
    public_url: str | None = None
    secret_token: SecretStr | None = None  # echoed by Telegram on every webhook request: a secret too


class TelegramSettings(_Strict):
    # A secret: its repr, str and any error show '**********'; only the Bot API client reads it.
    token: SecretStr | None = None
    # Telegram's own endpoint; tests point this at a fake Bot API server on 127.0.0.1.
    base_url: str = "https://api.telegram.org/bot"
    base_file_url: str = "https://api.telegram.org/file/bot"
    mode: Literal["polling", "webhook"] = "polling"
    webhook: WebhookSettings = WebhookSettings()


class ContentSettings(_Strict):
    # null (or absent) means the content shipped with Lantern.
    intents_dir: Path = DEFAULT_INTENTS_DIR
    responses_dir: Path = DEFAULT_RESPONSES_DIR

    @field_validator("intents_dir", "responses_dir", mode="before")
    @classmethod
    def _shipped_when_null(cls, value: object, info: ValidationInfo) -> object:
        if value is None:
            return DEFAULT_INTENTS_DIR if info.field_name == "intents_dir" else DEFAULT_RESPONSES_DIR
        return value


class StorageSettings(_Strict):
    path: Path = Path("lantern.sqlite3")
    retention_days: int = Field(90, ge=1)
    # Where `lantern chat` keeps its generated pseudonym key when LANTERN_ID_KEY is unset.
    chat_key_file: Path = Path(".lantern_id_key")


class MatchingSettings(_Strict):
    # Best intent score (0-100) needed to answer; below it Lantern says it is unsure.
    threshold: float = Field(53.0, ge=0, le=100)
    # If the runner-up intent is within this many points of the best, Lantern asks which was meant.
    clarify_margin: float = Field(2.0, ge=0, le=100)


class Settings(_Strict):
    telegram: TelegramSettings = TelegramSettings()
    region: str = "US"
    content: ContentSettings = ContentSettings()
    storage: StorageSettings = StorageSettings()
    matching: MatchingSettings = MatchingSettings()
    operators: tuple[int, ...] = ()
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"

    def bot_token(self) -> SecretStr | None:
        """The environment wins over the file, so a token never has to be written to disk."""
        from_env = os.environ.get(TOKEN_ENV)
        token = SecretStr(from_env) if from_env else self.telegram.token
        return token if token is not None and token.get_secret_value() else None


# Other names people use for a region the content knows ("GB" is the ISO code for the UK).
REGION_ALIASES = {"GB": "UK", "USA": "US", "NZL": "NZ", "AUS": "AU", "CAN": "CA", "IRL": "IE"}


def load_settings(path: Path | None) -> Settings:
    """Read `path` (or defaults when None); paths in it are taken relative to the file.

    Anything wrong stops here with `file:line: what, and the valid choices`: an unknown key (a
    typo would otherwise be ignored), a bad value, or a region the content has no help lines
    for (it would otherwise serve another country's numbers).
    """
    if path is None:
        return Settings()
    if not path.is_file():
        raise LanternError(f"{path}: config file not found")
    raw = load_yaml(path) or {}
    if not isinstance(raw, dict):
        raise LanternError(f"{path}:1: config must be a mapping of keys to values")
    _check_keys(raw, Settings, path, ())
    if isinstance(raw.get("region"), str):
        raw["region"] = REGION_ALIASES.get(raw["region"].strip().upper(), raw["region"].strip().upper())
    settings = _relative_to(validated(Settings, raw, path), path.resolve().parent)
    _check_region(settings, path, line_of(raw, ("region",)))
    return settings


def _check_keys(raw: object, model: type[BaseModel], path: Path, where: tuple[str, ...]) -> None:
    """Unknown keys, named with their line and the keys that are allowed there."""
    if not isinstance(raw, dict):
        return
    fields = model.model_fields
    for key in raw:
        dotted = ".".join((*where, str(key)))
        if key not in fields:
            raise LanternError(f"{path}:{line_of(raw, (key,))}: unknown setting '{dotted}' "
                               f"(valid here: {', '.join(fields)})")
        annotation = fields[key].annotation
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            _check_keys(raw[key], annotation, path, (*where, str(key)))


def known_regions(responses_dir: Path) -> list[str]:
    """The region codes the content has help lines for (read from responses/*.yaml), or [] if unreadable."""
    regions: list[str] = []
    for file in sorted(responses_dir.glob("*.y*ml")) if responses_dir.is_dir() else []:
        try:
            data = load_yaml(file)
        except LanternError:
            continue
        hotlines = data.get("hotlines") if isinstance(data, dict) else None
        found = hotlines.get("regions") if isinstance(hotlines, dict) else None
        if isinstance(found, dict):
            regions += [str(code) for code in found]
    return regions


def _check_region(settings: Settings, path: Path, line: int) -> None:
    regions = known_regions(settings.content.responses_dir)
    if regions and settings.region not in regions:
        aliases = ", ".join(f"{a} for {r}" for a, r in REGION_ALIASES.items() if r in regions)
        raise LanternError(f"{path}:{line}: region: no help lines for '{settings.region}' "
                           f"(choose one of {', '.join(regions)}; also accepted: {aliases})")


def _relative_to(settings: Settings, base: Path) -> Settings:
    """Relative paths in a config file mean 'next to the config', not 'wherever I was started'."""

    def fix(p: Path) -> Path:
        return p if p.is_absolute() else base / p

    content = settings.content.model_copy(
        update={"intents_dir": fix(settings.content.intents_dir),
                "responses_dir": fix(settings.content.responses_dir)}
    )
    storage = settings.storage.model_copy(
        update={"path": fix(settings.storage.path), "chat_key_file": fix(settings.storage.chat_key_file)}
    )
    return settings.model_copy(update={"content": content, "storage": storage})
