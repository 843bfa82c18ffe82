"""Deployment defaults: the servers use a database role of their own that is
no superuser and owns what Rasa writes; the lock store's Redis has a
password; no secret is written to supervisord's file or to a log."""

import uuid

import pytest
import redis
import sqlalchemy as sa

from tests.cluster.support import QUESTIONS, send


def test_the_servers_write_with_a_role_that_is_not_a_superuser(cluster):
    sender = f"role-{uuid.uuid4().hex[:8]}"
    assert send(cluster.url, sender, QUESTIONS[0])[0] == 200
    assert cluster.store.turns(sender)[0] == ("user", QUESTIONS[0])
    with cluster.store.engine.connect() as conn:
        role = conn.execute(
            sa.text("SELECT rolsuper, rolcreatedb, rolcreaterole, rolcanlogin FROM pg_roles WHERE rolname = :r"),
            {"r": cluster.role},
        ).one()
        assert tuple(role) == (False, False, False, True)
        owners = conn.execute(
            sa.text(
                "SELECT (SELECT pg_get_userbyid(datdba) FROM pg_database WHERE datname = current_database()),"
                " (SELECT tableowner FROM pg_tables WHERE tablename = 'events' AND schemaname = 'public')"
            )
        ).one()
        assert tuple(owners) == (cluster.role, cluster.role), "the role owns the database and Rasa's events table"
        sessions = conn.execute(
            sa.text(
                "SELECT DISTINCT usename FROM pg_stat_activity"
                " WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
        ).scalars()
        assert set(sessions) - {"postgres"} == {cluster.role}, "the servers connect as the role"
    # With the servers' own URL nothing a superuser may do is allowed.
    engine = sa.create_engine(cluster.app_url)
    try:
        with engine.connect() as conn:
            assert conn.execute(sa.text("SELECT current_user")).scalar() == cluster.role
            with pytest.raises(sa.exc.ProgrammingError) as refused:
                conn.execute(sa.text("CREATE ROLE intruder SUPERUSER"))
            assert refused.value.orig.pgcode == "42501"  # insufficient_privilege
    finally:
        engine.dispose()


def test_the_lock_store_is_a_redis_with_a_password(cluster):
    port = cluster.redis.connection_pool.connection_kwargs["port"]
    with pytest.raises(redis.AuthenticationError):
        redis.Redis(host="127.0.0.1", port=port, socket_timeout=3).ping()
    for server in cluster.rasa_urls:  # each takes a lock there, with the password, for every message
        before = cluster.redis.info("stats")["total_commands_processed"]
        assert send(server, f"redis-{uuid.uuid4().hex[:8]}", QUESTIONS[0])[0] == 200
        assert cluster.redis.info("stats")["total_commands_processed"] > before + 1


def test_no_secret_is_written_to_a_log_or_to_supervisords_file(cluster):
    secrets = {
        "database password": sa.engine.make_url(cluster.app_url).password,
        "Redis password": cluster.redis.connection_pool.connection_kwargs["password"],
    }
    assert all(secrets.values())
    var = cluster.handle.var_dir
    files = [p for p in var.rglob("*") if p.is_file() and p.name != "db_password" and not p.name.endswith(".sock")]
    assert var / "supervisord.conf" in files and any(p.suffix == ".log" for p in files)
    found = {
        f"{what} in {path.relative_to(var)}"
        for path in files
        for what, secret in secrets.items()
        if secret in path.read_text(errors="replace")
    }
    assert not found
