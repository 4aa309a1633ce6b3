"""The ``pamong`` command line: init, db, users, tokens, org units, openapi."""

from __future__ import annotations

import json
import tomllib

import pytest
from click.testing import CliRunner
from sqlalchemy import create_engine, func, select, text

from pamong.cli import main

PASSWORD = "kabupaten-sragen-1"


@pytest.fixture
def password_file(tmp_path):
    path = tmp_path / "admin-password.txt"
    path.write_text(PASSWORD + "\n")
    return path


@pytest.fixture
def instance(tmp_path):
    return tmp_path / "instance"


def pamong(instance, *args, input=None):
    return CliRunner().invoke(main, ["--instance", str(instance), *args], input=input)


def init(instance, password_file, region="33.14", *extra):
    result = pamong(
        instance, "init", "--region", region, "--admin-password-file", str(password_file), *extra
    )
    assert result.exit_code == 0, result.output
    return result


def count_units(instance, kind=None):
    engine = create_engine(f"sqlite:///{instance / 'pamong.sqlite3'}")
    try:
        with engine.connect() as conn:
            sql = "SELECT count(*) FROM org_units" + (" WHERE kind = :kind" if kind else "")
            return conn.execute(text(sql), {"kind": kind}).scalar()
    finally:
        engine.dispose()


def config(instance):
    return tomllib.loads((instance / "pamong.toml").read_text())["pamong"]


def test_init_loads_sragen_org_units(instance, password_file):
    result = init(instance, password_file)
    assert "Kabupaten Sragen (33.14, WIB): 229 org units created" in result.output
    assert count_units(instance, "kecamatan") == 20
    assert count_units(instance, "desa") + count_units(instance, "kelurahan") == 208
    assert count_units(instance, "kelurahan") == 12


def test_init_twice_duplicates_nothing_and_keeps_the_secret(instance, password_file):
    init(instance, password_file)
    secret = config(instance)["secret_key"]
    result = init(instance, password_file)
    assert "0 org units created, 229 already present" in result.output
    assert "already exists (unchanged)" in result.output
    assert count_units(instance) == 229
    assert config(instance)["secret_key"] == secret


def test_init_writes_a_fresh_secret_key_per_instance(tmp_path, password_file):
    init(tmp_path / "a", password_file)
    init(tmp_path / "b", password_file)
    assert config(tmp_path / "a")["secret_key"] != config(tmp_path / "b")["secret_key"]
    assert len(config(tmp_path / "a")["secret_key"]) >= 48


@pytest.mark.parametrize(
    ("region", "zone", "kecamatan", "villages"),
    [
        ("36.02", "Asia/Jakarta", 28, 345),  # Lebak, WIB
        ("63.11", "Asia/Makassar", 8, 157),  # Balangan, WITA
        ("14.72", "Asia/Jakarta", 7, 36),  # Kota Dumai: kelurahan only
        ("91.71", "Asia/Jayapura", 5, 39),  # Kota Jayapura, WIT
    ],
)
def test_init_works_for_any_regency_with_its_time_zone(
    instance, password_file, region, zone, kecamatan, villages
):
    init(instance, password_file, region)
    assert config(instance)["time_zone"] == zone
    assert count_units(instance, "kecamatan") == kecamatan
    assert count_units(instance, "desa") + count_units(instance, "kelurahan") == villages


def test_a_city_has_no_desa(instance, password_file):
    init(instance, password_file, "14.72")
    assert count_units(instance, "desa") == 0


def test_init_accepts_an_undotted_code(instance, password_file):
    init(instance, password_file, "3314")
    assert config(instance)["region"] == "33.14"


@pytest.mark.parametrize(
    ("region", "message"),
    [
        ("99.99", "99.99 is not a regency or city"),
        ("33", "33 is not a regency or city"),
        ("sragen", "'sragen' is not a region code"),
    ],
)
def test_init_refuses_a_bad_region(instance, password_file, region, message):
    result = pamong(
        instance, "init", "--region", region, "--admin-password-file", str(password_file)
    )
    assert result.exit_code == 1
    assert message in result.output
    assert not (instance / "pamong.toml").exists()


def test_init_refuses_a_weak_admin_password(instance, tmp_path):
    weak = tmp_path / "weak.txt"
    weak.write_text("123")
    result = pamong(instance, "init", "--region", "33.14", "--admin-password-file", str(weak))
    assert result.exit_code == 1
    assert "paling sedikit 10 karakter" in result.output


def test_init_reports_an_unreadable_password_file(instance, tmp_path):
    result = pamong(
        instance, "init", "--region", "33.14", "--admin-password-file", str(tmp_path / "nope")
    )
    assert result.exit_code == 1
    assert "cannot read password file" in result.output


def test_init_prompts_for_the_password_without_a_file(instance):
    result = pamong(
        instance,
        "init",
        "--region",
        "33.14",
        "--admin-username",
        "kominfo",
        input=f"{PASSWORD}\n{PASSWORD}\n",
    )
    assert result.exit_code == 0, result.output
    assert "Admin user 'kominfo' created." in result.output


def test_init_refuses_another_region_in_the_same_instance(instance, password_file):
    init(instance, password_file)
    result = pamong(
        instance, "init", "--region", "36.02", "--admin-password-file", str(password_file)
    )
    assert result.exit_code == 1
    assert "is for region 33.14, not 36.02" in result.output


def test_commands_without_init_say_what_to_do(instance):
    result = pamong(instance, "db", "status")
    assert result.exit_code == 1
    assert f"pamong --instance {instance} init --region CODE" in result.output


def test_db_status_shows_each_component_up_to_date(instance, password_file):
    init(instance, password_file)
    result = pamong(instance, "db", "status")
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[1].split()[-1] == "ok"


def test_db_upgrade_is_a_no_op_on_a_current_schema(instance, password_file):
    init(instance, password_file)
    result = pamong(instance, "db", "upgrade")
    assert result.exit_code == 0, result.output
    assert result.output.startswith("core")


def test_users_create_grants_roles_at_units(instance, password_file, app):
    init(instance, password_file)
    result = pamong(
        instance,
        "users",
        "create",
        "operator01",
        "--full-name",
        "Operator Kalijambe",
        "--password-file",
        str(password_file),
        "--role",
        "registrar@33.14.01",
    )
    assert result.exit_code == 0, result.output
    result = pamong(
        instance, "users", "create", "operator01", "--password-file", str(password_file)
    )
    assert result.exit_code == 1
    assert "Pengguna 'operator01' sudah ada." in result.output


def test_users_create_names_a_bad_role_spec(instance, password_file):
    init(instance, password_file)
    result = pamong(
        instance,
        "users",
        "create",
        "op2",
        "--password-file",
        str(password_file),
        "--role",
        "registrar@33.14.99",
    )
    assert result.exit_code == 1
    assert "Tidak ada unit organisasi dengan kode '33.14.99'" in result.output


def test_tokens_create_prints_a_token_the_api_accepts(instance, password_file):
    from pamong.app import create_app

    init(instance, password_file)
    result = pamong(instance, "tokens", "create", "admin")
    assert result.exit_code == 0, result.output
    token = result.output.strip()
    assert token.startswith("pmg_")
    app = create_app(instance)
    try:
        response = app.test_client().get(
            "/api/v1/users/admin", headers={"Authorization": f"Bearer {token}"}
        )
        assert response.status_code == 200
        assert response.json["username"] == "admin"
    finally:
        app.extensions["pamong"].db.dispose()


def test_tokens_create_for_an_unknown_user_fails_clearly(instance, password_file):
    init(instance, password_file)
    result = pamong(instance, "tokens", "create", "nobody")
    assert result.exit_code == 1
    assert "Pengguna 'nobody' tidak ada" in result.output


def test_orgunits_add_and_list(instance, password_file):
    init(instance, password_file)
    result = pamong(
        instance,
        "orgunits",
        "add",
        "33.14-DPMPTSP",
        "DPMPTSP Kabupaten Sragen",
        "--kind",
        "skpd",
        "--parent",
        "33.14",
    )
    assert result.exit_code == 0, result.output
    listed = pamong(instance, "orgunits", "list", "--kind", "skpd").output
    assert "33.14-DPMPTSP" in listed and "DPMPTSP Kabupaten Sragen" in listed
    kecamatan = pamong(instance, "orgunits", "list", "--parent", "33.14", "--kind", "kecamatan")
    assert len(kecamatan.output.splitlines()) == 20


def test_orgunits_add_rejects_a_desa_under_the_regency(instance, password_file):
    init(instance, password_file)
    result = pamong(
        instance, "orgunits", "add", "33.14.99.2001", "X", "--kind", "desa", "--parent", "33.14"
    )
    assert result.exit_code == 1
    assert "Unit jenis desa tidak dapat ditempatkan di bawah regency" in result.output


def test_openapi_prints_the_spec(instance, password_file):
    init(instance, password_file)
    result = pamong(instance, "openapi")
    spec = json.loads(result.output)
    assert spec["openapi"].startswith("3.")
    assert "/api/v1/residents/{nik}" in spec["paths"]


def test_environment_overrides_the_config_file(instance, password_file, monkeypatch, tmp_path):
    init(instance, password_file)
    other = tmp_path / "other.sqlite3"
    monkeypatch.setenv("PAMONG_DATABASE_URL", f"sqlite:///{other}")
    result = pamong(instance, "db", "status")
    assert result.exit_code == 1  # the other database has no schema yet
    assert other.exists()


def test_admin_holds_the_admin_role_at_the_regency(instance, password_file):
    from pamong.accounts.models import RoleAssignment, User
    from pamong.app import create_app

    init(instance, password_file)
    app = create_app(instance)
    try:
        with app.extensions["pamong"].db.session() as session:
            grants = session.scalars(
                select(RoleAssignment).join(User).where(User.username == "admin")
            ).all()
            assert [(g.role.name, g.org_unit.code) for g in grants] == [("admin", "33.14")]
            assert session.scalar(select(func.count()).select_from(User)) == 1
    finally:
        app.extensions["pamong"].db.dispose()


def test_demo_keeps_its_instance_until_reset(tmp_path):
    instance = tmp_path / "demo-instance"
    base = ["--instance", str(instance), "demo", "--no-serve", "--residents", "0"]
    first = CliRunner().invoke(main, base)
    assert first.exit_code == 0, first.output
    assert "pamong-demo-2026" in first.output
    trace = instance / "trainee-was-here"
    trace.write_text("x")
    kept = CliRunner().invoke(main, base)
    assert kept.exit_code == 0, kept.output
    assert "kept; --reset rebuilds it" in kept.output and trace.exists()
    reset = CliRunner().invoke(main, [*base, "--reset"])
    assert reset.exit_code == 0, reset.output
    assert not trace.exists() and (instance / "pamong.toml").exists()
