"""One scaled-out cluster for the whole session, on free ports: an action
server, two Rasa servers, nginx in front, the staff console, a fresh
PostgreSQL database (dropped at the end) and the shared Redis as lock store.

These tests need real PostgreSQL, Redis and nginx; when one is missing they
fail with the reason, they never skip. The second Rasa server reaches
PostgreSQL through a TCP proxy, so a test can take its tracker store away
without touching the shared PostgreSQL server."""

import uuid
from dataclasses import dataclass

import pytest

from clinicbot.settings import PROJECT_ROOT
from launcher import cluster as clusters
from launcher import servers
from tests.cluster.support import Store
from tests.relay import TcpProxy

PG_PORT = 5432


@dataclass
class Cluster:
    handle: clusters.Cluster
    url: str  # nginx
    rasa_urls: list[str]  # direct, [0] straight to PostgreSQL, [1] through `proxy`
    console_url: str
    db_url: str
    store: Store
    proxy: TcpProxy
    origin: str  # the one page origin the channels accept


@pytest.fixture(scope="session")
def cluster(tmp_path_factory, model_path):
    db_name = f"clinicbot_test_{uuid.uuid4().hex[:10]}"
    db_url = f"postgresql://postgres@127.0.0.1:{PG_PORT}/{db_name}"
    assert clusters.ensure_database(db_url), f"{db_name} existed already"
    proxy = TcpProxy(target_port=PG_PORT, listen_port=servers.free_port()).start()
    proxied_url = f"postgresql://postgres@127.0.0.1:{proxy.listen_port}/{db_name}"
    origin = f"http://127.0.0.1:{servers.free_port()}"
    action_port = servers.free_port()
    env = servers.default_env(action_port=action_port)
    env.update(
        {
            "TRACKER_DB_URL": db_url,
            "ACTION_ENDPOINT_URL": f"http://127.0.0.1:{action_port}/webhook",
            "CLINIC_ALLOWED_ORIGINS": origin,
            "LOCK_STORE_TYPE": clusters.LOCK_STORE,
            # A message in flight on a killed server leaves its lock behind; it
            # expires after this many seconds (Rasa's default is 60).
            "TICKET_LOCK_LIFETIME": "15",
        }
    )
    rasa_ports = [servers.free_port(), servers.free_port()]
    logs = PROJECT_ROOT / "results" / "cluster" / db_name  # kept for CI; results/ is git-ignored
    handle = clusters.Cluster(
        env,
        logs,
        servers.free_port(),
        rasa_ports,
        action_port,
        console_port=servers.free_port(),
        model=model_path,
        tracker_urls=[db_url, proxied_url],
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
            store,
            proxy,
            origin,
        )
    finally:
        handle.stop()
        proxy.stop()
        store.dispose()
        clusters.drop_database(db_url)
