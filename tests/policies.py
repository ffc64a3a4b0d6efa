"""Policies for tests that run a daemon at whatever hour and day CI happens to run."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def always_open_policy(folder: Path) -> Path:
    """The French default policy with a send window open every day, all day, holidays
    included: a daemon's cycles then run whenever the test does."""
    text = (ROOT / "config" / "policy.fr.toml").read_text(encoding="utf-8")
    for old, new in (
        ('days = ["mon", "tue", "wed", "thu", "fri"]',
         'days = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]'),
        ('start = "09:00"', 'start = "00:00"'),
        ('end = "18:00"', 'end = "23:59:59.999999"'),
        ("skip_public_holidays = true", "skip_public_holidays = false"),
    ):  # fmt: skip
        assert old in text, f"config/policy.fr.toml no longer has {old!r}"
        text = text.replace(old, new)
    path = folder / "always-open.policy.toml"
    path.write_text(text, encoding="utf-8")
    return path
