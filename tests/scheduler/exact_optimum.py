#!/usr/bin/env python3
"""Solve a meeting-scheduling instance (../shared/eval/SCHEDULE.md format) exactly with HiGHS.

Independent of techmatch's own code: the tests and the benchmark use it to check the scheduler's
optimality claims and bounds. Prints one JSON object:
{"status": "optimal"|"time_limit"|..., "optimum": best integer weight found, "bound": HiGHS's
dual bound, "lp_bound": the LP relaxation's optimum (only with --lp)}.

usage: exact_optimum.py INSTANCE.json [--time-limit SECONDS] [--lp]
"""
import argparse
import json
import sys

import highspy
import numpy as np


def build(instance, integral):
    slots = instance["slots"]
    participants = {p["id"]: p for p in instance["participants"]}
    available = {pid: set(p["available"]) for pid, p in participants.items()}
    locked = {}
    for meeting in instance.get("locked", []):
        locked[frozenset((meeting["a"], meeting["b"]))] = meeting["slot"]

    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    columns = []  # (a, b, slot, weight)
    for pair in instance["candidates"]:
        a, b, w = pair["a"], pair["b"], float(pair["weight"])
        for s in sorted(available[a] & available[b]):
            columns.append((a, b, s, w))
    n = len(columns)
    lower = np.zeros(n)
    upper = np.ones(n)
    for j, (a, b, s, w) in enumerate(columns):
        fixed = locked.get(frozenset((a, b)))
        if fixed is not None:
            if fixed == s:
                lower[j] = 1.0
            else:
                upper[j] = 0.0
    h.addVars(n, lower, upper)
    h.changeColsCost(n, np.arange(n, dtype=np.int32), np.array([c[3] for c in columns]))
    h.changeObjectiveSense(highspy.ObjSense.kMaximize)
    if integral:
        h.changeColsIntegrality(n, np.arange(n, dtype=np.int32),
                                np.array([highspy.HighsVarType.kInteger] * n))

    rows = {}

    def add(key, j):
        rows.setdefault(key, []).append(j)

    for j, (a, b, s, w) in enumerate(columns):
        add(("cell", a, s), j)
        add(("cell", b, s), j)
        add(("max", a), j)
        add(("max", b), j)
        add(("table", s), j)
        add(("pair",) + tuple(sorted((a, b))), j)
    for key, members in rows.items():
        if key[0] == "cell" or key[0] == "pair":
            limit = 1.0
        elif key[0] == "max":
            limit = float(participants[key[1]]["max_meetings"])
        else:
            limit = float(instance["tables"])
        idx = np.array(members, dtype=np.int32)
        h.addRow(-highspy.kHighsInf, limit, len(members), idx, np.ones(len(members)))
    return h


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("instance")
    parser.add_argument("--time-limit", type=float, default=600.0)
    parser.add_argument("--lp", action="store_true", help="also report the LP relaxation's optimum")
    args = parser.parse_args()
    with open(args.instance, encoding="utf-8") as handle:
        instance = json.load(handle)

    report = {}
    if args.lp:
        lp = build(instance, integral=False)
        lp.setOptionValue("time_limit", args.time_limit)
        lp.run()
        report["lp_bound"] = lp.getInfo().objective_function_value

    h = build(instance, integral=True)
    h.setOptionValue("time_limit", args.time_limit)
    h.setOptionValue("mip_rel_gap", 0.0)
    h.setOptionValue("mip_abs_gap", 1e-9)
    h.run()
    status = h.getModelStatus()
    info = h.getInfo()
    report["status"] = {
        highspy.HighsModelStatus.kOptimal: "optimal",
        highspy.HighsModelStatus.kTimeLimit: "time_limit",
        highspy.HighsModelStatus.kInfeasible: "infeasible",
    }.get(status, str(status))
    report["optimum"] = info.objective_function_value
    report["bound"] = info.mip_dual_bound
    json.dump(report, sys.stdout)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
