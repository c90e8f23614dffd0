"""A second process for the wake-up tests: appends tracking entries for the given orders in
one transaction, then commits it (or rolls it back with ``--rollback``). With ``--redis`` it
publishes its commits as a process serving no subscriptions does (``publishing_changes``).

    python -m tests.wakeup_writer DATABASE_URL ORDER_ID... [--rollback] [--redis URL --channel C]
"""

from __future__ import annotations

import argparse
import asyncio

from commerce.db.database import Database
from commerce.settings import Settings
from commerce.tracking.log import OrderTrackingEventType, record
from commerce.tracking.wakeups import publishing_changes


class _RollBack(Exception):
    pass


async def main(args: argparse.Namespace) -> None:
    db = Database(args.database_url)
    settings = Settings(database_url=args.database_url, redis_url=args.redis,
                        redis_channel=args.channel or "commerce_order_tracking")
    try:
        async with publishing_changes(settings):
            try:
                async with db.transaction() as session:
                    for order_id in args.order_ids:
                        await record(session, order_id, OrderTrackingEventType.ON_HOLD,
                                     message="from another process")
                    if args.rollback:
                        raise _RollBack
            except _RollBack:
                pass
    finally:
        await db.dispose()

if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("database_url")
    parser.add_argument("order_ids", type=int, nargs="+")
    parser.add_argument("--rollback", action="store_true")
    parser.add_argument("--redis", default="")
    parser.add_argument("--channel", default="")
    asyncio.run(main(parser.parse_args()))
