"""Loyalty at shop scale on PostgreSQL: balance look-up, profile assembly, segment recomputation.

    .venv/bin/python -m benchmarks.loyalty [--server postgresql://root@127.0.0.1:5432/postgres]
        [--database carebot_bench] [--customers 1000000] [--ledger-per-customer 10] [--reuse]

Builds a synthetic shop in its own database with set-based SQL (generate_series), no row-by-row
inserts: customers, ~3 orders each, 10 ledger rows each (9 earnings, 1 redemption; balances agree with
the ledger), 2 conversation turns each and some open tickets. Then times the real action functions
through the app's async engine. Prints one JSON line. Targets: look-up ≤ 5 ms, profile ≤ 20 ms
(medians), recomputation ≤ 60 s.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import random
import statistics
import time
from collections.abc import Awaitable, Callable, Sequence
from datetime import UTC, datetime

import psycopg
from sqlalchemy.engine import make_url

from actions.points import balance
from actions.profile import customer_profile
from actions.segments import recompute_segments
from storage import migrate
from storage.engine import SessionFactory, create_engine, create_session_factory

NOW = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)

BUILD_SQL = [
    """INSERT INTO tiers (code, name_zh, name_en, min_spend, multiplier, priority_service, benefits_zh, benefits_en)
       VALUES ('basic', '普通会员', 'Member', 0, 1.0, false, '', ''),
              ('silver', '银卡会员', 'Silver', 2000, 1.2, false, '', ''),
              ('gold', '金卡会员', 'Gold', 8000, 1.5, true, '', ''),
              ('platinum', '白金会员', 'Platinum', 20000, 2.0, true, '', '')""",
    # Base points b = 10 + c % 90; 9 earnings of b and one redemption of b leave a balance of 8b.
    """INSERT INTO customers (id, external_id, telegram_user_id, telegram_chat_id, name, phone, language, tags,
                             tier_code, points_balance, marketing_consent, blocked_bot, referral_code, created_at)
       SELECT c, 'C' || c, 5000000000 + c, 5000000000 + c, 'Customer ' || c, '+86138' || lpad(c::text, 8, '0'),
              CASE WHEN c % 3 = 0 THEN 'en' ELSE 'zh' END, '',
              CASE WHEN c % 50 = 0 THEN 'gold' WHEN c % 10 = 0 THEN 'silver' ELSE 'basic' END,
              8 * (10 + c % 90), c % 2 = 0, false, 'R' || lpad(to_hex(c), 7, '0'),
              %(now)s - make_interval(days => (c % 1000))
       FROM generate_series(1, %(customers)s) AS c""",
    """SELECT setval(pg_get_serial_sequence('customers', 'id'), %(customers)s)""",
    # About three orders per customer over two years, skewed amounts, a few refunds.
    """INSERT INTO orders (source, order_id, customer_id, amount, currency, ordered_at, status, created_at)
       SELECT 'shop', 'SO-' || g, 1 + (hashint % %(customers)s),
              round((20 + (hashint % 997) * (1 + (g % 7 = 0)::int * 9))::numeric, 2), 'CNY',
              %(now)s - make_interval(days => (hashint % 730), secs => (g % 86400)),
              CASE WHEN g % 40 = 0 THEN 'refunded' ELSE 'paid' END, %(now)s
       FROM (SELECT g, abs(hashtext(g::text)) AS hashint
             FROM generate_series(1, %(orders)s) AS g) AS numbered""",
    """INSERT INTO points_ledger (customer_id, idempotency_key, reason, delta, balance_after, remaining,
                                 expires_at, note, actor, created_at)
       SELECT c, 'bench:' || c || ':' || k,
              CASE WHEN k = 9 THEN 'redemption' ELSE 'order' END,
              CASE WHEN k = 9 THEN -(10 + c % 90) ELSE 10 + c % 90 END,
              (10 + c % 90) * CASE WHEN k <= 8 THEN k WHEN k = 9 THEN 7 ELSE k - 2 END,
              CASE WHEN k IN (1, 9) THEN 0 ELSE 10 + c % 90 END,
              CASE WHEN k = 9 THEN NULL
                   ELSE %(now)s - make_interval(days => (%(per)s - k) * 35 + c % 20) + interval '12 months' END,
              '', 'system',
              %(now)s - make_interval(days => (%(per)s - k) * 35 + c % 20)
       FROM generate_series(1, %(customers)s) AS c CROSS JOIN generate_series(1, %(per)s) AS k""",
    """INSERT INTO messages (customer_id, direction, text, intent, created_at)
       SELECT c, CASE WHEN t = 1 THEN 'in' ELSE 'out' END,
              CASE WHEN t = 1 THEN '我的积分还有多少？' ELSE '您目前有积分。' END,
              CASE WHEN t = 1 THEN 'points_balance' END,
              %(now)s - make_interval(days => c % 300) + make_interval(secs => t)
       FROM generate_series(1, %(customers)s) AS c CROSS JOIN generate_series(1, 2) AS t""",
    """INSERT INTO tickets (customer_id, category, severity, priority, status, description, sla_due_at, created_at,
                         abusive)
       SELECT c, 'delivery', 'normal', 3, CASE WHEN c % 2 = 0 THEN 'open' ELSE 'closed' END, '快递还没到',
              %(now)s + interval '1 day', %(now)s, false
       FROM generate_series(7, %(customers)s, 10) AS c""",
]


def database_url(server: str, database: str) -> str:
    return make_url(server).set(database=database).render_as_string(hide_password=False)


def libpq(url: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def build(
    *, server: str, database: str, customers: int, per_customer: int, statements: Sequence[str] = BUILD_SQL
) -> float:
    """Drop and rebuild the benchmark database (with `statements`, all tables by default); returns seconds."""
    started = time.perf_counter()
    with psycopg.connect(libpq(server), autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{database}"')
    url = database_url(server, database)
    migrate.upgrade(url)
    parameters = {"now": NOW, "customers": customers, "orders": customers * 3, "per": per_customer}
    with psycopg.connect(libpq(url)) as connection:
        connection.execute("SET synchronous_commit = off")
        connection.execute("SET maintenance_work_mem = '512MB'")
        connection.execute("SET session_replication_role = replica")  # skip FK triggers while bulk loading
        for statement in statements:
            step = time.perf_counter()
            connection.execute(statement.replace(" % ", " %% "), parameters)  # modulo, not a placeholder
            print(f"  {time.perf_counter() - step:7.1f} s  {' '.join(statement.split()[:3])}", flush=True)
        connection.commit()
    with psycopg.connect(libpq(url), autocommit=True) as connection:
        connection.execute("VACUUM ANALYZE")
    return time.perf_counter() - started


async def median_ms(
    factory: SessionFactory, ids: list[int], call: Callable[..., Awaitable[object]]
) -> dict[str, float]:
    """Time `call` once per id, each in its own session (as the bot does per update)."""
    timings = []
    for customer_id in ids:
        started = time.perf_counter()
        async with factory() as session:
            await call(session=session, customer_id=customer_id)
        timings.append((time.perf_counter() - started) * 1000)
    timings.sort()
    return {
        "median_ms": round(statistics.median(timings), 2),
        "p95_ms": round(timings[int(len(timings) * 0.95) - 1], 2),
    }


async def measure(*, url: str, customers: int, samples: int) -> dict[str, object]:
    engine = create_engine(url)
    factory = create_session_factory(engine)
    pick = random.Random(20261123)
    try:
        warm = [pick.randint(1, customers) for _ in range(50)]
        await median_ms(factory, warm, balance)
        await median_ms(factory, warm, lambda **kw: customer_profile(**kw, now=NOW))
        lookups = await median_ms(factory, [pick.randint(1, customers) for _ in range(samples)], balance)
        profiles = await median_ms(
            factory, [pick.randint(1, customers) for _ in range(samples)], lambda **kw: customer_profile(**kw, now=NOW)
        )
        runs = []
        for _ in range(2):  # first run writes every customer, the second only what changed (nothing)
            started = time.perf_counter()
            async with factory() as session, session.begin():
                report = await recompute_segments(session=session, now=NOW)
            runs.append({"seconds": round(time.perf_counter() - started, 1), "updated": report.updated})
        return {"balance_lookup": lookups, "profile": profiles, "segments": runs, "segment_counts": report.segments}
    finally:
        await engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument(
        "--server", default=os.environ.get("TEST_DATABASE_URL", "postgresql://root@127.0.0.1:5432/postgres")
    )
    parser.add_argument("--database", default="carebot_bench")
    parser.add_argument("--customers", type=int, default=1_000_000)
    parser.add_argument("--ledger-per-customer", type=int, default=10)
    parser.add_argument("--samples", type=int, default=500)
    parser.add_argument("--reuse", action="store_true", help="skip the build; use the database as it is")
    args = parser.parse_args()
    if args.ledger_per_customer != 10:
        parser.error("the synthetic ledger pattern has 10 rows per customer")
    build_seconds = None
    if not args.reuse:
        build_seconds = round(
            build(
                server=args.server,
                database=args.database,
                customers=args.customers,
                per_customer=args.ledger_per_customer,
            ),
            1,
        )
    url = database_url(args.server, args.database)
    results = asyncio.run(measure(url=url, customers=args.customers, samples=args.samples))
    print(
        json.dumps(
            {
                "customers": args.customers,
                "ledger_rows": args.customers * args.ledger_per_customer,
                "orders": args.customers * 3,
                "build_seconds": build_seconds,
                **results,
                "machine": f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}",
            },
            ensure_ascii=False,
        )
    )


if __name__ == "__main__":
    main()
