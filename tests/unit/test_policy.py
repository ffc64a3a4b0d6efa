from __future__ import annotations

import tomllib
from datetime import date
from pathlib import Path

import pytest
import tomli_w

from connector.calendar import BusinessCalendar
from connector.errors import ConfigError
from connector.model import Channel, StepKind
from connector.money import Money
from connector.policy import default_policy, load_policy

DEFAULT = Path(__file__).parents[2] / "config" / "policy.fr.toml"


def _write(tmp_path: Path, mutate: object) -> Path:
    raw = tomllib.loads(DEFAULT.read_text(encoding="utf-8"))
    mutate(raw)  # type: ignore[operator]
    path = tmp_path / "policy.toml"
    path.write_text(tomli_w.dumps(raw), encoding="utf-8")
    return path


def test_the_default_french_policy() -> None:
    policy = default_policy()
    assert [(s.name, s.offset_days, s.channel) for s in policy.steps] == [
        ("courtesy", -5, Channel.EMAIL),
        ("reminder_1", 1, Channel.EMAIL),
        ("phone_call", 8, Channel.PHONE_TASK),
        ("reminder_2", 15, Channel.EMAIL),
        ("formal_notice", 30, Channel.LETTER),
        ("escalation", 60, Channel.PHONE_TASK),
    ]
    assert policy.steps[4].kind is StepKind.NOTICE
    assert policy.max_reminders_for(Money.of("149.99", "EUR")) == 1
    assert policy.max_reminders_for(Money.of("150", "EUR")) == 2


def test_a_bad_channel_names_file_step_key_and_what_is_allowed(tmp_path: Path) -> None:
    path = _write(tmp_path, lambda raw: raw["steps"][2].update(channel="fax"))
    with pytest.raises(ConfigError) as error:
        load_policy(path)
    message = str(error.value)
    assert str(path) in message
    assert "steps[2] (phone_call).channel" in message
    assert "'email', 'letter', 'phone_task' or 'sms'" in message


def test_an_unknown_key_is_named(tmp_path: Path) -> None:
    path = _write(tmp_path, lambda raw: raw["policy"].update(max_remindrs=3))
    with pytest.raises(ConfigError, match=r"max_remindrs: .*unknown"):
        load_policy(path)


def test_steps_must_be_in_offset_order(tmp_path: Path) -> None:
    path = _write(tmp_path, lambda raw: raw["steps"][3].update(offset_days=2))
    with pytest.raises(ConfigError, match="increasing offset order"):
        load_policy(path)


def test_only_the_courtesy_step_comes_before_the_due_date(tmp_path: Path) -> None:
    path = _write(tmp_path, lambda raw: raw["steps"][0].update(offset_days=3))
    with pytest.raises(ConfigError, match=r"steps\[0\] \(courtesy\).*negative offset"):
        load_policy(path)


def test_missing_and_broken_files(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="policy file not found"):
        load_policy(tmp_path / "nope.toml")
    broken = tmp_path / "broken.toml"
    broken.write_text("[policy\nname=", encoding="utf-8")
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_policy(broken)


def test_french_calendar_skips_weekends_and_public_holidays() -> None:
    calendar = BusinessCalendar("FR")
    assert not calendar.is_send_day(date(2026, 7, 14))  # Fête nationale, a Tuesday
    assert not calendar.is_send_day(date(2026, 11, 21))  # Saturday
    assert calendar.on_or_after(date(2026, 12, 25)) == date(2026, 12, 28)
    assert calendar.add_business_days(date(2026, 4, 30), 1) == date(2026, 5, 4)
    assert calendar.add_business_days(date(2026, 5, 4), -1) == date(2026, 4, 30)
