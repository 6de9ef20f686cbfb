"""docs/settings.md is generated from the settings classes and kept current."""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

from baton import paths
from baton.contract import Contract
from baton.settings_reference import TARGET, main, render, settings_classes


class WidgetSettings(BaseSettings):
    """A throwaway settings class, as a new capability would add one."""

    model_config = SettingsConfigDict(env_prefix="BATON_WIDGET_", extra="ignore")

    # how many widgets a customer may open at once
    max_open: int = Field(default=7, ge=1)
    colour: str = Field(default="teal", description="the launcher's colour")
    api_key: SecretStr | None = SecretStr("do-not-print")  # handed out by the widget vendor
    # where the widget keeps its cache
    cache_dir: Path = paths.VAR / "widgets"
    labels: list[str] = ["help"]


class Inner(BaseModel):
    # seconds before a retry
    delay: float = 1.5


class NestedSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="BATON_OUTER_", env_nested_delimiter="__")

    # how retries are paced
    retry: Inner = Inner()


def _row(page: str, variable: str) -> str:
    rows = [line for line in page.splitlines() if line.startswith(f"| `{variable}`")]
    assert len(rows) == 1, f"{variable} is listed {len(rows)} times"
    return rows[0]


def test_docs_settings_page_is_current() -> None:
    # fails when a settings field or a baton.yml key changed: run `make docs`
    assert main(["--check"]) == 0


def test_a_new_settings_field_appears_with_its_variable_default_and_comment() -> None:
    page = render([WidgetSettings], Contract)

    row = _row(page, "BATON_WIDGET_MAX_OPEN")
    assert "| int, ≥ 1 | `7` | how many widgets a customer may open at once |" in row
    assert "| `teal` | the launcher's colour |" in _row(page, "BATON_WIDGET_COLOUR")
    secret = _row(page, "BATON_WIDGET_API_KEY")
    assert "*(secret)*" in secret and "do-not-print" not in page
    assert "handed out by the widget vendor" in secret
    # paths are shown as the reader's layout names them, never this machine's absolute path
    assert "| `<var>/widgets` | where the widget keeps its cache |" in _row(
        page, "BATON_WIDGET_CACHE_DIR"
    )
    assert '(JSON) | `["help"]` |' in _row(page, "BATON_WIDGET_LABELS")
    assert str(paths.ROOT) not in page


def test_nested_models_are_read_through_the_nested_delimiter() -> None:
    page = render([NestedSettings], Contract)

    assert "| float | `1.5` | seconds before a retry |" in _row(page, "BATON_OUTER_RETRY__DELAY")


def test_every_settings_class_of_the_product_is_found_gateway_first() -> None:
    names = [cls.__name__ for cls in settings_classes()]

    assert names[0] == "GatewaySettings"
    for expected in (
        "HandoffSettings",
        "AnalyticsSettings",
        "TelegramSettings",
        "SlackSettings",
        "ReviewSettings",
        "StackSettings",
    ):
        assert expected in names
    assert len(names) == len(set(names))


def test_every_baton_yml_key_is_listed_with_its_default() -> None:
    page = render([], Contract)

    assert "| `handoff.default_queue` | str | `general` |" in _row(page, "handoff.default_queue")
    assert '| `["en"]` |' in _row(page, "languages")
    assert "`brand.colour`" in page and "`knowledge.help_centre`" in page


def test_check_names_the_stale_file_and_fails(tmp_path, capsys) -> None:
    stale = tmp_path / TARGET
    stale.parent.mkdir(parents=True)
    stale.write_text("# Settings reference\n\nold\n", encoding="utf-8")

    assert main(["--check", "--output", str(stale)]) == 1
    message = capsys.readouterr().err.strip()
    assert len(message.splitlines()) == 1 and str(stale) in message

    assert main(["--output", str(stale)]) == 0
    assert main(["--check", "--output", str(stale)]) == 0


def test_the_assistant_page_names_every_baton_yml_key() -> None:
    # docs/assistant.md explains baton.yml by hand; a key added to the contract must appear
    page = (paths.ROOT / "docs" / "assistant.md").read_text(encoding="utf-8")
    table = render([], Contract).split("## baton.yml")[1].split("\n## ")[0]
    keys = [row.split("`")[1] for row in table.splitlines() if row.startswith("| `")]

    missing = [key for key in keys if f"{key.rpartition('.')[2]}:" not in page]
    assert keys and not missing, f"docs/assistant.md does not show {missing}"


class ExtendedWidgetSettings(WidgetSettings):
    # how many widgets the extension adds
    extra: int = 1


def test_a_subclass_lists_its_parent_fields_with_their_comments() -> None:
    page = render([ExtendedWidgetSettings], Contract)

    assert "how many widgets a customer may open at once" in _row(page, "BATON_WIDGET_MAX_OPEN")
    assert "| int | `1` | how many widgets the extension adds |" in _row(page, "BATON_WIDGET_EXTRA")
