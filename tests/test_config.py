"""Configuration: defaults, instance file, environment, and a secret generated once."""

from __future__ import annotations

from pathlib import Path

import pytest
from flask import Flask

from survey import config, create_app


def bare_app(tmp_path: Path) -> Flask:
    return Flask("probe", instance_path=str(tmp_path / "instance"), instance_relative_config=True)


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("postgres://u@h/db", "postgresql+psycopg://u@h/db"),
        ("postgresql://u@h/db", "postgresql+psycopg://u@h/db"),
        ("postgresql+psycopg://u@h/db", "postgresql+psycopg://u@h/db"),
        ("sqlite:////tmp/x.sqlite", "sqlite:////tmp/x.sqlite"),
    ],
)
def test_database_url_from_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, given: str, expected: str
) -> None:
    monkeypatch.setenv("DATABASE_URL", given)
    assert config.database_url(bare_app(tmp_path)) == expected


def test_default_database_is_sqlite_in_instance(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("DATABASE_URL", raising=False)
    app = bare_app(tmp_path)
    assert config.database_url(app) == f"sqlite:///{tmp_path}/instance/changepulse.sqlite"


def test_secret_is_generated_once_and_kept_private(tmp_path: Path) -> None:
    app = bare_app(tmp_path)
    Path(app.instance_path).mkdir(parents=True)
    first = config.secret_key(app)
    assert len(first) == 64
    assert config.secret_key(bare_app(tmp_path)) == first
    assert (Path(app.instance_path) / "secret_key").stat().st_mode & 0o077 == 0


def test_prefixed_environment_overrides_defaults(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FLASK_ANONYMITY_THRESHOLD", "7")
    monkeypatch.setenv("FLASK_SECRET_KEY", "from-env")
    monkeypatch.setenv("FLASK_SQLALCHEMY_DATABASE_URI", f"sqlite:///{tmp_path}/env.sqlite")
    app = create_app()
    assert app.config["ANONYMITY_THRESHOLD"] == 7
    assert app.config["SECRET_KEY"] == "from-env"
    assert app.config["SQLALCHEMY_DATABASE_URI"].endswith("env.sqlite")


def test_threshold_below_floor_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="at least 3"):
        create_app(
            {
                "ANONYMITY_THRESHOLD": 2,
                "SECRET_KEY": "x",
                "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/t.sqlite",
            }
        )


@pytest.mark.parametrize(
    ("scores", "comments", "message"),
    [
        (1, 10, "ANONYMITY_THRESHOLD must be a whole number of at least 3"),
        ("5", 10, "ANONYMITY_THRESHOLD must be a whole number of at least 3"),
        (5, 0, "COMMENT_THRESHOLD must be a whole number of at least 5"),
        (5, 1, "COMMENT_THRESHOLD must be a whole number of at least 5"),
        (3, 4, "COMMENT_THRESHOLD must be a whole number of at least 5"),
        (8, 6, "COMMENT_THRESHOLD must be a whole number of at least 8"),
    ],
)
def test_thresholds_below_the_fixed_floors_stop_start_up(
    tmp_path: Path, scores: object, comments: object, message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        create_app(
            {
                "ANONYMITY_THRESHOLD": scores,
                "COMMENT_THRESHOLD": comments,
                "SECRET_KEY": "x",
                "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/t.sqlite",
            }
        )


def test_the_floor_is_not_a_setting(tmp_path: Path) -> None:
    app = create_app(
        {
            "ANONYMITY_FLOOR": 1,
            "ANONYMITY_THRESHOLD": 3,
            "SECRET_KEY": "x",
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/t.sqlite",
        }
    )
    with app.app_context():
        # Whatever a deployment writes, a threshold under 3 never passes start-up.
        app.config["ANONYMITY_THRESHOLD"] = 1
        with pytest.raises(ValueError, match="at least 3"):
            create_app(dict(app.config, SECRET_KEY="x"))
