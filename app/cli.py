"""The ``aduan`` command: serve, worker, migrate, keys, openapi, areas, seed, sla, inbound.

A failure a user can cause (a database that does not answer, a bad URL or setting, a missing file,
a malformed argument) ends with one line on stderr, ``aduan: <what is wrong and what to do>``, and
an exit code a script or a container orchestrator can act on; ``--verbose`` (or
``ADUAN_LOG_LEVEL=DEBUG``) adds the traceback for a bug report. The codes:

- 0: done;
- 1: the command ran and failed (a file that does not parse, a migration that failed);
- 2: the command line or the configuration is wrong (fix it: running again will not help);
- 3: the database cannot be reached, refused us, or the embedded one did not start (worth
  retrying once it is up: a container restart policy can key on it);
- 130: interrupted (Ctrl-C), as shells report it.
"""

from __future__ import annotations

import argparse
import asyncio
import errno
import io
import json
import logging
import os
import signal
import socket
import sys
import traceback
import uuid
from collections.abc import Awaitable, Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn, TypeVar

from app.core.config import get_settings, secret_value
from app.core.db import resolve_database_url

if TYPE_CHECKING:  # imported where they are used: a command loads only what it needs
    import asyncpg
    from alembic.config import Config

    from app.core.config import Settings
    from app.intake.deliveries import Pipeline

T = TypeVar("T")

log = logging.getLogger("aduan.cli")

EXIT_OK = 0
EXIT_FAILURE = 1
EXIT_USAGE = 2
EXIT_DATABASE = 3
EXIT_INTERRUPTED = 130

# Long enough for a PostgreSQL across a WAN, short enough that a container or cron job with a
# wrong host learns it at once; without it a blackholed host holds alembic for asyncpg's 60 s.
DATABASE_PROBE_TIMEOUT_S = 10.0
# A clock a little ahead of the database's is not a mistake; a --now hours ahead is.
FUTURE_NOW_TOLERANCE = timedelta(minutes=1)
LOG_LEVELS = ("CRITICAL", "ERROR", "WARNING", "INFO", "DEBUG")  # what both logging and uvicorn accept


class CliError(Exception):
    """A failure the user can act on: its message is the whole of what they see."""

    def __init__(self, message: str, code: int = EXIT_FAILURE):
        super().__init__(message)
        self.message = message
        self.code = code


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        # argparse prints the usage block and the error; one line says more in a cron mail or a log.
        raise CliError(f"{message} (see `{self.prog} --help`)", EXIT_USAGE)


def _migrations_dir() -> Path:
    env = os.environ.get("ADUAN_MIGRATIONS_DIR")
    if env:
        return Path(env)
    return Path(__file__).resolve().parent.parent / "migrations"


def alembic_config(url: str) -> Config:
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


def _settings() -> Settings:
    from pydantic import ValidationError

    try:
        return get_settings()
    except ValidationError as exc:
        err = exc.errors()[0]
        name = ".".join(str(p) for p in err["loc"]) or "a setting"
        raise CliError(f"{name}: {err['msg']} (check the environment)", EXIT_USAGE) from exc


# What the database is, for messages: host, port and name, never the password.
_database_label = "the database"


def database_url() -> str:
    """The database URL from the settings; the embedded PostgreSQL is started when none is set."""
    global _database_label
    s = _settings()
    if not s.database_url:
        _database_label = f"the embedded PostgreSQL in {s.data_dir}"
        try:
            return resolve_database_url(None, s.data_dir)
        except Exception as exc:
            raise CliError(
                f"cannot start {_database_label}: {_reason(exc)}; check that ADUAN_DATA_DIR is writable, "
                "or set DATABASE_URL to a PostgreSQL server",
                EXIT_DATABASE,
            ) from exc

    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    url = resolve_database_url(s.database_url, s.data_dir)
    expected = "expected postgresql://USER:PASSWORD@HOST:5432/NAME"
    try:
        parsed = make_url(url)
    except ArgumentError:
        # The value itself is not repeated: a malformed URL may still carry a password.
        raise CliError(f"DATABASE_URL is not a database URL; {expected}", EXIT_USAGE) from None
    if parsed.drivername != "postgresql+asyncpg":
        raise CliError(
            f"DATABASE_URL is a {parsed.drivername} URL; Aduan needs PostgreSQL through asyncpg: {expected}",
            EXIT_USAGE,
        )
    _database_label = (
        f"the database {parsed.database or ''} on {parsed.host or 'localhost'}:{parsed.port or 5432}"
    )
    return url


def _chain(exc: BaseException) -> Iterator[BaseException]:
    seen: set[int] = set()
    e: BaseException | None = exc
    while e is not None and id(e) not in seen:
        seen.add(id(e))
        yield e
        e = e.__cause__ or e.__context__


def _root(exc: BaseException) -> BaseException:
    """The error underneath SQLAlchemy's and Alembic's wrappers, whose message says the most."""
    import sqlalchemy.exc

    e, seen = exc, set()
    while id(e) not in seen:
        seen.add(id(e))
        if isinstance(e, sqlalchemy.exc.DBAPIError) and e.orig is not None:
            e = e.orig
        elif e.__cause__ is not None and not isinstance(e, TimeoutError):
            # (a timeout's cause is the cancellation that implemented it: no news)
            e = e.__cause__
        else:
            break
    return e


def _reason(exc: BaseException) -> str:
    e = _root(exc)
    if isinstance(e, ConnectionRefusedError):
        return "connection refused"
    if isinstance(e, TimeoutError):
        return "no answer in time"
    if isinstance(e, socket.gaierror):
        return f"cannot resolve the host name ({e.strerror})"
    if isinstance(e, OSError) and e.strerror:
        return e.strerror
    text = " ".join(str(e).split())
    if "Connect call failed" in text:
        return "connection refused"
    return (text or type(e).__name__)[:300]


def _is_connection_error(exc: BaseException) -> bool:
    """Whether ``exc`` means the database went away or would not let us in (exit 3)."""
    import asyncpg.exceptions as pg
    import httpx

    lost = (
        pg.PostgresConnectionError,
        pg.ConnectionDoesNotExistError,
        pg.CannotConnectNowError,
        pg.TooManyConnectionsError,
        pg.AdminShutdownError,
        pg.CrashShutdownError,
        pg.InvalidPasswordError,
        pg.InvalidAuthorizationSpecificationError,
        pg.InvalidCatalogNameError,
        ConnectionError,
    )
    chain = list(_chain(exc))
    if any(isinstance(e, httpx.HTTPError) for e in chain):
        return False  # a platform API that did not answer is not the database
    return any(isinstance(e, lost) for e in chain)


def _probe_database(url: str) -> None:
    """Connect once, briefly, so that a database that is down is one clear line and exit 3 within
    seconds, before Alembic (no timeout of its own) or the service's pool meet it."""
    from app.core.db import create_engine

    async def probe() -> None:
        engine = create_engine(url, pool_size=1)
        try:
            async with engine.connect():
                pass
        finally:
            await engine.dispose()

    try:
        asyncio.run(asyncio.wait_for(probe(), DATABASE_PROBE_TIMEOUT_S))
    except Exception as exc:
        raise CliError(
            f"cannot connect to {_database_label}: {_reason(exc)}; "
            "check DATABASE_URL and that PostgreSQL is running",
            EXIT_DATABASE,
        ) from exc


def ready_database_url() -> str:
    url = database_url()
    _probe_database(url)
    return url


def _migrate(url: str, revision: str = "head") -> None:
    from alembic.util import CommandError

    try:
        migrate(url, revision)
    except CommandError as exc:
        # Alembic's own complaints (an unknown revision, several heads) are about the request.
        raise CliError(f"cannot migrate to {revision}: {_reason(exc)}", EXIT_USAGE) from exc


def cmd_migrate(args: argparse.Namespace) -> int:
    url = ready_database_url()
    before = current_revision(url)
    _migrate(url, args.revision)
    after = current_revision(url)
    # ``upgrade`` never goes down: a target at or below the current revision changes nothing.
    if after == before:
        print(f"nothing to apply for {args.revision}: the database is at {after or 'no revision'}")
    else:
        print(f"migrated from {before or 'an empty database'} to {after}")
    return 0


def _check_can_listen(host: str, port: int) -> None:
    """Bind once before starting: uvicorn reports a port in use with exit 3, which here means the
    database, and only after the migrations ran."""
    try:
        family, kind, proto, _, addr = socket.getaddrinfo(
            host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE
        )[0]
    except socket.gaierror as exc:
        raise CliError(f"--host {host}: cannot resolve it ({exc.strerror})", EXIT_USAGE) from exc
    with socket.socket(family, kind, proto) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as uvicorn does
        try:
            s.bind(addr)
        except OSError as exc:
            if exc.errno == errno.EADDRNOTAVAIL:
                raise CliError(
                    f"cannot listen on {host}: not an address of this machine (see --host)", EXIT_USAGE
                ) from exc
            raise CliError(
                f"cannot listen on {host}:{port}: {exc.strerror}; choose another --port "
                "or stop what holds it",
                EXIT_FAILURE,
            ) from exc


def cmd_serve(args: argparse.Namespace) -> int:
    import uvicorn

    _check_can_listen(args.host, args.port)
    url = ready_database_url()
    from app.main import create_app

    _migrate(url)
    app = create_app(database_url=url)
    print(f"Aduan on http://{args.host}:{args.port} (docs at /docs)", flush=True)
    # uvicorn shuts down gracefully on SIGTERM and then re-raises it; with the default
    # action that kills the process before atexit stops the embedded PostgreSQL. Exit
    # normally instead, so `docker stop`/systemd stop it as cleanly as Ctrl-C does.
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(0))
    # uvicorn also shuts down gracefully on Ctrl-C and re-raises it, but then swallows the
    # KeyboardInterrupt: note it, to exit 130 as an interrupted command does. (Left alone when
    # SIGINT is ignored, as in a background job.)
    interrupted: list[int] = []
    if signal.getsignal(signal.SIGINT) is signal.default_int_handler:

        def on_sigint(signum: int, frame: object) -> None:
            interrupted.append(signum)
            raise KeyboardInterrupt

        signal.signal(signal.SIGINT, on_sigint)
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
    return EXIT_INTERRUPTED if interrupted else 0


def _key_name(text: str) -> str:
    name = text.strip()
    if not name or len(name) > 200:
        raise argparse.ArgumentTypeError("a key name is 1 to 200 characters")
    return name


def cmd_keys_create(args: argparse.Namespace) -> int:
    from app.auth.keys import create_key

    out = _run_db(lambda conn: create_key(conn, name=args.name, role=args.role))
    print(out["key"])
    print(f"(id {out['id']}, role {out['role']}; the key is shown only now)", file=sys.stderr)
    return 0


def cmd_openapi_export(args: argparse.Namespace) -> int:
    _settings()
    from app.main import create_app

    schema = create_app().openapi()
    text = json.dumps(schema, indent=2, ensure_ascii=False, sort_keys=False) + "\n"
    if args.path == "-":
        sys.stdout.write(text)
    else:
        try:
            Path(args.path).write_text(text, encoding="utf-8")
        except OSError as exc:
            raise CliError(f"cannot write {args.path}: {exc.strerror or exc}", EXIT_USAGE) from exc
        print("wrote", args.path)
    return 0


def _migrated_database_url(migrate_first: bool) -> str:
    """The database URL, once the database is at the newest migration: migrated here, or (without
    ``migrate_first``, for a dry run that must change nothing) found so."""
    url = ready_database_url()
    if migrate_first:
        _migrate(url)
    else:
        at = current_revision(url)
        if "(head)" not in at:
            raise CliError(
                f"{_database_label} is at {at or 'no revision'}, not at the newest migration: "
                "run `aduan migrate` first",
                EXIT_FAILURE,
            )
    return url


def _run_db(fn: Callable[[asyncpg.Connection], Awaitable[T]], *, migrate_first: bool = True) -> T:
    """Migrate, then run ``fn(conn)`` in one transaction on a one-connection pool.

    Without ``migrate_first`` (a dry run, which promises to change nothing, schema included) the
    database must already be at the newest migration."""
    from app.core.db import Database, create_engine

    url = _migrated_database_url(migrate_first)

    async def run() -> T:
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
    from app.geo import jakarta
    from app.geo.repository import import_file

    files: list[tuple[Path, bytes]] = []
    paths = [Path(p) for p in args.paths] or list(jakarta.FILES)
    for path in sorted(paths, key=_areas_import_order):
        # Every file is read before the database is touched: a typo in the last of five paths
        # must not cost a migration run and a rolled-back import of the first four.
        if not path.is_file():
            raise CliError(f"no file {path} (nothing imported)", EXIT_USAGE)
        try:
            files.append((path, path.read_bytes()))
        except OSError as exc:
            raise CliError(
                f"cannot read {path}: {exc.strerror or exc} (nothing imported)", EXIT_USAGE
            ) from exc

    async def run(conn: asyncpg.Connection) -> list[tuple[Path, dict[str, Any]]]:
        results = []
        for path, data in files:
            try:
                results.append((path, await import_file(conn, data, csv=path.suffix.lower() == ".csv")))
            except AppError as exc:
                # Raised inside the transaction: the files imported before this one roll back too.
                raise CliError(f"{path}: {exc.detail} (nothing imported)", EXIT_FAILURE) from exc
        return results

    for path, result in _run_db(run):
        levels = ", ".join(f"{n} {lv}" for lv, n in sorted(result["levels"].items()))
        print(f"{path}: {result['kind']}, {result['imported']} areas ({levels})")
    return 0


def cmd_areas_reroute(args: argparse.Namespace) -> int:
    """Place and route the complaints that came before the areas (see Placer.reroute): each in a
    transaction of its own, so a unit's lock is held for one hand-over only and one failure costs
    that complaint alone."""
    from app.core.db import Database, create_engine
    from app.geo.repository import unplaced_complaints
    from app.intake.placement import Placer

    if not _settings().routing_enabled:
        raise CliError("routing is off (ADUAN_ROUTING_ENABLED=false): nothing is routed", EXIT_USAGE)
    url = _migrated_database_url(migrate_first=not args.dry_run)

    async def run() -> tuple[list[dict[str, Any]], list[tuple[uuid.UUID, Exception]]]:
        db = Database(create_engine(url, pool_size=1, max_overflow=0))
        try:
            async with db.raw() as conn:
                placer = Placer()
                await placer.load(conn)
                if placer.index is None and placer.gazetteer is None:
                    raise CliError(
                        "there are no areas to place complaints in: run `aduan areas import` first",
                        EXIT_FAILURE,
                    )
                outcomes: list[dict[str, Any]] = []
                failures: list[tuple[uuid.UUID, Exception]] = []
                for cid in await unplaced_complaints(conn):
                    try:
                        async with conn.transaction():
                            out = await placer.reroute(conn, cid, dry_run=args.dry_run)
                    except Exception as exc:
                        if _is_connection_error(exc):
                            raise
                        failures.append((cid, exc))
                        continue
                    if out is not None:
                        outcomes.append(out)
                return outcomes, failures
        finally:
            await db.dispose()

    outcomes, failures = asyncio.run(run())
    would = "would be " if args.dry_run else ""
    for out in outcomes:
        if out["outcome"] == "unplaced":
            continue
        area = out["area"]
        names = " / ".join(
            (area.get(k) or {}).get("name") or (area.get(k) or {}).get("code") or "?"
            for k in ("kelurahan", "kecamatan", "kota")
            if area.get(k)
        )
        where = f"{names} (from the {'point' if area['source'] == 'point' else 'text'})"
        if out["outcome"] == "routed":
            to = f"-> unit {out['to_unit']}"
            if not args.dry_run:
                to += f", assignee {out['assignee_id']}" if out["assignee_id"] else ", in the unit's queue"
        else:
            to = f"stays with {out['from_unit'] or 'no unit'} (no other unit fits)"
        print(f"{out['ticket']} {out['id']}: {would}placed in {where} {to}")
    count = {k: sum(1 for o in outcomes if o["outcome"] == k) for k in ("routed", "placed", "unplaced")}
    print(
        f"areas reroute{' dry run, nothing written' if args.dry_run else ''}: "
        f"{count['routed']} {would}placed and routed, {count['placed']} {would}placed (no other unit fits), "
        f"{count['unplaced']} not placed (no point inside an area, no area named), {len(failures)} failed"
    )
    for cid, exc in failures:
        print(f"aduan: areas reroute: complaint {cid}: {_reason(exc)}", file=sys.stderr)
    return EXIT_FAILURE if failures else 0


def cmd_seed_demo(args: argparse.Namespace) -> int:
    """Units and officers (app.org.seed), then ``--complaints`` demo complaints (app.intake.demo),
    in one transaction. With complaints, Jakarta's areas are imported first when there are none,
    so that the units cover every kelurahan the complaints are placed in."""
    from app.geo.repository import import_jakarta_if_empty
    from app.intake.demo import seed_demo_complaints
    from app.intake.placement import Placer
    from app.org.seed import seed_demo

    n: int = args.complaints
    routing = _settings().routing_enabled

    async def run(conn: asyncpg.Connection) -> dict[str, Any]:
        imported = await import_jakarta_if_empty(conn) if n else 0
        out = await seed_demo(conn)
        out["areas_imported"] = imported
        if n:
            placer = Placer(enabled=routing)
            await placer.load(conn)
            out["complaints"] = await seed_demo_complaints(conn, placer, n)
        return out

    out = _run_db(run)
    if out["areas_imported"]:
        print(f"areas: {out['areas_imported']} imported (DKI Jakarta's, shipped with Aduan)")
    print(f"units: {out['units_created']} created, {out['units_total']} in all")
    for o in out["officers_created"]:
        print(f"officer {o['name']} ({o['role']}, unit {o['unit']}, id {o['id']}): {o['api_key']}")
    if "complaints" in out:
        c = out["complaints"]
        statuses = ", ".join(f"{k} {v}" for k, v in c["statuses"].items())
        print(
            f"complaints: {c['created']} created, {c['existing']} already there"
            + (f" ({statuses})" if statuses else "")
        )
    if out["officers_created"]:
        print("(the officer keys are shown only now)", file=sys.stderr)
    return 0


def _complaint_count(text: str) -> int:
    try:
        n = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if not 0 <= n <= 100_000:
        raise argparse.ArgumentTypeError(f"{n}: give 0 (none) to 100000")
    return n


def _sweep_time(text: str) -> datetime:
    try:
        t = datetime.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not an ISO 8601 time, e.g. 2026-03-02T09:00:00+07:00"
        ) from None
    if t.tzinfo is None:
        raise argparse.ArgumentTypeError(f"{text!r} needs a UTC offset, e.g. +07:00 or Z")
    return t


def cmd_sla_sweep(args: argparse.Namespace) -> int:
    from app.complaints import repository as complaints_repository
    from app.sla.sweeper import sweep

    now: datetime | None = args.now
    if now is not None and not args.dry_run and now > datetime.now(UTC) + FUTURE_NOW_TOLERANCE:
        raise CliError(
            f"--now {now.isoformat()} is in the future: a sweep would mark as breached complaints whose "
            "deadlines have not passed; add --dry-run to see what it would do without writing anything",
            EXIT_USAGE,
        )
    if not args.dry_run:
        out = _run_db(lambda conn: sweep(conn, now))
        print(
            f"sla sweep at {out['now'].isoformat()}: {len(out['breached'])} breached, "
            f"{len(out['at_risk'])} at risk, {len(out['on_track'])} back on track"
        )
        return 0

    async def dry(conn: asyncpg.Connection) -> tuple[dict[str, Any], dict[uuid.UUID, str]]:
        out = await sweep(conn, now, dry_run=True)
        ids = [b["id"] for b in out["breached"]] + out["at_risk"] + out["on_track"]
        return out, await complaints_repository.tickets_of(conn, ids)

    out, tickets = _run_db(dry, migrate_first=False)
    print(
        f"sla sweep dry run at {out['now'].isoformat()}, nothing written: would breach and escalate "
        f"{len(out['breached'])}, mark {len(out['at_risk'])} at risk, "
        f"bring {len(out['on_track'])} back on track"
    )
    for b in out["breached"]:
        to = b["escalated_to"]
        target = (
            f"supervisor {to['officer_name']} ({to['officer_id']})"
            if "officer_id" in to
            else f"triage unit {to['unit'] or '(none)'}"
        )
        print(
            f"breach {tickets.get(b['id'], '?')} {b['id']}: {b['clock']} clock, "
            f"unit {b['unit'] or '(none)'}, escalate to {target}"
        )
    for cid in out["at_risk"]:
        print(f"at risk {tickets.get(cid, '?')} {cid}")
    for cid in out["on_track"]:
        print(f"back on track {tickets.get(cid, '?')} {cid}")
    return 0


def _run_pipeline(fn: Callable[[Pipeline], Awaitable[T]]) -> T:
    """Migrate, then run ``fn(pipeline)`` with the intake pipeline of a small pool."""
    from app.core.db import Database, create_engine
    from app.intake.deliveries import Pipeline
    from app.intake.placement import Placer

    url = ready_database_url()
    _migrate(url)

    async def run() -> T:
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

    token = secret_value(_settings().instagram_access_token)
    if not token:
        raise CliError("set ADUAN_INSTAGRAM_ACCESS_TOKEN to fetch Instagram mentions", EXIT_USAGE)
    results = _run_pipeline(lambda p: complete_mentions(p, GraphApiMentionSource(token)))
    print(f"{len(results)} mentions completed: " + ", ".join(r.get("ticket") or r["action"] for r in results))
    return 0


def cmd_inbound_flush_sms(args: argparse.Namespace) -> int:
    results = _run_pipeline(lambda p: p.flush_stale_fragments())
    print(f"{len(results)} incomplete SMS turned into complaints")
    return 0


def cmd_classifier_eval(args: argparse.Namespace) -> int:
    """Accuracy, per-category precision and recall, confusions and calibration of the keyword
    classifier on a labelled CSV file (``app.classification.evaluation``); no database."""
    from app.classification import evaluation
    from app.classification.classifier import DEFAULT_THRESHOLD, classify, compile_keywords
    from app.classification.keywords import DATA, load_keywords

    path = Path(args.file)
    try:
        rows = evaluation.read_labelled(path)
        keywords = load_keywords(Path(args.keywords) if args.keywords else DATA)
        model = compile_keywords(keywords)
    except (evaluation.EvalFileError, OSError, ValueError) as exc:
        raise CliError(str(exc), EXIT_USAGE) from exc
    threshold = DEFAULT_THRESHOLD if args.threshold is None else args.threshold

    def predict(text: str) -> tuple[str | None, float]:
        result = classify(text, model, 0.0)
        return result.category, result.confidence

    report = evaluation.evaluate(rows, predict, threshold)
    print(
        f"model {model.version} ({'keywords ' + args.keywords if args.keywords else 'the shipped keywords'})"
    )
    print(evaluation.format_report(report, source=str(path)))
    return 0


def cmd_classifier_examples(args: argparse.Namespace) -> int:
    """The labelled examples officers' corrections made, as CSV (``text,category,...``): the
    input of ``aduan classifier eval``."""
    import csv

    from app.classification.repository import examples

    rows = _run_db(examples)
    out = sys.stdout if args.path == "-" else open(args.path, "w", encoding="utf-8", newline="")  # noqa: SIM115
    try:
        writer = csv.writer(out)
        writer.writerow(["text", "category", "previous_category", "model_version", "created_at"])
        for r in rows:
            writer.writerow(
                [r["text"], r["category"], r["previous_category"] or "", r["model_version"] or "",
                 r["created_at"].isoformat()]
            )  # fmt: skip
    finally:
        if out is not sys.stdout:
            out.close()
    if args.path != "-":
        print(f"{len(rows)} examples written to {args.path}", file=sys.stderr)
    return 0


def _unit_interval(value: str) -> float:
    try:
        number = float(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a number") from None
    if not 0 <= number <= 1:
        raise argparse.ArgumentTypeError("between 0 and 1")
    return number


def cmd_worker(args: argparse.Namespace) -> int:
    """The outbound dispatcher on its own (app.outbound.dispatcher): any number of them, beside
    or instead of the one inside ``aduan serve``. SIGTERM or Ctrl-C: it stops claiming, lets the
    sends in flight finish, and exits."""
    from app.core.db import Database, create_engine
    from app.outbound.dispatcher import Dispatcher

    url = ready_database_url()
    _migrate(url)
    settings = _settings()

    async def run() -> int:
        db = Database(
            create_engine(url, pool_size=max(2, min(settings.outbox_concurrency, 10)), max_overflow=0)
        )
        worker = Dispatcher(db, settings, name=args.name)
        try:
            if args.once:
                await worker.drain()
                return EXIT_OK
            stop = asyncio.Event()
            loop = asyncio.get_running_loop()
            for sig in (signal.SIGTERM, signal.SIGINT):
                loop.add_signal_handler(sig, stop.set)
            print(f"aduan worker {worker.name}: dispatching outbound messages", flush=True)
            await worker.run_forever(stop)
            return EXIT_OK
        finally:
            await worker.aclose()
            await db.dispose()

    return asyncio.run(run())


def _port(text: str) -> int:
    try:
        port = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a port number") from None
    if not 1 <= port <= 65535:
        raise argparse.ArgumentTypeError(f"{port} is not a port number (1-65535)")
    return port


def build_parser() -> argparse.ArgumentParser:
    # --verbose is accepted before and after the subcommand; SUPPRESS keeps a subcommand's
    # default from overwriting a --verbose given before it.
    common = _Parser(add_help=False)
    common.add_argument(
        "-v",
        "--verbose",
        action="store_true",
        default=argparse.SUPPRESS,
        help="on failure, show the traceback",
    )

    def leaf(
        parent: argparse._SubParsersAction[_Parser],
        name: str,
        func: Callable[[argparse.Namespace], int],
        **kw: Any,
    ) -> _Parser:
        p = parent.add_parser(name, parents=[common], **kw)
        p.set_defaults(func=func, command_name=p.prog.removeprefix("aduan "))
        return p

    p = _Parser(prog="aduan", description="Aduan citizen complaint hub", parents=[common])
    sub = p.add_subparsers(dest="command", required=True)

    s = leaf(sub, "serve", cmd_serve, help="migrate, then serve the API")
    s.add_argument("--host", default="127.0.0.1")
    s.add_argument("--port", type=_port, default=8000)
    s.add_argument("--no-access-log", action="store_true", help="do not log each request (benchmarks)")

    w = leaf(sub, "worker", cmd_worker, help="send outbound messages (replies, webhooks, LAPOR! sync)")
    w.add_argument("--once", action="store_true", help="send what is due now, then exit")
    w.add_argument("--name", default=None, help="this worker's name in the attempt log (default host:pid)")

    m = leaf(sub, "migrate", cmd_migrate, help="apply the database migrations")
    m.add_argument("revision", nargs="?", default="head")

    k = sub.add_parser("keys", help="API keys", parents=[common])
    ksub = k.add_subparsers(dest="keys_command", required=True)
    kc = leaf(ksub, "create", cmd_keys_create, help="create a key and print it once")
    kc.add_argument("--role", required=True, choices=["admin", "supervisor", "officer", "app", "partner"])
    kc.add_argument("--name", required=True, type=_key_name)

    o = sub.add_parser("openapi", help="the OpenAPI document", parents=[common])
    osub = o.add_subparsers(dest="openapi_command", required=True)
    oe = leaf(osub, "export", cmd_openapi_export, help="write the OpenAPI JSON")
    oe.add_argument("path", nargs="?", default="openapi/openapi.json")

    a = sub.add_parser("areas", help="administrative areas", parents=[common])
    asub = a.add_subparsers(dest="areas_command", required=True)
    ai = leaf(
        asub, "import", cmd_areas_import, help="import boundaries (.geojson/.json) and hierarchies (.csv)"
    )
    ai.add_argument(
        "paths",
        nargs="*",
        metavar="PATH",
        help="default: DKI Jakarta's areas and boundaries, shipped with Aduan",
    )

    ar = leaf(
        asub,
        "reroute",
        cmd_areas_reroute,
        help="place and route complaints that came before the areas (received, never placed)",
    )
    ar.add_argument(
        "--dry-run", action="store_true", help="list what would be placed and routed, and write nothing"
    )

    sd = sub.add_parser("seed", help="demo data", parents=[common])
    sdsub = sd.add_subparsers(dest="seed_command", required=True)
    sdd = leaf(
        sdsub,
        "demo",
        cmd_seed_demo,
        help="agencies, sudin per kota, kelurahan units, triage, officers (keys printed once), complaints",
    )
    sdd.add_argument(
        "--complaints",
        type=_complaint_count,
        default=300,
        metavar="N",
        help="demo complaints across Jakarta's kelurahan over the last 8 weeks, made once (default 300; 0: none)",
    )

    sl = sub.add_parser("sla", help="SLA clocks", parents=[common])
    slsub = sl.add_subparsers(dest="sla_command", required=True)
    sls = leaf(
        slsub,
        "sweep",
        cmd_sla_sweep,
        help="one sweep: mark at-risk and breached complaints, escalate (for cron)",
    )
    sls.add_argument(
        "--now",
        type=_sweep_time,
        help="ISO 8601 time with offset to sweep at (default: now; a future time needs --dry-run)",
    )
    sls.add_argument(
        "--dry-run",
        action="store_true",
        help="list what a sweep would mark at risk, breach and escalate, and write nothing",
    )

    cl = sub.add_parser("classifier", help="the category classifier", parents=[common])
    clsub = cl.add_subparsers(dest="classifier_command", required=True)
    ce = leaf(
        clsub,
        "eval",
        cmd_classifier_eval,
        help="accuracy, precision and recall per category, confusions and calibration on a labelled CSV",
    )
    ce.add_argument(
        "file", help="CSV with columns text,category (category empty, none or - : not a complaint)"
    )
    ce.add_argument(
        "--threshold", type=_unit_interval, default=None, help="confidence below which no category is given"
    )
    ce.add_argument("--keywords", default=None, help="a keywords.json to evaluate instead of the shipped one")
    cx = leaf(clsub, "examples", cmd_classifier_examples, help="write officers' corrections as labelled CSV")
    cx.add_argument("path", nargs="?", default="-", help="the CSV file (default: standard output)")

    ib = sub.add_parser("inbound", help="stored inbound deliveries", parents=[common])
    ibsub = ib.add_subparsers(dest="inbound_command", required=True)
    leaf(
        ibsub,
        "fetch-mentions",
        cmd_inbound_fetch_mentions,
        help="fetch the text of stored Instagram mentions (Graph API)",
    )
    leaf(
        ibsub,
        "flush-sms",
        cmd_inbound_flush_sms,
        help="turn concatenated SMS still missing parts after 10 minutes into complaints",
    )
    return p


class _AbandonedConnectFilter(logging.Filter):
    """asyncpg leaves the future of a connection attempt cut short (Ctrl-C, a timeout) unretrieved,
    and asyncio reports it when it is collected: noise after the line that already said why."""

    def filter(self, record: logging.LogRecord) -> bool:
        exc = record.exc_info[1] if record.exc_info else None
        return not (
            isinstance(exc, ConnectionError)
            and "connection_lost" in str(exc)
            and str(record.msg).startswith("Future exception was never retrieved")
        )


def _fail(message: str, code: int, exc: BaseException | None, verbose: bool) -> int:
    if verbose and exc is not None:
        traceback.print_exception(exc, file=sys.stderr)
    print(f"aduan: {message}", file=sys.stderr)
    return code


def main(argv: list[str] | None = None) -> int:
    level = os.environ.get("ADUAN_LOG_LEVEL", "INFO").upper()
    verbose = level == "DEBUG"
    args = None
    try:
        if level not in LOG_LEVELS:
            raise CliError(f"ADUAN_LOG_LEVEL={level}: use one of {', '.join(LOG_LEVELS)}", EXIT_USAGE)
        logging.basicConfig(level=level, format="%(levelname)s %(name)s: %(message)s")
        logging.getLogger("asyncio").addFilter(_AbandonedConnectFilter())
        args = build_parser().parse_args(argv)
        verbose = verbose or getattr(args, "verbose", False)
        return int(args.func(args) or 0)
    except KeyboardInterrupt:
        return EXIT_INTERRUPTED
    except CliError as exc:
        return _fail(exc.message, exc.code, exc.__cause__ or exc, verbose)
    except SystemExit as exc:
        # uvicorn exits 3 when it cannot start (it has logged why); 3 means the database here.
        if args is not None and args.func is cmd_serve and exc.code not in (None, 0):
            return _fail("the server did not start (see the error above)", EXIT_FAILURE, exc, verbose)
        raise
    except Exception as exc:
        from app.core.errors import AppError

        what = getattr(args, "command_name", "the command")
        if _is_connection_error(exc):
            return _fail(
                f"{what}: lost {_database_label}: {_reason(exc)}; check that PostgreSQL is running",
                EXIT_DATABASE,
                exc,
                verbose,
            )
        if isinstance(exc, AppError):
            return _fail(f"{what}: {exc.detail}", EXIT_FAILURE, exc, verbose)
        return _fail(
            f"{what} failed: {type(exc).__name__}: {_reason(exc)} (--verbose shows the traceback)",
            EXIT_FAILURE,
            exc,
            verbose,
        )


if __name__ == "__main__":
    raise SystemExit(main())
