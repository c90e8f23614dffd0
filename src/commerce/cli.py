"""The ``commerce`` command: serve, demo, worker, migrate, seed, schema, create-staff,
payments reconcile, shipments check-delays."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import signal
import sys
from collections.abc import Sequence
from pathlib import Path

from commerce.settings import DEMO_SECRET_KEY, Settings, SettingsError

DEMO_LOGINS = (
    ("staff superuser", "admin@example.com", "admin12345"),
    ("customer", "customer@example.com", "customer12345"),
)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="commerce", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)

    serve = sub.add_parser("serve", help="serve the API (uvicorn)")
    serve.add_argument("--host")
    serve.add_argument("--port", type=int)
    serve.add_argument("--workers", type=int, default=1)

    demo = sub.add_parser("demo", help="migrate, seed if empty, and serve with GraphiQL")
    demo.add_argument("--host")
    demo.add_argument("--port", type=int)

    worker = sub.add_parser("worker", help="run the outbox relay (event deliveries) on its own")
    worker.add_argument("--once", action="store_true",
                        help="deliver what is due, prune, and exit (1 if a delivery failed)")

    sub.add_parser("migrate", help="apply database migrations")
    sub.add_parser("seed", help="fill an empty database with the demo shop")

    schema = sub.add_parser("schema", help="print the GraphQL SDL")
    schema.add_argument("--check", action="store_true",
                        help="exit 1 when schema.graphql differs from the code")
    schema.add_argument("--path", default="schema.graphql")

    payments = sub.add_parser("payments", help="card payment maintenance")
    payments_sub = payments.add_subparsers(dest="payments_command", required=True)
    reconcile = payments_sub.add_parser(
        "reconcile", help="ask Stripe about card payments left without an outcome and apply "
                          "it; retry webhook events not processed yet")
    reconcile.add_argument("--every", type=float, metavar="SECONDS",
                           help="keep running, reconciling every SECONDS")

    shipments = sub.add_parser("shipments", help="shipment tracking maintenance")
    shipments_sub = shipments.add_subparsers(dest="shipments_command", required=True)
    shipments_sub.add_parser(
        "check-delays", help="record a delay notice for each shipment past its promised date "
                             "(or delayed by its carrier) not told yet; the worker does this "
                             "every COMMERCE_DELAY_CHECK_INTERVAL_SECONDS")

    staff = sub.add_parser("create-staff", help="create (or update) a staff user")
    staff.add_argument("--email", required=True)
    staff.add_argument("--password", required=True)
    staff.add_argument("--permission", action="append", default=[], metavar="P")
    staff.add_argument("--superuser", action="store_true")
    return parser


async def _reconcile(settings: Settings, every: float | None) -> int:
    from commerce.db.database import Database
    from commerce.payments.gateways import gateway_for
    from commerce.payments.reconcile import reconcile

    gateway = gateway_for(settings)
    if gateway is None:
        print("commerce payments reconcile: card payments are not configured "
              "(set the COMMERCE_STRIPE_* keys)", file=sys.stderr)
        return 2
    db = Database.from_settings(settings)
    try:
        while True:
            report = await reconcile(db, gateway, settings)
            print(f"payments checked {report.payments_checked} (failed "
                  f"{report.payments_failed}); webhook events retried "
                  f"{report.events_retried} (failed {report.events_failed})", flush=True)
            if every is None:
                return 1 if report.payments_failed or report.events_failed else 0
            await asyncio.sleep(every)
    finally:
        await db.dispose()


async def _check_delays(settings: Settings) -> int:
    from commerce.db.database import Database
    from commerce.shipping.shipment_tracking import check_delays
    from commerce.tracking.wakeups import publishing_changes

    db = Database.from_settings(settings)
    try:
        async with publishing_changes(settings):
            report = await check_delays(db)
    finally:
        await db.dispose()
    print(f"shipments checked {report.checked}; delay notices recorded {report.notified}",
          flush=True)
    return 0


async def _worker(settings: Settings, once: bool) -> int:
    from commerce.db.database import Database
    from commerce.events.relay import default_consumers
    from commerce.events.worker import RelayWorker
    from commerce.tracking.wakeups import publishing_changes

    db = Database.from_settings(settings)
    worker = RelayWorker.from_settings(db, settings, default_consumers(db, settings))
    try:
        # Its delay sweep records tracking entries: with Redis, servers hear of them at once.
        async with publishing_changes(settings):
            if once:
                report = await worker.run_once()
                print(f"outbox events delivered {report.delivered} (failed {report.failed}); "
                      f"published {report.published}", flush=True)
                return 1 if report.failed else 0
            print(f"commerce worker: relaying outbox events to {', '.join(worker.consumers)} "
                  f"(every {settings.relay_interval_ms} ms)", flush=True)
            task = worker.start()
            # SIGTERM (docker stop, systemd) and SIGINT stop it between or during deliveries; a
            # delivery cut short rolls back and is made again by the next relay.
            loop = asyncio.get_running_loop()
            for sig in (signal.SIGTERM, signal.SIGINT):
                loop.add_signal_handler(sig, task.cancel)
            with contextlib.suppress(asyncio.CancelledError):
                await task
            print("commerce worker: stopped", flush=True)
            return 0
    finally:
        await db.dispose()


def _mail_destination(settings: Settings) -> str:
    """Where order e-mails go, for the demo's banner (no password shown)."""
    if settings.smtp_url:
        from commerce.notifications.smtp_url import parse_smtp_url

        smtp = parse_smtp_url(settings.smtp_url)
        return f"SMTP {smtp.host}:{smtp.port}"
    if settings.mail_dir:
        return f".eml files in {settings.mail_dir} (open them with any mail program)"
    return "off (set COMMERCE_SMTP_URL or COMMERCE_MAIL_DIR)"


def _secret_problem(settings: Settings) -> str | None:
    """Why ``commerce serve`` must not start with this secret, or None."""
    if settings.debug or settings.secret_key not in ("", DEMO_SECRET_KEY):
        return None
    return ("COMMERCE_SECRET_KEY is not set (the public demo secret is in use); set it to a "
            "long random value, e.g. `python -c 'import secrets; "
            "print(secrets.token_urlsafe(48))'`, or set COMMERCE_DEBUG=true for development")


def _serve(settings: Settings, host: str | None, port: int | None, workers: int = 1) -> None:
    import uvicorn

    host = host or settings.host
    port = port or settings.port
    # A WebSocket message is a request too: the same ceiling as an HTTP body (uvicorn
    # closes the socket with 1009 past it; its own default is 16 MiB).
    ws_max_size = settings.max_body_bytes
    # On shutdown uvicorn closes sockets but waits for streaming HTTP responses (SSE) to
    # end by themselves, which a subscription never does: past this grace they are cut,
    # and an EventSource reconnects elsewhere with Last-Event-ID.
    grace = settings.shutdown_grace_seconds
    deflate = settings.ws_per_message_deflate
    if workers > 1:
        # Each worker process builds its own app from the environment.
        uvicorn.run("commerce.app:app_from_env", factory=True, host=host, port=port,
                    workers=workers, log_level="warning", ws_max_size=ws_max_size,
                    ws_per_message_deflate=deflate, proxy_headers=False,
                    timeout_graceful_shutdown=grace)
        return
    from commerce.app import create_app
    from commerce.runtime import tune_gc_for_serving

    app = create_app(settings)
    tune_gc_for_serving()
    # The app applies COMMERCE_TRUSTED_PROXIES itself; uvicorn's copy would apply
    # FORWARDED_ALLOW_IPS first and make that setting moot.
    uvicorn.run(app, host=host, port=port, log_level="warning", ws_max_size=ws_max_size,
                ws_per_message_deflate=deflate, proxy_headers=False,
                timeout_graceful_shutdown=grace)


async def _migrate(settings: Settings) -> None:
    from commerce.db.migrate import upgrade

    await upgrade(settings.database_url)


async def _seed(settings: Settings) -> bool:
    from commerce.db.database import Database
    from commerce.db.shop_currency import CurrencyMismatchError
    from commerce.seed import seed_demo_shop

    db = Database.from_settings(settings)
    try:
        return await seed_demo_shop(db, settings)
    except CurrencyMismatchError as exc:
        raise SystemExit(f"commerce: {exc}") from None
    finally:
        await db.dispose()


async def _check_currency(settings: Settings) -> None:
    """Refuse to start when COMMERCE_CURRENCY disagrees with the stored amounts (the app's
    startup checks too; checking here first gives a message instead of a traceback)."""
    from sqlalchemy.exc import DBAPIError

    from commerce.db.database import Database
    from commerce.db.shop_currency import CurrencyMismatchError, ensure_shop_currency

    db = Database(settings.database_url)
    try:
        await ensure_shop_currency(db, settings.currency)
    except CurrencyMismatchError as exc:
        raise SystemExit(f"commerce: {exc}") from None
    except DBAPIError as exc:
        raise SystemExit(f"commerce: cannot read the shop currency from the database "
                         f"({exc.orig}); has `commerce migrate` run?") from None
    finally:
        await db.dispose()


async def _create_staff(settings: Settings, args: argparse.Namespace) -> str:
    from commerce.accounts.service import upsert_staff
    from commerce.db.database import Database

    db = Database.from_settings(settings)
    try:
        return await upsert_staff(db, email=args.email, password=args.password,
                                  permissions=args.permission, superuser=args.superuser)
    finally:
        await db.dispose()


def _schema(args: argparse.Namespace) -> int:
    from commerce.api.graphql.schema import sdl

    text = sdl()
    if not args.check:
        sys.stdout.write(text)
        return 0
    path = Path(args.path)
    current = path.read_text() if path.exists() else ""
    if current != text:
        print(f"{path} is out of date: run `commerce schema > {path}`", file=sys.stderr)
        return 1
    print(f"{path} is up to date")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.command == "schema":
        return _schema(args)
    try:
        settings = Settings.from_env()
    except SettingsError as exc:
        print(f"commerce: {exc}", file=sys.stderr)
        return 2
    from commerce.logging import configure_logging

    configure_logging(settings.debug)
    if args.command == "serve":
        if (problem := _secret_problem(settings)) is not None:
            print(f"commerce serve: {problem}", file=sys.stderr)
            return 2
        asyncio.run(_check_currency(settings))
        _serve(settings, args.host, args.port, args.workers)
    elif args.command == "worker":
        try:
            return asyncio.run(_worker(settings, args.once))
        except KeyboardInterrupt:
            return 0
    elif args.command == "migrate":
        asyncio.run(_migrate(settings))
        print("migrations applied")
    elif args.command == "seed":
        asyncio.run(_migrate(settings))
        seeded = asyncio.run(_seed(settings))
        print("demo shop seeded" if seeded else "database already has data; nothing seeded")
    elif args.command == "payments":
        return asyncio.run(_reconcile(settings, args.every))
    elif args.command == "shipments":
        return asyncio.run(_check_delays(settings))
    elif args.command == "create-staff":
        try:
            print(asyncio.run(_create_staff(settings, args)))
        except ValueError as exc:  # unknown permission, weak password, bad e-mail
            print(f"commerce create-staff: {exc}", file=sys.stderr)
            return 2
    elif args.command == "demo":
        asyncio.run(_migrate(settings))
        asyncio.run(_seed(settings))
        host = args.host or settings.host
        port = args.port or settings.port
        print(f"\n  commerce demo shop: http://{host}:{port}/graphql  (GraphiQL in a browser)\n")
        for role, email, password in DEMO_LOGINS:
            print(f"  {role:16} {email} / {password}")
        print(f"\n  database: {settings.database_url}", flush=True)
        print(f"  e-mails:  {_mail_destination(settings)}\n", flush=True)
        _serve(settings, host, port)
    return 0
