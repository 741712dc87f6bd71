"""The ``aduan`` command: serve, migrate, keys, openapi, and later more."""

from __future__ import annotations

import argparse
import asyncio
import io
import json
import logging
import os
import signal
import sys
from pathlib import Path

from app.core.config import get_settings
from app.core.db import resolve_database_url

log = logging.getLogger("aduan.cli")


def _migrations_dir() -> Path:
    env = os.environ.get("ADUAN_MIGRATIONS_DIR")
    if env:
        return Path(env)
    return Path(__file__).resolve().parent.parent / "migrations"


def alembic_config(url: str):  # type: ignore[no-untyped-def]
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(_migrations_dir()))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


def migrate(url: str, revision: str = "head") -> None:
    from alembic import command

    command.upgrade(alembic_config(url), revision)


def current_revision(url: str) -> str:
    """The database's revision as ``alembic current`` gives it ("0007 (head)"); "" when no
    migration has run."""
    from alembic import command

    cfg = alembic_config(url)
    cfg.stdout = io.StringIO()
    command.current(cfg)
    return ", ".join(line.strip() for line in cfg.stdout.getvalue().splitlines() if line.strip())


def downgrade(url: str, revision: str) -> None:
    from alembic import command

    command.downgrade(alembic_config(url), revision)


def database_url() -> str:
    s = get_settings()
    return resolve_database_url(s.database_url, s.data_dir)


def cmd_migrate(args: argparse.Namespace) -> int:
    url = database_url()
    before = current_revision(url)
    migrate(url, args.revision)
    after = current_revision(url)
    # ``upgrade`` never goes down: a target at or below the current revision changes nothing.
    if after == before:
        print(f"nothing to apply for {args.revision}: the database is at {after or 'no revision'}")
    else:
        print(f"migrated from {before or 'an empty database'} to {after}")
    return 0


def cmd_serve(args: argparse.Namespace) -> int:
    import uvicorn

    from app.main import create_app

    url = database_url()
    migrate(url)
    app = create_app(database_url=url)
    print(f"Aduan on http://{args.host}:{args.port} (docs at /docs)", flush=True)
    # uvicorn shuts down gracefully on SIGTERM and then re-raises it; with the default
    # action that kills the process before atexit stops the embedded PostgreSQL. Exit
    # normally instead, so `docker stop`/systemd stop it as cleanly as Ctrl-C does.
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(0))
    settings = get_settings()
    uvicorn.run(
        app,
        host=args.host,
        port=args.port,
        log_level=settings.log_level.lower(),
        access_log=not args.no_access_log,
        # The client address (rate limits, logs) comes from X-Forwarded-For/-Proto only when the
        # connection comes from one of these (the reverse proxy); anyone else could forge it.
        proxy_headers=True,
        forwarded_allow_ips=settings.forwarded_allow_ips,
        # An idle keep-alive connection is closed after this; past limit_concurrency connections or
        # requests in flight, new requests get 503 instead of exhausting memory and file handles.
        timeout_keep_alive=settings.keep_alive_timeout_s,
        limit_concurrency=settings.limit_concurrency or None,
        # SIGTERM: requests in flight get this long to finish, then connections are closed.
        timeout_graceful_shutdown=settings.graceful_shutdown_timeout_s,
    )
    return 0


def cmd_keys_create(args: argparse.Namespace) -> int:
    from app.auth.router import create_key
    from app.core.db import Database, create_engine

    url = database_url()
    migrate(url)

    async def run() -> dict:
        db = Database(create_engine(url, pool_size=1, max_overflow=0))
        try:
            async with db.transaction() as conn:
                return await create_key(conn, name=args.name, role=args.role)
        finally:
            await db.dispose()

    out = asyncio.run(run())
    print(out["key"])
    print(f"(id {out['id']}, role {out['role']}; the key is shown only now)", file=sys.stderr)
    return 0


def cmd_openapi_export(args: argparse.Namespace) -> int:
    from app.main import create_app

    schema = create_app().openapi()
    text = json.dumps(schema, indent=2, ensure_ascii=False, sort_keys=False) + "\n"
    if args.path == "-":
        sys.stdout.write(text)
    else:
        Path(args.path).write_text(text, encoding="utf-8")
        print("wrote", args.path)
    return 0


def _run_db(fn):  # type: ignore[no-untyped-def]
    """Migrate, then run ``fn(conn)`` in one transaction on a one-connection pool."""
    from app.core.db import Database, create_engine

    url = database_url()
    migrate(url)

    async def run():  # type: ignore[no-untyped-def]
        db = Database(create_engine(url, pool_size=1, max_overflow=0))
        try:
            async with db.transaction() as conn:
                return await fn(conn)
        finally:
            await db.dispose()

    return asyncio.run(run())


def _areas_import_order(path: Path) -> tuple[int, str]:
    # The hierarchy first, so boundaries find their parents' names already there.
    return (0 if path.suffix.lower() == ".csv" else 1, str(path))


def cmd_areas_import(args: argparse.Namespace) -> int:
    from app.core.errors import AppError
    from app.routing.service import import_file

    paths = sorted((Path(p) for p in args.paths), key=_areas_import_order)
    for path in paths:
        if not path.is_file():
            print(f"aduan: no file {path}", file=sys.stderr)
            return 2

    async def run(conn):  # type: ignore[no-untyped-def]
        results = []
        for path in paths:
            results.append(
                (path, await import_file(conn, path.read_bytes(), csv=path.suffix.lower() == ".csv"))
            )
        return results

    try:
        results = _run_db(run)
    except AppError as exc:
        print(f"aduan: {exc.detail} (nothing imported)", file=sys.stderr)
        return 1
    for path, result in results:
        levels = ", ".join(f"{n} {lv}" for lv, n in sorted(result["levels"].items()))
        print(f"{path}: {result['kind']}, {result['imported']} areas ({levels})")
    return 0


def cmd_seed_demo(args: argparse.Namespace) -> int:
    from app.routing.seed import seed_demo

    out = _run_db(seed_demo)
    print(f"units: {out['units_created']} created, {out['units_total']} in all")
    for o in out["officers_created"]:
        print(f"officer {o['name']} ({o['role']}, unit {o['unit']}, id {o['id']}): {o['api_key']}")
    if out["officers_created"]:
        print("(the officer keys are shown only now)", file=sys.stderr)
    return 0


def cmd_sla_sweep(args: argparse.Namespace) -> int:
    from datetime import datetime

    from app.routing.sweeper import sweep

    now = None
    if args.now:
        now = datetime.fromisoformat(args.now)
        if now.tzinfo is None:
            print("aduan: --now needs a UTC offset", file=sys.stderr)
            return 2
    out = _run_db(lambda conn: sweep(conn, now))
    print(
        f"sla sweep at {out['now'].isoformat()}: {len(out['breached'])} breached, "
        f"{len(out['at_risk'])} at risk, {len(out['on_track'])} back on track"
    )
    return 0


def _run_pipeline(fn):  # type: ignore[no-untyped-def]
    """Migrate, then run ``fn(pipeline)`` with the intake pipeline of a small pool."""
    from app.channels.inbound import Pipeline
    from app.core.db import Database, create_engine
    from app.routing.placement import Placer

    url = database_url()
    migrate(url)

    async def run():  # type: ignore[no-untyped-def]
        db = Database(create_engine(url, pool_size=2, max_overflow=0))
        try:
            placer = Placer()
            async with db.raw() as conn:
                await placer.load(conn)
            return await fn(Pipeline(db, placer))
        finally:
            await db.dispose()

    return asyncio.run(run())


def cmd_inbound_fetch_mentions(args: argparse.Namespace) -> int:
    from app.channels.graph import GraphApiMentionSource, complete_mentions

    token = get_settings().instagram_access_token
    if not token:
        print("aduan: set ADUAN_INSTAGRAM_ACCESS_TOKEN to fetch Instagram mentions", file=sys.stderr)
        return 2
    results = _run_pipeline(lambda p: complete_mentions(p, GraphApiMentionSource(token)))
    print(f"{len(results)} mentions completed: " + ", ".join(r.get("ticket") or r["action"] for r in results))
    return 0


def cmd_inbound_flush_sms(args: argparse.Namespace) -> int:
    results = _run_pipeline(lambda p: p.flush_stale_fragments())
    print(f"{len(results)} incomplete SMS turned into complaints")
    return 0


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="aduan", description="Aduan citizen complaint hub")
    sub = p.add_subparsers(dest="command", required=True)

    s = sub.add_parser("serve", help="migrate, then serve the API")
    s.add_argument("--host", default="127.0.0.1")
    s.add_argument("--port", type=int, default=8000)
    s.add_argument("--no-access-log", action="store_true", help="do not log each request (benchmarks)")
    s.set_defaults(func=cmd_serve)

    m = sub.add_parser("migrate", help="apply the database migrations")
    m.add_argument("revision", nargs="?", default="head")
    m.set_defaults(func=cmd_migrate)

    k = sub.add_parser("keys", help="API keys")
    ksub = k.add_subparsers(dest="keys_command", required=True)
    kc = ksub.add_parser("create", help="create a key and print it once")
    kc.add_argument("--role", required=True, choices=["admin", "supervisor", "officer", "app", "partner"])
    kc.add_argument("--name", required=True)
    kc.set_defaults(func=cmd_keys_create)

    o = sub.add_parser("openapi", help="the OpenAPI document")
    osub = o.add_subparsers(dest="openapi_command", required=True)
    oe = osub.add_parser("export", help="write the OpenAPI JSON")
    oe.add_argument("path", nargs="?", default="openapi/openapi.json")
    oe.set_defaults(func=cmd_openapi_export)

    a = sub.add_parser("areas", help="administrative areas")
    asub = a.add_subparsers(dest="areas_command", required=True)
    ai = asub.add_parser("import", help="import boundaries (.geojson/.json) and hierarchies (.csv)")
    ai.add_argument("paths", nargs="+", metavar="PATH")
    ai.set_defaults(func=cmd_areas_import)

    sd = sub.add_parser("seed", help="demo data")
    sdsub = sd.add_subparsers(dest="seed_command", required=True)
    sdd = sdsub.add_parser(
        "demo", help="agencies, sudin per kota, kelurahan units, triage, officers (keys printed once)"
    )
    sdd.set_defaults(func=cmd_seed_demo)

    sl = sub.add_parser("sla", help="SLA clocks")
    slsub = sl.add_subparsers(dest="sla_command", required=True)
    sls = slsub.add_parser(
        "sweep", help="one sweep: mark at-risk and breached complaints, escalate (for cron)"
    )
    sls.add_argument("--now", help="ISO 8601 time with offset to sweep at (default: now)")
    sls.set_defaults(func=cmd_sla_sweep)

    ib = sub.add_parser("inbound", help="stored inbound deliveries")
    ibsub = ib.add_subparsers(dest="inbound_command", required=True)
    ibm = ibsub.add_parser("fetch-mentions", help="fetch the text of stored Instagram mentions (Graph API)")
    ibm.set_defaults(func=cmd_inbound_fetch_mentions)
    ibf = ibsub.add_parser(
        "flush-sms", help="turn concatenated SMS still missing parts after 10 minutes into complaints"
    )
    ibf.set_defaults(func=cmd_inbound_flush_sms)
    return p


def main(argv: list[str] | None = None) -> int:
    logging.basicConfig(
        level=os.environ.get("ADUAN_LOG_LEVEL", "INFO").upper(), format="%(levelname)s %(name)s: %(message)s"
    )
    args = build_parser().parse_args(argv)
    return int(args.func(args) or 0)


if __name__ == "__main__":
    raise SystemExit(main())
