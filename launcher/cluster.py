"""`make run-cluster`: the assistant scaled out on one machine.

    nginx :5080 ──round robin──> Rasa :5011, Rasa :5012 ──> action server :5065
                                   │  tracker store: PostgreSQL (TRACKER_DB_URL)
                                   └─ lock store:    Redis (LOCK_STORE_*)
    staff console :8091 (localhost only, never behind nginx) ──> same PostgreSQL

All of them run under supervisord (launcher/supervisor.py), which starts
again any that dies; nginx skips a dead Rasa server meanwhile. Ports and
services come from environment variables (README, "Scaling out"). The tests
in tests/cluster start the same `Cluster` on free ports."""

import base64
import hashlib
import hmac
import os
import shutil
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from clinicbot import settings
from clinicbot.settings import PROJECT_ROOT
from launcher import servers
from launcher.supervisor import SupervisedService, Supervisor

NGINX_TEMPLATE = PROJECT_ROOT / "deploy" / "nginx.conf.template"
# The maintenance connection: a PostgreSQL superuser, used by the launcher
# only, to create the database and the application's role. The servers
# connect as that role (APP_ROLE), never as the superuser.
DEFAULT_DB_URL = "postgresql://postgres@127.0.0.1:5432/clinicbot"
APP_ROLE = "clinicbot_app"
LOCK_STORE = "clinicbot.stores.lock.AtomicRedisLockStore"  # endpoints.yml, LOCK_STORE_TYPE


def _maintenance(url: str):
    """(connection to the server's `postgres` database, database name) for a PostgreSQL URL, else None."""
    from sqlalchemy.engine import make_url

    parsed = make_url(url)
    if not parsed.drivername.startswith("postgresql"):
        return None
    return psycopg2_connect(parsed, "postgres"), parsed.database


def ensure_database(url: str) -> bool:
    """Create the PostgreSQL database named in `url` if it is missing; True if created."""
    from psycopg2 import sql

    found = _maintenance(url)
    if not found:
        return False
    conn, name = found
    try:
        with conn.cursor() as cursor:
            cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,))
            if cursor.fetchone():
                return False
            cursor.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
            return True
    finally:
        conn.close()


def drop_database(url: str) -> None:
    """Drop the PostgreSQL database named in `url` (tests and soak runs use their own)."""
    from psycopg2 import sql

    _on_server(url, lambda name: sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


def _on_server(url: str, statement: Callable[[str], Any]) -> None:
    """Run statement(database name) on the server's maintenance database, when `url` is PostgreSQL."""
    found = _maintenance(url)
    if found:
        conn, name = found
        try:
            with conn.cursor() as cursor:
                cursor.execute(statement(name))
        finally:
            conn.close()


def _scram_verifier(password: str, iterations: int = 4096) -> str:
    """The SCRAM-SHA-256 verifier PostgreSQL stores for `password` (RFC 5802,
    as libpq's PQencryptPasswordConn makes it): sent instead of the password,
    so that the password never reaches the server's statement log."""
    salt = os.urandom(16)
    salted = hashlib.pbkdf2_hmac("sha256", password.encode(), salt, iterations)
    client_key = hmac.new(salted, b"Client Key", "sha256").digest()
    server_key = hmac.new(salted, b"Server Key", "sha256").digest()
    b64 = lambda raw: base64.b64encode(raw).decode()  # noqa: E731
    return f"SCRAM-SHA-256${iterations}:{b64(salt)}${b64(hashlib.sha256(client_key).digest())}:{b64(server_key)}"


def ensure_app_role(admin_url: str, role: str, password_file: Path) -> str:
    """With the superuser connection of `admin_url`: create the database if
    needed, and a login role `role` that is no superuser, cannot create
    databases or roles, and owns the database and its tables; its password is
    kept in `password_file` (0600, made on first use). Returns the URL the
    servers use. A URL that is not PostgreSQL is returned as it is."""
    from psycopg2 import sql
    from sqlalchemy.engine import make_url

    parsed = make_url(admin_url)
    if not parsed.drivername.startswith("postgresql"):
        return admin_url
    ensure_database(admin_url)
    password = settings.kept_secret(password_file)
    found = _maintenance(admin_url)
    assert found is not None
    conn, name = found
    try:
        with conn.cursor() as cursor:
            cursor.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (role,))
            verb = "ALTER" if cursor.fetchone() else "CREATE"
            cursor.execute(
                sql.SQL(
                    verb + " ROLE {} WITH LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION PASSWORD %s"
                ).format(sql.Identifier(role)),
                (_scram_verifier(password),),
            )
            cursor.execute(sql.SQL("ALTER DATABASE {} OWNER TO {}").format(sql.Identifier(name), sql.Identifier(role)))
    finally:
        conn.close()
    # Tables an older run created as the superuser change hands too.
    conn = psycopg2_connect(parsed, name)
    try:
        with conn.cursor() as cursor:
            cursor.execute(
                "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
                "WHERE n.nspname = 'public' AND c.relkind IN ('r', 'S', 'v', 'p') "
                "AND pg_get_userbyid(c.relowner) <> %s AND NOT (c.relkind = 'S' AND EXISTS "
                "(SELECT 1 FROM pg_depend d WHERE d.objid = c.oid AND d.deptype IN ('a', 'i')))",
                (role,),
            )
            for (relation,) in cursor.fetchall():
                cursor.execute(
                    sql.SQL("ALTER TABLE {} OWNER TO {}").format(sql.Identifier(relation), sql.Identifier(role))
                )
    finally:
        conn.close()
    return parsed.set(username=role, password=password).render_as_string(hide_password=False)


def psycopg2_connect(parsed, dbname: str):
    import psycopg2

    conn = psycopg2.connect(
        host=parsed.host or "127.0.0.1",
        port=parsed.port or 5432,
        user=parsed.username,
        password=parsed.password,
        dbname=dbname,
        connect_timeout=5,
    )
    conn.autocommit = True
    return conn


def drop_role(admin_url: str, role: str) -> None:
    """Drop a role that owns nothing any more (the tests drop their database first)."""
    from psycopg2 import sql

    _on_server(admin_url, lambda _: sql.SQL("DROP ROLE IF EXISTS {}").format(sql.Identifier(role)))


def masked(url: str) -> str:
    """A database URL as it may be printed: the password as ***."""
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


def check_redis(env: dict[str, str]) -> None:
    """Raise a clear error when the lock store's Redis does not answer."""
    import redis

    try:
        redis.Redis(
            host=env["LOCK_STORE_HOST"],
            port=int(env["LOCK_STORE_PORT"]),
            db=int(env["LOCK_STORE_DB"]),
            password=env.get("LOCK_STORE_PASSWORD") or None,
            socket_timeout=3,
        ).ping()
    except redis.RedisError as error:
        raise RuntimeError(f"Redis lock store at {redis_url(env)} does not answer: {error}") from error


def nginx_binary() -> str:
    found = shutil.which("nginx") or ("/usr/sbin/nginx" if os.path.exists("/usr/sbin/nginx") else None)
    if not found:
        raise RuntimeError("nginx is not installed: `make run-cluster` installs it (apt-get install nginx).")
    return found


def render_nginx(var_dir: Path, listen_port: int, rasa_ports: list[int]) -> Path:
    """Write deploy/nginx.conf.template with the ports filled in; returns the file."""
    for sub in ("logs", "tmp"):
        (var_dir / sub).mkdir(parents=True, exist_ok=True)
    upstreams = "\n".join(f"        server 127.0.0.1:{port} max_fails=1 fail_timeout=10s;" for port in rasa_ports)
    text = NGINX_TEMPLATE.read_text().replace("@RASA_SERVERS@", upstreams)
    text = text.replace("@LISTEN@", f"127.0.0.1:{listen_port}")
    conf = var_dir / "nginx.conf"
    conf.write_text(text)
    return conf


def nginx_service(var_dir: Path, listen_port: int, rasa_ports: list[int], env: dict[str, str]) -> servers.Service:
    conf = render_nginx(var_dir, listen_port, rasa_ports)
    command = [nginx_binary(), "-p", f"{var_dir}/", "-c", str(conf), "-g", "daemon off;"]
    return servers.Service("nginx", command, f"http://127.0.0.1:{listen_port}/", env, var_dir / "logs" / "nginx.log")


class Cluster:
    """Action server, several Rasa servers sharing PostgreSQL and Redis, nginx in front."""

    def __init__(
        self,
        env: dict[str, str],
        var_dir: Path,
        nginx_port: int,
        rasa_ports: list[int],
        action_port: int,
        console_port: int | None = None,
        model: Path | None = None,
        tracker_urls: list[str] | None = None,
    ):
        self.env, self.var_dir, self.nginx_port = env, var_dir, nginx_port
        self.rasa_ports, self.action_port, self.console_port = rasa_ports, action_port, console_port
        logs = var_dir / "logs"
        # tracker_urls lets one server reach the same database another way (the tests use a proxy).
        urls = tracker_urls or [env["TRACKER_DB_URL"]] * len(rasa_ports)
        programs = {"actions": servers.action_server(action_port, env, logs / "actions.log")}
        for port, url in zip(rasa_ports, urls):
            programs[f"rasa-{port}"] = servers.rasa_server(
                port, {**env, "TRACKER_DB_URL": url}, logs / f"rasa-{port}.log", model=model
            )
        if console_port:
            programs["console"] = servers.console_service(console_port, env, logs / "console.log")
        # Waited for last: its ready URL goes through to Rasa.
        programs["nginx"] = nginx_service(var_dir / "nginx", nginx_port, rasa_ports, env)
        # supervisord runs them all and starts again any that dies.
        self.supervisor = Supervisor(var_dir, env, programs)
        supervised = self.supervisor.services
        self.actions = supervised["actions"]
        self.rasa = [supervised[f"rasa-{port}"] for port in rasa_ports]
        self.console = supervised.get("console")
        self.nginx = supervised["nginx"]

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.nginx_port}"

    def services(self) -> list[SupervisedService]:
        return list(self.supervisor.services.values())

    def start(self, report=lambda line: None) -> "Cluster":
        ensure_database(self.env["TRACKER_DB_URL"])
        check_redis(self.env)
        self.supervisor.start(report)
        return self

    def stop(self) -> None:
        self.supervisor.stop()

    def impact(self, service: SupervisedService) -> str:
        """What a server's death means for patients, for the terminal."""
        if service in self.rasa:
            return "nginx sends patients to the other Rasa servers meanwhile."
        if service is self.actions:
            return "Meanwhile follow-up questions get an apology; the FAQs are answered."
        if service is self.nginx:
            return "Patients cannot reach the assistant until it is back."
        return "Staff cannot use the console until it is back."


def cluster_env(var_dir: Path) -> dict[str, str]:
    """default_env() with the cluster's defaults: PostgreSQL and Redis on
    localhost. Unless TRACKER_DB_URL names the servers' database connection,
    the launcher makes the application's role with TRACKER_DB_ADMIN_URL's
    superuser (ensure_app_role) and the servers use that role."""
    action_port = int(os.environ.get("CLUSTER_ACTION_PORT", 5065))
    url = os.environ.get("TRACKER_DB_URL") or ensure_app_role(
        os.environ.get("TRACKER_DB_ADMIN_URL") or DEFAULT_DB_URL,
        os.environ.get("TRACKER_DB_ROLE") or APP_ROLE,
        var_dir / "db_password",
    )
    return {
        **servers.default_env(action_port=action_port),
        "TRACKER_DB_URL": url,
        "LOCK_STORE_TYPE": os.environ.get("LOCK_STORE_TYPE", LOCK_STORE),
    }


def redis_url(env: dict[str, str]) -> str:
    """The lock store as it may be printed: the password as ***."""
    password = ":***@" if env.get("LOCK_STORE_PASSWORD") else ""
    return f"redis://{password}{env['LOCK_STORE_HOST']}:{env['LOCK_STORE_PORT']}/{env['LOCK_STORE_DB']}"


def main() -> int:
    import psycopg2

    servers.keep_private()
    var_dir = Path(os.environ.get("CLUSTER_VAR_DIR") or PROJECT_ROOT / "var" / "cluster")
    try:
        env = cluster_env(var_dir)
    except psycopg2.Error as error:
        print(f"PostgreSQL: cannot prepare the database and its role: {error}", file=sys.stderr)
        return 1
    rasa_ports = [int(p) for p in os.environ.get("CLUSTER_RASA_PORTS", "5011,5012").split(",")]
    cluster = Cluster(
        env,
        var_dir,
        int(os.environ.get("CLUSTER_PORT", 5080)),
        rasa_ports,
        int(os.environ.get("CLUSTER_ACTION_PORT", 5065)),
        console_port=int(os.environ.get("CLUSTER_CONSOLE_PORT", 8091)),
    )

    def banner() -> str:
        console = (
            f"  Staff console (localhost only): {cluster.console.ready_url}\n"
            if cluster.console
            else "  Staff console: not in this checkout (console/)\n"
        )
        return (
            f"\nThe cluster is running: {len(rasa_ports)} Rasa servers behind nginx.\n"
            f"  Patients' entry point: {cluster.url}  (REST: {cluster.url}/webhooks/rest/webhook, "
            f"socket.io: {cluster.url}/socket.io/)\n{console}"
            f"  Tracker store: {masked(env['TRACKER_DB_URL'])}\n"
            f"  Lock store:    {redis_url(env)}\n"
            "Press Ctrl-C to stop."
        )

    def say(line: str) -> None:
        print(line, flush=True)

    return servers.supervise(
        start=lambda: cluster.start(report=say),
        stop=cluster.stop,
        banner=banner,
        watch=lambda: cluster.supervisor.watch(say, cluster.impact),
    )


if __name__ == "__main__":
    sys.exit(main())
