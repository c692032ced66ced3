"""Configuration: clear refusals of bad values, safe production settings, a tuned SQLite."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.db import connection

from config.env import Env
from config.secrets import new_file_key, parse_file_keys, read_or_create

ROOT = Path(__file__).resolve().parents[1]
PRODUCTION_ENV = {
    "TSUNAGU_ENV": "production",
    "SECRET_KEY": "k" * 20 + "-production-secret-key-that-is-long-enough-0123456789",
    "ALLOWED_HOSTS": "tsunagu.example.jp",
    "EMAIL_HOST": "smtp.example.jp",
    "FILE_ENCRYPTION_KEYS": new_file_key(),
    "SITE_URL": "https://tsunagu.example.jp",
}


def run_manage(*args: str, env: dict[str, str], tmp_path: Path) -> subprocess.CompletedProcess[str]:
    clean = {
        k: v
        for k, v in os.environ.items()
        if k not in PRODUCTION_ENV and k not in {"DATABASE_URL", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    }
    full_env = {
        **clean,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "TSUNAGU_VAR_DIR": str(tmp_path / "var"),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        **env,
    }
    return subprocess.run(  # noqa: S603
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=full_env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.mark.parametrize(
    ("method", "args", "value", "message"),
    [
        ("bool", ("DEBUG", False), "maybe", "DEBUG='maybe': expected true or false"),
        ("int", ("EMAIL_PORT", 25), "twenty", "EMAIL_PORT='twenty': expected a whole number"),
        (
            "choice",
            ("TSUNAGU_ENV", ("development", "production"), "development"),
            "prod",
            "TSUNAGU_ENV='prod': expected one of development, production",
        ),
    ],
)
def test_a_bad_value_names_the_variable_and_what_it_expects(
    method: str, args: tuple[object, ...], value: str, message: str
) -> None:
    env = Env({args[0]: value})  # type: ignore[dict-item]

    with pytest.raises(ImproperlyConfigured) as error:
        getattr(env, method)(*args)

    assert str(error.value).startswith(message)


def test_env_readers_parse_good_values() -> None:
    env = Env({"A": " yes ", "B": "8000", "C": "a.example, b.example,,", "D": ""})

    assert env.bool("A", default=False) is True
    assert env.int("B", 1) == 8000
    assert env.list("C") == ["a.example", "b.example"]
    assert env.str("D", "fallback") == "fallback"
    assert env.optional("D") is None


def test_secret_created_once_is_reused(tmp_path: Path) -> None:
    first = read_or_create(tmp_path / "secret_key", "secret_key")
    second = read_or_create(tmp_path / "secret_key", "secret_key")

    assert first == second
    assert len(first) >= 50
    assert (tmp_path / "secret_key").stat().st_mode & 0o777 == 0o600


def test_a_process_starting_while_another_writes_the_secret_gets_the_same_secret(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two web processes start together: the second one looks while the first is writing."""
    path = tmp_path / "secret_key"
    seen_by_second: list[str] = []
    fdopen = os.fdopen

    def first_writes(fd: int, *args: object, **kwargs: object) -> object:
        if not seen_by_second:
            seen_by_second.append("")
            seen_by_second[0] = read_or_create(path, "secret_key")
        return fdopen(fd, *args, **kwargs)  # type: ignore[call-overload]

    monkeypatch.setattr("config.secrets.os.fdopen", first_writes)
    first = read_or_create(path, "secret_key")

    assert len(first) >= 50
    assert seen_by_second == [first]
    assert [p.name for p in tmp_path.iterdir()] == ["secret_key"]


def test_an_empty_secret_file_is_refused_with_what_to_do(tmp_path: Path) -> None:
    (tmp_path / "secret_key").write_text("\n")
    with pytest.raises(ImproperlyConfigured, match="secret_key is empty: delete it"):
        read_or_create(tmp_path / "secret_key", "secret_key")


def test_file_keys_must_be_32_bytes() -> None:
    assert len(parse_file_keys("K", f"{new_file_key()},{new_file_key()}")) == 2
    with pytest.raises(ImproperlyConfigured, match="K: key 2 is not 32 bytes"):
        parse_file_keys("K", f"{new_file_key()},c2hvcnQ=")


@pytest.mark.parametrize(
    "missing", ["SECRET_KEY", "ALLOWED_HOSTS", "EMAIL_HOST", "FILE_ENCRYPTION_KEYS", "SITE_URL"]
)
def test_production_refuses_to_start_without_a_secret_or_setting(
    missing: str, tmp_path: Path
) -> None:
    env = {key: value for key, value in PRODUCTION_ENV.items() if key != missing}

    result = run_manage("check", env=env, tmp_path=tmp_path)

    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith(f"設定エラー / configuration error: {missing} is not set")
    assert not (tmp_path / "var" / "secret_key").exists()


def test_production_refuses_a_site_address_without_its_scheme(tmp_path: Path) -> None:
    result = run_manage(
        "check", env={**PRODUCTION_ENV, "SITE_URL": "tsunagu.example.jp"}, tmp_path=tmp_path
    )

    assert result.returncode == 1
    assert result.stderr.strip().splitlines() == [
        "設定エラー / configuration error: SITE_URL='tsunagu.example.jp': expected the address "
        "people open Tsunagu at, like https://tsunagu.example.jp."
    ]


def test_production_settings_pass_the_deployment_checklist(tmp_path: Path) -> None:
    result = run_manage(
        "check", "--deploy", "--fail-level", "WARNING", env=PRODUCTION_ENV, tmp_path=tmp_path
    )

    assert result.returncode == 0, result.stderr
    assert "no issues" in result.stdout


@pytest.mark.django_db
def test_sqlite_runs_in_wal_mode_with_immediate_transactions() -> None:
    if connection.vendor != "sqlite":
        pytest.skip("SQLite tuning applies to the embedded database only")
    settings_dict = connection.settings_dict
    assert settings_dict["OPTIONS"]["transaction_mode"] == "IMMEDIATE"
    assert settings_dict["OPTIONS"]["timeout"] >= 5
    assert "journal_mode=WAL" in settings_dict["OPTIONS"]["init_command"]


CONCURRENT_WRITER = """
from django.db import transaction
from tsunagu.accounts.models import Organization
import os
worker = os.environ["WRITER"]
for n in range(40):
    with transaction.atomic():
        # Read first, then write: under SQLite's default DEFERRED mode a second writer fails
        # here at once with "database is locked" instead of waiting for its turn.
        count = Organization.objects.count()
        Organization.objects.create(code=f"w{worker}-{n}", name=f"{worker} {n} {count}")
"""


def test_concurrent_writers_on_sqlite_wait_instead_of_failing(tmp_path: Path) -> None:
    migrated = run_manage("migrate", "--no-input", "-v0", env={}, tmp_path=tmp_path)
    assert migrated.returncode == 0, migrated.stderr
    base_env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "TSUNAGU_VAR_DIR": str(tmp_path / "var"),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
    }

    writers = [
        subprocess.Popen(  # noqa: S603
            [sys.executable, "manage.py", "shell", "-c", CONCURRENT_WRITER],
            cwd=ROOT,
            env={**base_env, "WRITER": str(number)},
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for number in range(4)
    ]
    outcomes = [(writer.wait(timeout=120), writer.stderr.read()) for writer in writers]  # type: ignore[union-attr]

    assert [code for code, _ in outcomes] == [0, 0, 0, 0], [err for _, err in outcomes]
    counted = run_manage(
        "shell",
        "-c",
        "from tsunagu.accounts.models import Organization;print(Organization.objects.count())",
        env={},
        tmp_path=tmp_path,
    )
    assert counted.stdout.strip().splitlines()[-1] == "160"
