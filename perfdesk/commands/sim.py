"""`perfdesk sim`: run the engine simulator until interrupted (protocol v1, no Qt)."""

from __future__ import annotations

import argparse
import asyncio
import logging
import signal

log = logging.getLogger(__name__)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on")
    parser.add_argument("--port", type=int, default=8765, help="TCP port (0 = any free port)")
    parser.add_argument(
        "--strategies",
        type=int,
        default=3,
        metavar="N",
        help="number of strategies (cycling healthy, decay, break, stall, overtrade, undertrade)",
    )
    parser.add_argument(
        "--rate",
        type=float,
        default=10.0,
        metavar="R",
        help="equity samples per wall second per strategy",
    )
    parser.add_argument("--seed", type=int, default=0, help="random seed (same seed, same data)")
    parser.add_argument(
        "--speedup",
        type=float,
        default=1440.0,
        metavar="X",
        help="trading seconds per wall second (1440 = a day per minute)",
    )
    parser.add_argument(
        "--history", type=int, default=200_000, help="frames kept per strategy for resume/replay"
    )
    parser.add_argument(
        "--max-events", type=int, default=None, help="stop producing after about this many events"
    )
    parser.add_argument(
        "--backfill-days",
        type=int,
        default=0,
        metavar="N",
        help="first send N trading days of healthy history before the live stream (seqs 1..K)",
    )
    parser.add_argument(
        "--backfill-step",
        type=float,
        default=900.0,
        metavar="S",
        help="trading seconds between two backfill equity samples (900 = 96 a day)",
    )
    parser.add_argument(
        "--token-env",
        default=None,
        metavar="VAR",
        help="require this environment variable's value as bearer token",
    )
    faults = parser.add_argument_group("faults (probabilities per frame)")
    faults.add_argument("--drop", type=float, default=0.0, help="abort the connection")
    faults.add_argument("--skip", type=float, default=0.0, help="skip a seq (per event)")
    faults.add_argument("--repeat", type=float, default=0.0, help="send a frame twice")
    faults.add_argument("--malformed", type=float, default=0.0, help="send a malformed frame")
    faults.add_argument("--stall", type=float, default=0.0, help="stop sending for --stall-s")
    faults.add_argument("--stall-s", type=float, default=15.0, help="length of a stall (s)")


def run(args: argparse.Namespace) -> int:
    return asyncio.run(_serve(args))


async def _serve(args: argparse.Namespace) -> int:
    import os

    from perfdesk.sim import FaultConfig, Simulator

    token = os.environ.get(args.token_env) if args.token_env else None
    if args.token_env and not token:
        log.error("environment variable %s is empty or unset", args.token_env)
        return 2
    try:
        sim = Simulator(
            host=args.host,
            port=args.port,
            strategies=args.strategies,
            seed=args.seed,
            speedup=args.speedup,
            rate=args.rate,
            history=args.history,
            max_events=args.max_events,
            backfill_days=args.backfill_days,
            backfill_step_s=args.backfill_step,
            live_until_now=True,  # perfdesk refuses frames stamped after now + 5 min
            token=token,
            faults=FaultConfig(
                drop_prob=args.drop,
                skip_prob=args.skip,
                repeat_prob=args.repeat,
                malformed_prob=args.malformed,
                stall_prob=args.stall,
                stall_s=args.stall_s,
            ),
        )
    except ValueError as exc:
        log.error("%s", exc)
        return 2
    url = await sim.start()
    print(f"perfdesk sim: {url} ({', '.join(sim.strategy_ids)})", flush=True)
    if sim.backfilled:
        print(
            f"perfdesk sim: backfilled {sim.backfilled} events "
            f"({args.backfill_days} trading days before {sim.epoch:%Y-%m-%d})",
            flush=True,
        )
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    if args.max_events:
        done = asyncio.create_task(sim.finished.wait())
        waiting = asyncio.create_task(stop.wait())
        await asyncio.wait({done, waiting}, return_when=asyncio.FIRST_COMPLETED)
        if sim.finished.is_set():
            print(f"perfdesk sim: produced {sim.total_sent} events", flush=True)
    await stop.wait()
    await sim.stop()
    return 0
