from __future__ import annotations

from pathlib import Path

import pytest

from connector.errors import ConfigError
from connector.settings import load_settings, load_tenant_config


def test_precedence_flags_then_environment_then_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = tmp_path / "relance.toml"
    config.write_text(
        'store_url = "sqlite:///from-file.sqlite"\noutbox_dir = "file-outbox"\n'
        '[smtp]\nhost = "smtp.example.com"\n',
        encoding="utf-8",
    )
    monkeypatch.setenv("RELANCE_OUTBOX_DIR", "env-outbox")
    monkeypatch.setenv("RELANCE_SMTP__PASSWORD", "from-env")
    settings = load_settings(config, store_url="sqlite:///from-flag.sqlite")
    assert settings.store_url == "sqlite:///from-flag.sqlite"
    assert settings.outbox_dir == Path("env-outbox")
    assert settings.smtp is not None and settings.smtp.host == "smtp.example.com"
    assert settings.smtp.password is not None
    assert settings.smtp.password.get_secret_value() == "from-env"
    assert "from-env" not in repr(settings)


def test_a_named_file_missing_or_an_unknown_key_is_named(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="configuration file not found"):
        load_settings(tmp_path / "nope.toml")
    config = tmp_path / "relance.toml"
    config.write_text('store_ulr = "sqlite:///x"\n', encoding="utf-8")
    with pytest.raises(ConfigError, match=r"store_ulr: unknown key") as error:
        load_settings(config)
    assert str(config) in str(error.value)


def test_secrets_come_from_a_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "relance_secret_key").write_text("k" * 44, encoding="utf-8")
    monkeypatch.setenv("RELANCE_SECRETS_DIR", str(tmp_path))
    settings = load_settings()
    assert settings.secret_key is not None and settings.secret_key.get_secret_value() == "k" * 44
    monkeypatch.setenv("RELANCE_SECRETS_DIR", str(tmp_path / "missing"))
    with pytest.raises(ConfigError, match="secrets folder does not exist"):
        load_settings()


def test_a_tenant_file_with_a_typo_is_refused(tmp_path: Path) -> None:
    tenant = tmp_path / "acme.toml"
    tenant.write_text('[creditor]\nname = "Acme"\nibann = "FR76"\n', encoding="utf-8")
    with pytest.raises(ConfigError, match=r"creditor.ibann: unknown key"):
        load_tenant_config(tenant)


def test_the_terms_of_sale_are_found_beside_the_tenant_file(tmp_path: Path) -> None:
    folder = tmp_path / "tenants"
    folder.mkdir()
    tenant = folder / "acme.toml"
    tenant.write_text('[creditor]\nname = "Acme"\nterms_of_sale = "cgv.pdf"\n', encoding="utf-8")
    assert load_tenant_config(tenant).creditor.terms_of_sale == str(folder / "cgv.pdf")
    absolute = tmp_path / "elsewhere" / "cgv.pdf"
    tenant.write_text(
        f'[creditor]\nname = "Acme"\nterms_of_sale = "{absolute.as_posix()}"\n', encoding="utf-8"
    )
    assert load_tenant_config(tenant).creditor.terms_of_sale == str(absolute)


def test_the_letterhead_fields_and_the_logo_are_read_from_the_tenant_file(tmp_path: Path) -> None:
    from PIL import Image

    (tmp_path / "brand").mkdir()
    Image.new("RGB", (60, 20), (200, 120, 0)).save(tmp_path / "brand" / "logo.png")
    tenant = tmp_path / "acme.toml"
    tenant.write_text(
        '[creditor]\nname = "Acme"\nlogo = "brand/logo.png"\nrcs_city = "Lyon"\n'
        'signatory = "Claire Martin"\nsignatory_title = "Comptabilité clients"\n'
        'share_capital = { amount = "10000", currency = "EUR" }\n',
        encoding="utf-8",
    )
    creditor = load_tenant_config(tenant).creditor
    assert creditor.logo == str(tmp_path / "brand" / "logo.png")  # from the file's folder
    assert creditor.rcs_city == "Lyon" and creditor.signatory_title == "Comptabilité clients"
    assert creditor.share_capital is not None and str(creditor.share_capital) == "10000.00 EUR"


@pytest.mark.parametrize(
    ("logo", "problem"), [("missing.png", "does not exist"), ("logo.gif", "not a PNG or JPEG")]
)
def test_a_logo_that_cannot_be_printed_is_refused_when_the_tenant_is_read(
    tmp_path: Path, logo: str, problem: str
) -> None:
    (tmp_path / "logo.gif").write_bytes(b"GIF89a")
    tenant = tmp_path / "acme.toml"
    tenant.write_text(f'[creditor]\nname = "Acme"\nlogo = "{logo}"\n', encoding="utf-8")
    with pytest.raises(ConfigError, match=problem) as error:
        load_tenant_config(tenant)
    assert "creditor.logo" in str(error.value)
