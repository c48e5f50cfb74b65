"""Change Pulse: short anonymous pulse surveys about a change programme."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import Flask

from survey import access, assets, config, database, errors, logs, tasks, web
from survey.extensions import csrf, db, limiter, migrate

ROOT = Path(__file__).resolve().parent.parent


def create_app(test_config: dict[str, Any] | None = None) -> Flask:
    """Create and configure the application."""
    app = Flask(
        __name__,
        instance_relative_config=True,
        instance_path=str(ROOT / "instance"),
        template_folder=str(ROOT / "templates"),
        static_folder=str(ROOT / "static"),
    )
    config.load(app, test_config)
    logs.init_app(app)  # first, so every later hook and log line has the request's id

    db.init_app(app)
    migrate.init_app(
        app,
        db,
        directory=str(Path(__file__).parent / "migrations"),
        render_as_batch=True,
        compare_type=True,
    )
    from survey.admin.imports import allow_large_upload

    app.before_request(allow_large_upload)  # before CSRF protection reads the form
    app.before_request(web.refuse_unreadable_text)  # before anything else reads the text
    csrf.init_app(app)
    limiter.init_app(app)
    access.init_app(app)
    with app.app_context():
        if db.engine.dialect.name == "sqlite":
            database.tune_sqlite(db.engine)

    from survey import cli
    from survey.admin import bp as admin_bp
    from survey.auth import bp as auth_bp
    from survey.insights import bp as insights_bp
    from survey.respond import bp as respond_bp
    from survey.respond import language

    app.url_map.converters["id"] = web.IdConverter  # before any rule uses it
    for blueprint in (respond_bp, auth_bp, admin_bp, insights_bp):
        app.register_blueprint(blueprint)
    language.init_app(app)
    app.add_url_rule("/healthz", "healthz", lambda: ("ok", 200, {"Content-Type": "text/plain"}))
    tasks.init_app(app)
    cli.init_app(app)
    web.init_app(app)
    assets.init_app(app)
    errors.init_app(app)
    return app
