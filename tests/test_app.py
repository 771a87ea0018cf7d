"""The factory, the configurations and what every response carries."""
import pytest

from app import create_app
from config import CONFIGS, DevelopmentConfig, ProductionConfig, TestConfig, config_from_env


def test_production_refuses_to_start_without_a_secret_key(monkeypatch):
    monkeypatch.setattr(ProductionConfig, "SECRET_KEY", None)
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        create_app(ProductionConfig, SQLALCHEMY_DATABASE_URI="sqlite://")


def test_production_uses_secure_cookies_and_hsts(monkeypatch):
    monkeypatch.setattr(ProductionConfig, "SECRET_KEY", "a-real-secret")
    app = create_app(ProductionConfig, SQLALCHEMY_DATABASE_URI="sqlite://",
                     SERVER_NAME="werkstatt.example.org")  # required in production (issue 13)
    assert app.config["SESSION_COOKIE_SECURE"] is True
    assert app.config["SESSION_COOKIE_HTTPONLY"] is True
    response = app.test_client().get("/imprint")
    assert response.headers["Strict-Transport-Security"].startswith("max-age=")


def test_development_does_not_send_hsts():
    app = create_app(DevelopmentConfig, SQLALCHEMY_DATABASE_URI="sqlite://")
    assert "Strict-Transport-Security" not in app.test_client().get("/imprint").headers


@pytest.mark.parametrize("name", sorted(CONFIGS))
def test_config_is_chosen_by_environment(monkeypatch, name):
    monkeypatch.setenv("WERKSTATT_ENV", name)
    assert config_from_env() is CONFIGS[name]


def test_unknown_environment_is_refused(monkeypatch):
    monkeypatch.setenv("WERKSTATT_ENV", "staging-ish")
    with pytest.raises(RuntimeError, match="WERKSTATT_ENV"):
        config_from_env()


def test_database_url_comes_from_the_environment(monkeypatch):
    import importlib

    import config
    monkeypatch.setenv("DATABASE_URL", "postgresql+psycopg://db.example/werkstatt")
    reloaded = importlib.reload(config)
    try:
        assert reloaded.Config.SQLALCHEMY_DATABASE_URI == "postgresql+psycopg://db.example/werkstatt"
    finally:
        monkeypatch.delenv("DATABASE_URL")
        importlib.reload(config)


def test_factory_has_no_side_effects_on_the_database(tmp_path):
    target = tmp_path / "untouched.db"
    create_app(TestConfig, SQLALCHEMY_DATABASE_URI=f"sqlite:///{target}")
    assert not target.exists() or target.stat().st_size == 0


EXPECTED_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
}


@pytest.mark.parametrize("url", ["/", "/privacy", "/does-not-exist",
                                 "/static/css/app.css", "/manage/login"])
def test_security_headers_on_pages_errors_and_static_files(client, url):
    response = client.get(url)
    csp = response.headers["Content-Security-Policy"]
    assert "default-src 'self'" in csp
    assert "frame-ancestors 'none'" in csp
    assert "unsafe-inline" not in csp
    for name, value in EXPECTED_HEADERS.items():
        assert response.headers[name] == value


def test_an_unexpected_error_is_a_friendly_500_page_with_headers(server_errors):
    app = create_app(TestConfig, SQLALCHEMY_DATABASE_URI="sqlite://")

    @app.route("/_boom")
    def _boom():
        raise ZeroDivisionError

    response = app.test_client().get("/_boom?lang=en")
    assert response.status_code == 500
    assert "Something went wrong" in response.get_data(as_text=True)
    assert "Content-Security-Policy" in response.headers
    # The test hook saw it, with its traceback (every other test fails on such a record).
    assert [r.exc_info[0] for r in server_errors] == [ZeroDivisionError]
    server_errors.clear()


@pytest.mark.parametrize(("lang", "text"), [("de", "Seite nicht gefunden"),
                                            ("en", "Page not found")])
def test_404_page_in_both_languages(client, lang, text):
    response = client.get(f"/nowhere?lang={lang}")
    assert response.status_code == 404
    html = response.get_data(as_text=True)
    assert text in html
    assert f'<html lang="{lang}">' in html


def test_behind_a_trusted_proxy_the_client_address_comes_from_x_forwarded_for():
    from flask import request

    app = create_app(TestConfig, SQLALCHEMY_DATABASE_URI="sqlite://", TRUSTED_PROXIES=1)

    @app.route("/_addr")
    def _addr():
        return request.remote_addr

    response = app.test_client().get("/_addr", headers={"X-Forwarded-For": "203.0.113.7"})
    assert response.get_data(as_text=True) == "203.0.113.7"
