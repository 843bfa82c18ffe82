"""`python -m console <command>`: the console's operations in a terminal.

serve            run the web console (waitress) on 127.0.0.1:8081
create-user      add a staff account, --role reviewer (default) or admin
                 (the password is asked for, never an argument)
list-users       accounts with their role, disabled or not, second factor on/off
set-role         make an account a reviewer or an admin
disable-user     refuse an account's sign-ins and end its sessions
enable-user      let a disabled account sign in again
reset-password   give an account a new password and end its sessions
revoke-sessions  sign a user out everywhere
enable-totp      give an account a second factor (prints the secret once)
disable-totp     remove an account's second factor
list             conversations, newest first, with the same filters as the page
show             one transcript (recorded in the access log)
export           conversations as CSV or JSON Lines
inbox-export     corrected training examples as a Rasa NLU YAML file
purge            delete conversations older than the retention period"""

import argparse
import getpass
import logging
import os
import sys
import time

from console import accounts, alerts, db, exports, index, queries, retention, sessions
from console import settings as console_settings
from console.index import FLAGS


def _filters(args: argparse.Namespace) -> queries.Filters:
    return queries.Filters.from_args(
        {
            "from": args.date_from or "",
            "to": args.date_to or "",
            "flag": args.flag or "",
            "intent": args.intent or "",
            "status": args.status or "",
            "q": args.q or "",
        }
    )


def _add_filters(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--from", dest="date_from", metavar="YYYY-MM-DD", help="started on or after this day")
    parser.add_argument("--to", dest="date_to", metavar="YYYY-MM-DD", help="started on or before this day")
    parser.add_argument("--flag", choices=list(FLAGS))
    parser.add_argument("--intent")
    parser.add_argument("--status", choices=queries.REVIEW_STATUSES)
    parser.add_argument("--q", metavar="TEXT", help="search in patients' messages")


def _who() -> str:
    return f"cli:{getpass.getuser()}"


def _log_access(engine, action: str, sender_id: str | None = None, detail: str = "") -> None:
    with engine.begin() as conn:
        conn.execute(
            db.access_log.insert().values(
                username=_who(), action=action, sender_id=sender_id, detail=detail, at=time.time()
            )
        )


def _write(path: str, text: str) -> None:
    if path == "-":
        sys.stdout.write(text)
        return
    # An export holds patients' words: readable by its owner only.
    with open(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "w", encoding="utf-8", newline="") as handle:
        handle.write(text)
    os.chmod(path, 0o600)  # a file that was already there keeps its mode otherwise
    print(f"Wrote {path}", file=sys.stderr)


def cmd_serve(args, engine) -> int:
    import waitress

    from console.web import create_app

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    app = create_app(engine=engine)
    retention.run_daily(engine)
    alert_settings = alerts.AlertSettings.load()
    if alert_settings.enabled:
        alerts.run_every(engine, alert_settings)
        where = ", ".join([*alert_settings.email_to, *(["a webhook"] if alert_settings.webhook_url else [])])
        print(f"Staff alerts for crisis and emergency conversations go to {where}.", flush=True)
    else:
        print("Staff alerts are off: set staff_alerts.email_to in clinic.yml (README).", flush=True)
    print(f"Staff console on http://{args.host}:{args.port}/", flush=True)
    waitress.serve(app, host=args.host, port=args.port, threads=4, ident="console")
    return 0


def _read_password(args) -> str | None:
    """From standard input (--password-stdin) or asked twice; None if the two differ."""
    if args.password_stdin:
        return sys.stdin.readline().rstrip("\n")
    password = getpass.getpass("Password: ")
    if getpass.getpass("Again: ") != password:
        print("The passwords differ.", file=sys.stderr)
        return None
    return password


def _account_change(engine, action: str, change) -> int:
    """Runs one change to an account, prints its outcome or the reason it was
    refused, and writes it to the access log with who ran it."""
    try:
        said = change()
    except accounts.AccountError as error:
        print(error, file=sys.stderr)
        return 1
    _log_access(engine, action, detail=said.splitlines()[0])
    print(said)
    return 0


def cmd_create_user(args, engine) -> int:
    password = _read_password(args)
    if password is None:
        return 1

    def create() -> str:
        accounts.create_user(engine, args.username, password, role=args.role)
        return f"Created {args.username} ({args.role})."

    return _account_change(engine, "create-user", create)


def cmd_list_users(args, engine) -> int:
    with engine.connect() as conn:
        found = accounts.list_users(conn)
    print(f"{len(found)} account(s)")
    for user in found:
        state = "DISABLED" if user.disabled else "active"
        print(
            f"{user.username}  role={user.role}  {state}  totp={'on' if user.totp else 'off'}  "
            f"created {queries.iso(user.created_at)}"
        )
    return 0


def cmd_set_role(args, engine) -> int:
    def change() -> str:
        accounts.set_role(engine, args.username, args.role)
        return f"{args.username} is now {args.role}."

    return _account_change(engine, "set-role", change)


def cmd_disable_user(args, engine) -> int:
    def change() -> str:
        ended = accounts.disable(engine, args.username)
        return f"Disabled {args.username}; {ended} session(s) ended."

    return _account_change(engine, "disable-user", change)


def cmd_enable_user(args, engine) -> int:
    def change() -> str:
        accounts.enable(engine, args.username)
        return f"Enabled {args.username}."

    return _account_change(engine, "enable-user", change)


def cmd_reset_password(args, engine) -> int:
    password = _read_password(args)
    if password is None:
        return 1

    def change() -> str:
        ended = accounts.reset_password(engine, args.username, password)
        return f"New password for {args.username}; {ended} session(s) ended."

    return _account_change(engine, "reset-password", change)


def cmd_revoke_sessions(args, engine) -> int:
    def change() -> str:
        with engine.connect() as conn:
            if args.username not in {u.username for u in accounts.list_users(conn)}:
                raise accounts.AccountError(f"No user {args.username!r}.")
        return f"Ended {sessions.revoke_all(engine, args.username)} session(s) of {args.username}."

    return _account_change(engine, "revoke-sessions", change)


def cmd_enable_totp(args, engine) -> int:
    def change() -> str:
        uri = accounts.enable_totp(engine, args.username, replace=args.replace)
        secret = uri.split("secret=")[1].split("&")[0]
        return (
            f"Second factor on for {args.username}. Shown only now: add it to an authenticator app\n"
            f"  by this link (or a QR code of it): {uri}\n"
            f"  or by typing the secret: {secret}"
        )

    return _account_change(engine, "enable-totp", change)


def cmd_disable_totp(args, engine) -> int:
    def change() -> str:
        accounts.disable_totp(engine, args.username)
        return f"Second factor off for {args.username}."

    return _account_change(engine, "disable-totp", change)


def cmd_list(args, engine) -> int:
    with engine.connect() as conn:
        items, total = queries.list_conversations(conn, _filters(args), args.page, args.limit)
    print(f"{total} conversation(s); page {args.page}")
    for item in items:
        reviewed = f"reviewed by {item.reviewed_by}" if item.reviewed_by else "NOT REVIEWED"
        print(
            f"{queries.iso(item.started_at)}  {item.sender_id}  turns={item.turns}  "
            f"flags={','.join(item.flags) or '-'}  topics={','.join(item.topics) or '-'}  {reviewed}"
        )
    return 0


def cmd_show(args, engine) -> int:
    with engine.connect() as conn:
        item = queries.get_conversation(conn, args.sender_id)
        if item is None:
            print(f"No conversation {args.sender_id!r}.", file=sys.stderr)
            return 1
        turns = queries.transcript(conn, args.sender_id)
    _log_access(engine, "view", args.sender_id)
    print(
        f"Conversation {item.sender_id}, started {queries.iso(item.started_at)}, flags: {', '.join(item.flags) or '-'}"
    )
    for turn in turns:
        if turn.kind == "user":
            confidence = "" if turn.confidence is None else f" {turn.confidence:.0%}"
            guess = f" (best guess {turn.predicted_intent})" if turn.intent == index.FALLBACK else ""
            print(f"  patient: {turn.text}\n           [{turn.intent}{guess}{confidence}]")
        elif turn.kind == "bot":
            print(f"  bot:     {turn.text}")
        else:
            print(f"           <{turn.name}>")
    return 0


def cmd_export(args, engine) -> int:
    filters = _filters(args)
    with engine.connect() as conn:
        items = queries.all_conversations(conn, filters)
        text = exports.to_csv(conn, items) if args.format == "csv" else exports.to_jsonl(conn, items)
    _log_access(engine, "export", detail=f"{args.format} {filters.describe()} conversations={len(items)}")
    _write(args.out, text)
    return 0


def cmd_inbox_export(args, engine) -> int:
    with engine.connect() as conn:
        text = exports.to_nlu_yaml(queries.corrected_examples(conn))
    _log_access(engine, "inbox-export")
    _write(args.out, text)
    return 0


def cmd_purge(args, engine) -> int:
    try:
        done = retention.purge(engine, args.days, dry_run=args.dry_run)
    except ValueError as error:
        print(error, file=sys.stderr)
        return 1
    verb = "Would delete" if args.dry_run else "Deleted"
    print(
        f"{verb} {len(done.sender_ids)} conversation(s), {done.events} event(s), "
        f"last active before {queries.iso(done.cutoff) or '-'} ({done.days} days)."
    )
    for sender_id in done.sender_ids[:50] if args.dry_run else []:
        print(f"  {sender_id}")
    if not args.dry_run:
        _log_access(engine, "purge", detail=f"days={done.days} conversations={len(done.sender_ids)}")
    return 0


def parser() -> argparse.ArgumentParser:
    main = argparse.ArgumentParser(
        prog="python -m console", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    main.add_argument("--db", default="", help="SQLAlchemy URL (default: $TRACKER_DB_URL, else var/conversations.db)")
    commands = main.add_subparsers(dest="command", required=True)

    serve = commands.add_parser("serve", help="run the web console")
    serve.add_argument("--host", default=console_settings.host())
    serve.add_argument("--port", type=int, default=console_settings.port())
    serve.set_defaults(run=cmd_serve)

    user = commands.add_parser("create-user", help="add a staff account")
    user.add_argument("username")
    user.add_argument("--role", choices=accounts.ROLES, default=accounts.REVIEWER)
    user.add_argument("--password-stdin", action="store_true", help="read the password from standard input")
    user.set_defaults(run=cmd_create_user)

    commands.add_parser("list-users", help="list staff accounts").set_defaults(run=cmd_list_users)

    role = commands.add_parser("set-role", help="change an account's role")
    role.add_argument("username")
    role.add_argument("role", choices=accounts.ROLES)
    role.set_defaults(run=cmd_set_role)

    reset = commands.add_parser("reset-password", help="set a new password and end the account's sessions")
    reset.add_argument("username")
    reset.add_argument("--password-stdin", action="store_true", help="read the password from standard input")
    reset.set_defaults(run=cmd_reset_password)

    totp = commands.add_parser("enable-totp", help="give an account a second factor")
    totp.add_argument("username")
    totp.add_argument("--replace", action="store_true", help="replace an existing one (a lost phone)")
    totp.set_defaults(run=cmd_enable_totp)

    for name, run, what in (
        ("disable-user", cmd_disable_user, "refuse an account's sign-ins and end its sessions"),
        ("enable-user", cmd_enable_user, "let a disabled account sign in again"),
        ("revoke-sessions", cmd_revoke_sessions, "sign a user out everywhere"),
        ("disable-totp", cmd_disable_totp, "remove an account's second factor"),
    ):
        one = commands.add_parser(name, help=what)
        one.add_argument("username")
        one.set_defaults(run=run)

    listing = commands.add_parser("list", help="list conversations")
    _add_filters(listing)
    listing.add_argument("--page", type=int, default=1)
    listing.add_argument("--limit", type=int, default=None, help="per page (default 25)")
    listing.set_defaults(run=cmd_list)

    show = commands.add_parser("show", help="print one transcript")
    show.add_argument("sender_id")
    show.set_defaults(run=cmd_show)

    export = commands.add_parser("export", help="export conversations")
    _add_filters(export)
    export.add_argument("--format", choices=("csv", "jsonl"), default="csv")
    export.add_argument("--out", default="-", help="file to write (default: standard output)")
    export.set_defaults(run=cmd_export)

    inbox = commands.add_parser("inbox-export", help="write corrected examples as Rasa NLU YAML")
    inbox.add_argument("--out", default="-")
    inbox.set_defaults(run=cmd_inbox_export)

    purge = commands.add_parser("purge", help="delete conversations past the retention period")
    purge.add_argument("--days", type=int, default=None, help="default: staff_console.retention_days in clinic.yml")
    purge.add_argument("--dry-run", action="store_true", help="only show what would be deleted")
    purge.set_defaults(run=cmd_purge)
    return main


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    engine = db.make_engine(args.db)
    if args.command != "serve":
        index.sync(engine)
    return args.run(args, engine)


if __name__ == "__main__":
    os.environ.setdefault("SQLALCHEMY_SILENCE_UBER_WARNING", "1")
    sys.exit(main())
