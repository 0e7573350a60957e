"""Load-test options of ``fuseface emulator`` (triggers, instance pool, QPS, faults, the stamp engine) and the
``fuseface usage`` command. Heavy imports happen inside the functions."""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path
from typing import Any, Dict, Optional

from scf_fuseface.errors import FuseFaceError

__all__ = ["add_emulator_options", "emulator_kwargs", "register", "start_upload_loop"]

DEFAULT_QPS = 20.0  # FuseFace's per-account limit (doc 670/85618)


def add_emulator_options(p: argparse.ArgumentParser) -> None:
    g = p.add_argument_group("load and faults")
    g.add_argument("--triggers", type=Path, default=None, metavar="SERVERLESS_YML",
                   help="run the upload loop: every PUT/POST/copy matching a COS trigger of this file invokes the "
                        "function asynchronously (the events/ fixtures are seeded into DATA first)")
    g.add_argument("--concurrency", type=int, default=None,
                   help="function instances (SCF's instance cap); default FUSEFACE_MAX_INSTANCES of the yml, else 10")
    g.add_argument("--provisioned", action="store_true",
                   help="start and initialise every instance before serving (SCF's provisioned concurrency); "
                        "default: each instance cold-starts on its first invocation")
    g.add_argument("--retry-delay-s", type=float, default=60.0,
                   help="delay between SCF's 2 retries of a failed invocation (SCF: 60 s)")
    g.add_argument("--function-dir", type=Path, default=None,
                   help="directory holding index.py (default: the yml's src if built, else this checkout's src/)")
    g.add_argument("--qps", type=float, default=DEFAULT_QPS,
                   help="FuseFace's per-account limit, requests per second (default 20; 0 = none)")
    g.add_argument("--faults", default="", metavar="SPEC",
                   help="comma list of name=rate: any FuseFace error code, lost-reply, cos-5xx, duplicate; "
                        "and latency-ms=N (see emulator/faults.py)")
    g.add_argument("--seed", type=int, default=0, help="seed of the fault draws (default 0)")
    g.add_argument("--engine", choices=("real", "stamp"), default="real",
                   help="stamp: a load-test stand-in that returns the template with a small stamp (not a fusion)")
    g.add_argument("--latency-ms", type=float, default=300.0, help="the stamp engine's processing time (ms)")


def emulator_kwargs(args: argparse.Namespace) -> Dict[str, Any]:
    """``EmulatorServer`` keyword arguments for the load options."""
    from ..emulator.faults import FaultPlan

    try:
        faults = FaultPlan.parse(args.faults, args.seed) if args.faults else None
    except ValueError as exc:
        raise FuseFaceError("InvalidParameterValue", str(exc)) from None
    kwargs: Dict[str, Any] = {"qps": args.qps or None, "faults": faults}
    if args.engine == "stamp":
        from ..emulator.stamp_engine import StampEngine

        kwargs["engine"] = StampEngine(args.latency_ms)
    return kwargs


def start_upload_loop(args: argparse.Namespace, server: Any) -> Optional[Any]:
    """Start the upload loop when ``--triggers`` was given; returns it (or None)."""
    if args.triggers is None:
        return None
    from ..emulator.triggers import load_serverless
    from ..emulator.upload_loop import UploadLoop
    from ..replay import default_events_dir, seed

    spec = load_serverless(args.triggers)
    if not spec.triggers:
        raise FuseFaceError("InvalidParameterValue", f"{args.triggers} declares no COS trigger.")
    concurrency = args.concurrency or int(spec.environment.get("FUSEFACE_MAX_INSTANCES") or 10)
    if concurrency < 1:
        raise FuseFaceError("InvalidParameterValue", "--concurrency must be at least 1")
    seed(server, default_events_dir())
    return UploadLoop(server, spec, concurrency=concurrency, retry_delay_s=args.retry_delay_s,
                      code_dir=args.function_dir).start(provisioned=args.provisioned)


# --- fuseface usage ------------------------------------------------------------------------------------------
def _cmd_usage(args: argparse.Namespace) -> int:
    from ..emulator.usage import Usage, month_of

    if args.month is not None and not re.match(r"^\d{4}-(0[1-9]|1[0-2])$", args.month):
        raise FuseFaceError("InvalidParameterValue", f"--month must be YYYY-MM, got {args.month!r}")
    path = Path(args.data) / "usage.sqlite3"
    report: Dict[str, Any] = Usage(path).report(args.month) if path.is_file() else {}
    report.setdefault("FuseFace", {"Calls": 0, "Billable": 0, "Throttled": 0, "Failed": 0, "LostReplies": 0})
    billable = report["FuseFace"]["Billable"]
    free = args.free_tier
    report["Month"] = args.month or month_of()
    report["FreeTier"] = {
        "FuseFaceCallsPerMonth": free,
        "BillableBeyondFreeTier": None if free is None else max(0, billable - free),
        "Note": "UNCONFIRMED: no Tencent price list or free tier for FuseFace was found; pass --free-tier N "
                "with the number from your console." if free is None else "as given by --free-tier",
    }
    json.dump(report, sys.stdout, ensure_ascii=False, indent=2)
    sys.stdout.write("\n")
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("usage", help="print the emulator's FuseFace usage of the month as JSON",
                       description="Calls, Billable, Throttled, Failed and LostReplies per action for one month "
                                   "(Beijing time), from DATA/usage.sqlite3, and the month's free tier.")
    p.add_argument("--data", required=True, help="emulator data directory")
    p.add_argument("--month", default=None, help="YYYY-MM (default: this month)")
    p.add_argument("--free-tier", type=int, default=None,
                   help="free FuseFace calls per month (UNCONFIRMED, so not assumed; shown as null without it)")
    p.set_defaults(func=_cmd_usage)
