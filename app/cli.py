"""The ``aduan`` command: serve, migrate, keys, openapi, and later more."""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
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


def downgrade(url: str, revision: str) -> None:
    from alembic import command

    command.downgrade(alembic_config(url), revision)


def database_url() -> str:
    s = get_settings()
    return resolve_database_url(s.database_url, s.data_dir)


def cmd_migrate(args: argparse.Namespace) -> int:
    migrate(database_url(), args.revision)
    print("migrated to", args.revision)
    return 0


def cmd_serve(args: argparse.Namespace) -> int:
    import uvicorn

    from app.main import create_app

    url = database_url()
    migrate(url)
    app = create_app(database_url=url)
    print(f"Aduan on http://{args.host}:{args.port} (docs at /docs)", flush=True)
    uvicorn.run(
        app,
        host=args.host,
        port=args.port,
        log_level=get_settings().log_level.lower(),
        access_log=not args.no_access_log,
        proxy_headers=True,
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

    EXTENSIONS.extend_parser(sub)
    return p


class _Extensions:
    """Later capabilities (areas, seed, sla) register their subcommands here."""

    def __init__(self) -> None:
        self.hooks: list = []

    def extend_parser(self, sub) -> None:  # type: ignore[no-untyped-def]
        for hook in self.hooks:
            hook(sub)


EXTENSIONS = _Extensions()


def main(argv: list[str] | None = None) -> int:
    logging.basicConfig(level=os.environ.get("ADUAN_LOG_LEVEL", "INFO").upper(), format="%(levelname)s %(name)s: %(message)s")
    args = build_parser().parse_args(argv)
    return int(args.func(args) or 0)


if __name__ == "__main__":
    raise SystemExit(main())
