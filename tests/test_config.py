"""bot.config: one model holds every default; config.example.yaml shows every key; secrets from env."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml
from pydantic import BaseModel

from bot.config import TOKEN_ENV, ContentSettings, Settings, TelegramSettings, load_settings
from bot.errors import LanternError
from bot.paths import DEFAULT_INTENTS_DIR, DEFAULT_RESPONSES_DIR

EXAMPLE = Path(__file__).resolve().parent.parent / "config.example.yaml"


def model_keys(model: type[BaseModel], prefix: str = "") -> set[str]:
    """Every key of a settings model, nested ones as 'telegram.webhook.port'."""
    keys = set()
    for name, info in model.model_fields.items():
        keys.add(prefix + name)
        annotation = info.annotation
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            keys |= model_keys(annotation, f"{prefix}{name}.")
    return keys


def file_keys(mapping: dict[str, Any], prefix: str = "") -> set[str]:
    keys = set()
    for name, value in mapping.items():
        keys.add(prefix + name)
        if isinstance(value, dict):
            keys |= file_keys(value, f"{prefix}{name}.")
    return keys


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "config.yaml"
    path.write_text(text, encoding="utf-8")
    return path


# --- the example file and the model stay in step ------------------------------------------------------


def test_every_setting_is_in_the_example_and_nothing_else():
    example = yaml.safe_load(EXAMPLE.read_text(encoding="utf-8"))
    in_model, in_file = model_keys(Settings), file_keys(example)
    assert in_model - in_file == set(), "settings missing from config.example.yaml"
    assert in_file - in_model == set(), "config.example.yaml shows keys the settings model does not have"


def test_loading_the_example_gives_the_defaults(tmp_path):
    copy = tmp_path / "config.example.yaml"
    copy.write_text(EXAMPLE.read_text(encoding="utf-8"), encoding="utf-8")
    loaded = load_settings(copy)
    defaults = Settings()
    # Relative paths are taken next to the config file; everything else is the model's default.
    expected = defaults.model_copy(update={"storage": defaults.storage.model_copy(update={
        "path": tmp_path / defaults.storage.path,
        "chat_key_file": tmp_path / defaults.storage.chat_key_file,
    })})
    assert loaded == expected


def test_null_content_folders_mean_the_shipped_content():
    settings = Settings(content=ContentSettings(intents_dir=None, responses_dir=None))
    assert settings.content.intents_dir == DEFAULT_INTENTS_DIR
    assert settings.content.responses_dir == DEFAULT_RESPONSES_DIR


def test_no_config_file_means_the_defaults():
    assert load_settings(None) == Settings()


# --- an operator's file ------------------------------------------------------------------------------------


def test_relative_paths_are_next_to_the_config_file(tmp_path):
    path = write(tmp_path, "content:\n  intents_dir: my_intents\nstorage:\n  path: data/lantern.db\n")
    settings = load_settings(path)
    assert settings.content.intents_dir == tmp_path / "my_intents"
    assert settings.content.responses_dir == DEFAULT_RESPONSES_DIR
    assert settings.storage.path == tmp_path / "data" / "lantern.db"


def test_values_from_the_file_override_defaults(tmp_path):
    settings = load_settings(write(tmp_path, "region: UK\nmatching:\n  threshold: 80\noperators: [12, 34]\n"))
    assert settings.region == "UK"
    assert settings.matching.threshold == 80.0
    assert settings.matching.clarify_margin == Settings().matching.clarify_margin
    assert settings.operators == (12, 34)


def test_broken_yaml_names_file_and_line(tmp_path):
    path = write(tmp_path, "region: US\nmatching:\n  threshold: 60\n    clarify_margin: 2\n")
    with pytest.raises(LanternError) as caught:
        load_settings(path)
    assert str(caught.value).startswith(f"{path}:4: ")


def test_a_bad_value_names_file_and_line(tmp_path):
    path = write(tmp_path, "region: US\nmatching:\n  threshold: 150\n")
    with pytest.raises(LanternError) as caught:
        load_settings(path)
    message = str(caught.value)
    assert message.startswith(f"{path}:3: "), message
    assert "threshold" in message


def test_a_misspelt_key_names_file_and_line(tmp_path):
    path = write(tmp_path, "region: US\nmatchng:\n  threshold: 60\n")
    with pytest.raises(LanternError) as caught:
        load_settings(path)
    message = str(caught.value)
    assert message.startswith(f"{path}:2: "), message
    assert "matchng" in message


def test_a_config_that_is_not_a_mapping_is_refused(tmp_path):
    path = write(tmp_path, "- region\n")
    with pytest.raises(LanternError) as caught:
        load_settings(path)
    assert str(caught.value).startswith(f"{path}:1: ")


def test_a_missing_config_file_is_named(tmp_path):
    with pytest.raises(LanternError, match=r"nope\.yaml"):
        load_settings(tmp_path / "nope.yaml")


# --- secrets -----------------------------------------------------------------------------------------------


def test_the_token_from_the_environment_wins_over_the_file(tmp_path, monkeypatch):
    monkeypatch.setenv(TOKEN_ENV, "123:from-env")
    settings = load_settings(write(tmp_path, "telegram:\n  token: '456:from-file'\n"))
    assert settings.bot_token().get_secret_value() == "123:from-env"


def test_the_token_from_the_file_is_used_without_the_environment(monkeypatch):
    monkeypatch.delenv(TOKEN_ENV, raising=False)
    assert Settings(telegram=TelegramSettings(token="456:from-file")).bot_token().get_secret_value() == "456:from-file"
    assert Settings().bot_token() is None


def test_an_empty_environment_token_does_not_hide_the_files(monkeypatch):
    monkeypatch.setenv(TOKEN_ENV, "")
    assert Settings(telegram=TelegramSettings(token="456:from-file")).bot_token().get_secret_value() == "456:from-file"


def test_the_token_never_shows_in_a_repr_a_dump_or_an_error(tmp_path, monkeypatch):
    monkeypatch.setenv(TOKEN_ENV, "123:env-secret-token")
    settings = load_settings(write(tmp_path, "telegram:\n  token: '456:file-secret-token'\n"))
    shown = " ".join([repr(settings), str(settings), settings.model_dump_json(), repr(settings.bot_token()),
                      f"{settings.bot_token()}"])
    assert "secret-token" not in shown and "**********" in shown
    with pytest.raises(LanternError) as raised:
        load_settings(write(tmp_path, "telegram:\n  token: '456:file-secret-token'\n  mode: carrier-pigeon\n"))
    assert "secret-token" not in str(raised.value)


def test_an_unknown_key_lists_the_valid_ones_there(tmp_path):
    path = write(tmp_path, "telegram:\n  mode: polling\n  tokn: abc\n")
    with pytest.raises(LanternError, match=r":3: unknown setting 'telegram.tokn' \(valid here: token, base_url"):
        load_settings(path)


def test_a_bad_choice_lists_the_valid_ones(tmp_path):
    path = write(tmp_path, "telegram:\n  mode: poling\n")
    with pytest.raises(LanternError, match=r":2: telegram.mode: Input should be 'polling' or 'webhook'"):
        load_settings(path)


def test_a_region_without_help_lines_stops_the_start_with_the_choices(tmp_path):
    path = write(tmp_path, "log_level: INFO\nregion: XX\n")
    with pytest.raises(LanternError) as caught:
        load_settings(path)
    message = str(caught.value)
    assert message.startswith(f"{path}:2: region: no help lines for 'XX'"), message
    assert "US, CA, UK, IE, AU, NZ, EU" in message


@pytest.mark.parametrize("typed", ["GB", "gb", "uk"])
def test_gb_is_the_uk(tmp_path, typed):
    assert load_settings(write(tmp_path, f"region: {typed}\n")).region == "UK"


def test_lantern_run_and_validate_stop_on_a_bad_config(tmp_path, capsys):
    from bot.cli import main

    path = write(tmp_path, "region: XX\n")
    for command in (["validate", "--config", str(path)], ["run", "--config", str(path)]):
        assert main(command) == 2
        assert f"{path}:1: region: no help lines for 'XX'" in capsys.readouterr().err


def test_a_config_that_is_not_utf8_names_the_line(tmp_path):
    path = tmp_path / "config.yaml"
    path.write_bytes(b"region: US\nlog_level: INFO\n# caf\xe9\n")
    with pytest.raises(LanternError, match=r"config.yaml:3: not UTF-8 text"):
        load_settings(path)
