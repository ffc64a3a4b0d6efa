"""Secrets in the settings: SMTP credentials never cross the network in clear unless the
user says so, and the store's encryption key never sits in relance.toml."""

from __future__ import annotations

from pathlib import Path

import pytest
from cryptography.fernet import Fernet

from connector.channels import EmailChannel
from connector.cli import main
from connector.errors import ConfigError
from connector.settings import load_settings
from tests.channels.test_email_smtp import CLOCK, message
from tests.smtp_server import SmtpServer

PASSWORD = "relay-pass-4411"


def _smtp_toml(folder: Path, extra: str = "", security: str = "none", port: int = 2525) -> Path:
    config = folder / "relance.toml"
    config.write_text(
        f'[smtp]\nhost = "127.0.0.1"\nport = {port}\nsecurity = "{security}"\n'
        f'username = "relance"\n{extra}',
        encoding="utf-8",
    )
    return config


def test_smtp_credentials_over_a_connection_without_tls_are_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("RELANCE_SMTP__PASSWORD", PASSWORD)
    with pytest.raises(ConfigError, match="allow_plaintext_auth = true") as refused:
        load_settings(_smtp_toml(tmp_path))
    said = str(refused.value)
    assert "smtp" in said and 'security = "none"' in said and "starttls" in said
    assert PASSWORD not in said


def test_the_command_line_says_which_setting_and_stops(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("RELANCE_SMTP__PASSWORD", PASSWORD)
    _smtp_toml(tmp_path)
    assert main(["run"]) == ConfigError.exit_code
    err = capsys.readouterr().err
    assert "allow_plaintext_auth" in err
    assert PASSWORD not in err


@pytest.mark.parametrize("security", ["starttls", "ssl"])
def test_credentials_over_tls_need_no_flag(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, security: str
) -> None:
    monkeypatch.setenv("RELANCE_SMTP__PASSWORD", PASSWORD)
    settings = load_settings(_smtp_toml(tmp_path, security=security))
    assert settings.smtp is not None and settings.smtp.security == security


def test_a_relay_without_credentials_needs_no_tls(tmp_path: Path) -> None:
    config = tmp_path / "relance.toml"
    config.write_text('[smtp]\nhost = "127.0.0.1"\nsecurity = "none"\n', encoding="utf-8")
    assert load_settings(config).smtp is not None


def test_with_allow_plaintext_auth_the_login_goes_in_clear_and_mail_goes_out(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    server = SmtpServer(credentials=("relance", PASSWORD)).start()  # no TLS offered
    try:
        monkeypatch.setenv("RELANCE_SMTP__PASSWORD", PASSWORD)
        settings = load_settings(
            _smtp_toml(tmp_path, "allow_plaintext_auth = true\n", port=server.port)
        )
        assert settings.smtp is not None
        channel = EmailChannel(clock=CLOCK, smtp=settings.smtp)
        channel.send(message(1), action_key=message(1).action_key)
        assert len(server.messages) == 1
        assert server.logins == 1
    finally:
        server.stop()


def test_a_secret_key_in_relance_toml_is_refused(tmp_path: Path) -> None:
    key = Fernet.generate_key().decode()
    config = tmp_path / "relance.toml"
    config.write_text(f'store_url = "sqlite:///r.sqlite"\nsecret_key = "{key}"\n', encoding="utf-8")
    with pytest.raises(ConfigError, match="secret_key") as refused:
        load_settings(config)
    said = str(refused.value)
    assert str(config) in said
    assert "RELANCE_SECRET_KEY" in said and "secret_key_file" in said
    assert key not in said


def test_the_key_from_the_environment_or_a_key_file_is_taken(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    key_file = tmp_path / "relance.key"
    key_file.write_text(Fernet.generate_key().decode(), encoding="utf-8")
    config = tmp_path / "relance.toml"
    config.write_text(f'secret_key_file = "{key_file}"\n', encoding="utf-8")
    assert load_settings(config).secret_key_file == key_file
    monkeypatch.setenv("RELANCE_SECRET_KEY", "from-the-environment")
    settings = load_settings(config)
    assert settings.secret_key is not None
    assert settings.secret_key.get_secret_value() == "from-the-environment"
