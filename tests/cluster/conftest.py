"""One scaled-out cluster for the whole session, on free ports: an action
server, two Rasa servers, nginx in front, the staff console, a fresh
PostgreSQL database with its own non-superuser role (both dropped at the
end), as `make run-cluster` makes them, and a Redis of its own with a
password as lock store.

These tests need real PostgreSQL, Redis and nginx; when one is missing they
fail with the reason, they never skip. The second Rasa server reaches
PostgreSQL through a TCP proxy, so a test can take its tracker store away
without touching the shared PostgreSQL server."""

import secrets
import uuid
from dataclasses import dataclass

import pytest
import redis
from sqlalchemy.engine import make_url

from clinicbot.settings import PROJECT_ROOT
from launcher import cluster as clusters
from launcher import servers
from tests.cluster.support import Store, start_redis
from tests.relay import TcpProxy

PG_PORT = 5432


@dataclass
class Cluster:
    handle: clusters.Cluster
    url: str  # nginx
    rasa_urls: list[str]  # direct, [0] straight to PostgreSQL, [1] through `proxy`
    console_url: str
    db_url: str  # the superuser's (the tests read with it)
    app_url: str  # the application role's, which the servers use
    role: str
    redis: redis.Redis  # the lock store, with its password
    store: Store
    proxy: TcpProxy
    origin: str  # the one page origin the channels accept


@pytest.fixture(scope="session")
def cluster(tmp_path_factory, model_path):
    db_name = f"clinicbot_test_{uuid.uuid4().hex[:10]}"
    db_url = f"postgresql://postgres@127.0.0.1:{PG_PORT}/{db_name}"
    logs = PROJECT_ROOT / "results" / "cluster" / db_name  # kept for CI; results/ is git-ignored
    assert clusters.ensure_database(db_url), f"{db_name} existed already"
    role = f"{db_name}_app"
    app_url = clusters.ensure_app_role(db_url, role, logs / "db_password")
    redis_password = secrets.token_hex(16)
    redis_process, redis_client = start_redis(redis_password)
    proxy = TcpProxy(target_port=PG_PORT, listen_port=servers.free_port()).start()
    proxied_url = make_url(app_url).set(port=proxy.listen_port).render_as_string(hide_password=False)
    origin = f"http://127.0.0.1:{servers.free_port()}"
    action_port = servers.free_port()
    env = servers.default_env(action_port=action_port)
    env.update(
        {
            "TRACKER_DB_URL": app_url,
            "ACTION_ENDPOINT_URL": f"http://127.0.0.1:{action_port}/webhook",
            "CLINIC_ALLOWED_ORIGINS": origin,
            "LOCK_STORE_TYPE": clusters.LOCK_STORE,
            "LOCK_STORE_PORT": str(redis_client.connection_pool.connection_kwargs["port"]),
            "LOCK_STORE_DB": "1",
            "LOCK_STORE_PASSWORD": redis_password,
            # A message in flight on a killed server leaves its lock behind; it
            # expires after this many seconds (Rasa's default is 60).
            "TICKET_LOCK_LIFETIME": "15",
        }
    )
    rasa_ports = [servers.free_port(), servers.free_port()]
    handle = clusters.Cluster(
        env,
        logs,
        servers.free_port(),
        rasa_ports,
        action_port,
        console_port=servers.free_port(),
        model=model_path,
        tracker_urls=[app_url, proxied_url],
    )
    store = Store(db_url)
    try:
        handle.start()
        yield Cluster(
            handle,
            handle.url,
            [f"http://127.0.0.1:{p}" for p in rasa_ports],
            f"http://127.0.0.1:{handle.console_port}",
            db_url,
            app_url,
            role,
            redis_client,
            store,
            proxy,
            origin,
        )
    finally:
        handle.stop()
        proxy.stop()
        store.dispose()
        redis_process.terminate()
        redis_process.wait()
        clusters.drop_database(db_url)
        clusters.drop_role(db_url, role)
