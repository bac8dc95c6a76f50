#!/usr/bin/python3
"""Tables for bench/secondary.sh (stdlib only).

  sec_report.py SAMPLES.tsv RESULTS.tsv

SAMPLES.tsv (written by secondary.sh): item, server, metric, rep, value — one line per sample
("timeout" when a change did not reach a secondary within the bound, "-" rep for single values).
Prints one table per item to stdout and writes RESULTS.tsv: item, server, metric, value, where
server is dnsd/knot/nsd/primary, a load phase, or a ratio such as dnsd/knot.
"""
import math
import sys
from collections import OrderedDict, defaultdict

SERVERS = ("dnsd", "knot", "nsd")


def load(path):
    data = defaultdict(list)      # (item, server, metric) -> [values]
    items = OrderedDict()
    with open(path) as f:
        next(f, None)
        for line in f:
            parts = line.rstrip("\n").split("\t")
            if len(parts) != 5:
                continue
            item, server, metric, _rep, value = parts
            items.setdefault(item, None)
            if value == "timeout":
                v = math.inf
            else:
                try:
                    v = float(value)
                except ValueError:
                    continue
            data[(item, server, metric)].append(v)
    return data, list(items)


def pct(values, p):
    """Nearest-rank percentile (p90 of 20 values = the 18th smallest)."""
    if not values:
        return None
    s = sorted(values)
    k = max(1, math.ceil(p / 100.0 * len(s)))
    return s[k - 1]


def median(values):
    if not values:
        return None
    s = sorted(values)
    n = len(s)
    return s[n // 2] if n % 2 else (s[n // 2 - 1] + s[n // 2]) / 2.0


def fmt(v, spec=".1f"):
    if v is None:
        return "-"
    if v == math.inf:
        return "timeout"
    return format(v, spec)


def ratio(a, b):
    if a is None or b is None or b == 0 or math.inf in (a, b):
        return None
    return a / b


class Out:
    def __init__(self, path):
        self.f = open(path, "w")
        self.f.write("item\tserver\tmetric\tvalue\n")

    def put(self, item, server, metric, v):
        if v is None:
            return
        self.f.write("%s\t%s\t%s\t%s\n" % (item, server, metric,
                                            "inf" if v == math.inf else (("%.4f" % v).rstrip("0").rstrip(".") if isinstance(v, float) else v)))


def row(cells, widths):
    return "  ".join(str(c).rjust(w) if i else str(c).ljust(w) for i, (c, w) in enumerate(zip(cells, widths)))


def latency_table(title, item, data, out, note=""):
    print("\n## %s" % title)
    cols = ["server", "n", "ok", "median_ms", "p90_ms", "min_ms", "max_ms"]
    w = [9, 4, 4, 10, 10, 9, 9]
    print(row(cols, w))
    stats = {}
    for srv in SERVERS + ("primary",):
        vals = data.get((item, srv, "ms"))
        if vals is None:
            if (item, srv, "na") in data:
                print(row([srv, "-", "-", "n/a", "n/a", "-", "-"], w))
                out.put(item, srv, "median_ms", "n/a")
            continue
        ok = [v for v in vals if v != math.inf]
        st = {"median": median(vals), "p90": pct(vals, 90), "min": min(vals), "max": max(vals)}
        stats[srv] = st
        label = srv if srv != "primary" else "commit"
        print(row([label, len(vals), len(ok), fmt(st["median"]), fmt(st["p90"]), fmt(st["min"]),
                   fmt(st["max"])], w))
        for k in ("median", "p90", "min", "max"):
            out.put(item, srv, k + "_ms", st[k])
        out.put(item, srv, "n", len(vals))
        out.put(item, srv, "timeouts", len(vals) - len(ok))
    ratios(item, stats, ("median", "p90"), out, "_ms")
    if note:
        print(note)
    return stats


def ratios(item, stats, keys, out, suffix=""):
    for ref in ("knot", "nsd"):
        if "dnsd" not in stats or ref not in stats:
            continue
        parts = []
        for k in keys:
            r = ratio(stats["dnsd"].get(k), stats[ref].get(k))
            out.put(item, "dnsd/" + ref, k + suffix, r)
            parts.append("%s %s" % (k, fmt(r, ".2f")))
        print("ratio dnsd/%-4s: %s" % (ref, ", ".join(parts)))


def single(data, item, srv, metric):
    v = data.get((item, srv, metric))
    return median(v) if v else None


def main():
    data, items = load(sys.argv[1])
    out = Out(sys.argv[2])
    if "prop" in items:
        latency_table("1. one-record change: primary commit -> secondary answers the new serial (ms)",
                      "prop", data, out,
                      "commit = the primary's `knotc zone-commit` itself (process start to exit); every time "
                      "counts from just before that command starts")
    if "catalog" in items:
        latency_table("2. catalog member added: catalog commit -> secondary answers the member's SOA (ms)",
                      "catalog", data, out,
                      "nsd: n/a (NSD 4.6 has no catalog zones)" if ("catalog", "nsd", "na") in data else "")
    if "big" in items:
        print("\n## 3. big zone: AXFR from secondary start, memory after it; 10-record IXFR (ms)")
        cols = ["server", "axfr_s", "own_log_s", "pss_MB", "cpu_s", "busy_after_s", "ixfr_med_ms", "ixfr_p90_ms",
                "ixfr_ok", "pss_after_ixfr_MB"]
        w = [9, 9, 10, 9, 8, 13, 12, 12, 8, 18]
        print(row(cols, w))
        stats = {}
        for srv in SERVERS:
            if not any(k[0] == "big" and k[1] == srv for k in data):
                continue
            ix = data.get(("big", srv, "ms"), [])
            st = {"axfr_s": single(data, "big", srv, "axfr_s"), "pss_mb": single(data, "big", srv, "pss_mb"),
                  "cpu_s": single(data, "big", srv, "cpu_s"), "ixfr_median": median(ix), "ixfr_p90": pct(ix, 90)}
            stats[srv] = st
            print(row([srv, fmt(st["axfr_s"], ".2f"), fmt(single(data, "big", srv, "self_xfr_s"), ".2f"),
                       fmt(st["pss_mb"]), fmt(st["cpu_s"], ".2f"),
                       fmt(single(data, "big", srv, "busy_after_s"), ".1f"),
                       fmt(st["ixfr_median"]), fmt(st["ixfr_p90"]),
                       "%d/%d" % (len([v for v in ix if v != math.inf]), len(ix)),
                       fmt(single(data, "big", srv, "pss_after_ixfr_mb"))], w))
            for k, v in st.items():
                out.put("big", srv, k + ("_ms" if k.startswith("ixfr") else ""), v)
            out.put("big", srv, "own_log_s", single(data, "big", srv, "self_xfr_s"))
            out.put("big", srv, "busy_after_s", single(data, "big", srv, "busy_after_s"))
            out.put("big", srv, "pss_after_ixfr_mb", single(data, "big", srv, "pss_after_ixfr_mb"))
        c = data.get(("big", "primary", "ms"), [])
        pl = single(data, "big", "primary", "load_s")
        print("primary: loaded the zone in %s s; commit of a 10-record change median %s ms, p90 %s ms" % (
            fmt(pl, ".2f"), fmt(median(c)), fmt(pct(c, 90))))
        out.put("big", "primary", "load_s", pl)
        out.put("big", "primary", "commit_median_ms", median(c))
        out.put("big", "primary", "commit_p90_ms", pct(c, 90))
        own = single(data, "big", "dnsd", "ixfr_own_med_ms")
        if own is not None:
            print("dnsd's own log: IXFR transfer + apply into the big zone, median %s ms, max %s ms" % (
                fmt(own, ".2f"), fmt(single(data, "big", "dnsd", "ixfr_own_max_ms"), ".2f")))
            out.put("big", "dnsd", "ixfr_own_med_ms", own)
            out.put("big", "dnsd", "ixfr_own_max_ms", single(data, "big", "dnsd", "ixfr_own_max_ms"))
        ratios("big", stats, ("axfr_s", "pss_mb", "cpu_s", "ixfr_median", "ixfr_p90"), out)
        print("axfr_s = secondary process start -> zone answered at its serial; own_log_s = the transfer time "
              "the server logs itself; pss = PSS of the process tree once CPU-idle after the transfer; cpu_s = "
              "CPU time used from start until idle (incl. writing its copy to disk); busy_after_s = how long it "
              "stayed busy after answering (zone file / state written)")
    if "many" in items:
        print("\n## 4. catalog with many zones: first start (primary up), restart from state (primary down)")
        cols = ["server", "first_s", "pss_MB", "cpu_s", "restart_s", "restart_pss_MB"]
        w = [9, 9, 9, 8, 10, 15]
        print(row(cols, w))
        stats = {}
        for srv in SERVERS:
            if not any(k[0] == "many" and k[1] == srv for k in data):
                continue
            st = {m: single(data, "many", srv, m) for m in ("first_s", "pss_mb", "cpu_s", "restart_s", "restart_pss_mb")}
            stats[srv] = st
            print(row([srv, fmt(st["first_s"], ".2f"), fmt(st["pss_mb"]), fmt(st["cpu_s"], ".2f"),
                       fmt(st["restart_s"], ".2f"), fmt(st["restart_pss_mb"])], w))
            for k, v in st.items():
                out.put("many", srv, k, v)
        pl = single(data, "many", "primary", "load_s")
        out.put("many", "primary", "load_s", pl)
        print("primary: loaded all zones in %s s" % fmt(pl, ".2f"))
        nw = single(data, "many", "nsd", "write_s")
        if nw is not None:
            out.put("many", "nsd", "write_s", nw)
            print("nsd: `nsd-control write` before the restart (NSD writes transferred zones to disk only "
                  "every zonefiles-write = 3600 s) took %.2f s" % nw)
        ratios("many", stats, ("first_s", "pss_mb", "cpu_s", "restart_s", "restart_pss_mb"), out)
        print("first_s / restart_s = process start -> every member zone answers its SOA at the serial; "
              "nsd has no catalog support and lists the zones in nsd.conf")
    for item in items:
        if not item.startswith("load-"):
            continue
        var = item[5:]
        print("\n## 5. dnsd UDP throughput while transferring (%s)" % var)
        cols = ["phase", "qps", "us/q", "dnsd_cpu%", "xfrs", "commits", "commit_ms", "prim_cpu%", "other_cpu%",
                "lost", "pss_MB", "qps_drop%", "us/q_rise%"]
        w = [8, 9, 7, 9, 6, 8, 9, 9, 10, 6, 7, 9, 10]
        print(row(cols, w))
        base_q = single(data, item, "base", "qps")
        base_u = single(data, item, "base", "us_per_q")
        for ph in ("base", "control", "churn"):
            q = single(data, item, ph, "qps")
            if q is None:
                continue
            u = single(data, item, ph, "us_per_q")
            drop = (1 - q / base_q) * 100 if base_q else None
            rise = (u / base_u - 1) * 100 if base_u and u is not None else None
            print(row([ph, fmt(q, ".0f"), fmt(u, ".2f"), fmt(single(data, item, ph, "dnsd_cpu_pct"), ".0f"),
                       fmt(single(data, item, ph, "transfers"), ".0f"), fmt(single(data, item, ph, "commits"), ".0f"),
                       fmt(single(data, item, ph, "commit_avg_ms")),
                       fmt(single(data, item, ph, "primary_cpu_pct"), ".0f"),
                       fmt(single(data, item, ph, "other_cpu_pct"), ".0f"), fmt(single(data, item, ph, "lost"), ".0f"),
                       fmt(single(data, item, ph, "pss_mb")), fmt(drop) if ph != "base" else "", fmt(rise) if ph != "base" else ""], w))
            for m in ("qps", "us_per_q", "dnsd_cpu_pct", "transfers", "commits", "commit_avg_ms", "primary_cpu_pct",
                      "other_cpu_pct", "lost", "pss_mb", "catch_up_s"):
                out.put(item, ph, m, single(data, item, ph, m))
            if ph != "base":
                out.put(item, ph, "qps_drop_pct", drop)
                out.put(item, ph, "us_per_q_rise_pct", rise)
        cq, cu_ = single(data, item, "control", "qps"), single(data, item, "control", "us_per_q")
        hq, hu = single(data, item, "churn", "qps"), single(data, item, "churn", "us_per_q")
        if cq and hq and cu_ and hu:
            d1, d2 = (1 - hq / cq) * 100, (hu / cu_ - 1) * 100
            out.put(item, "churn", "qps_drop_vs_control_pct", d1)
            out.put(item, "churn", "us_per_q_rise_vs_control_pct", d2)
            print("churn against control (same commit driver, only the transfers differ): qps drop %.1f%%, "
                  "us/q rise %.1f%%" % (d1, d2))
        noisy = [ph for ph in ("base", "control", "churn") if single(data, item, ph, "disturbed")]
        if noisy:
            print("WARNING: other processes used a lot of CPU during %s (other_cpu%%): these qps figures are "
                  "disturbed; rerun on an idle machine" % ", ".join(noisy))
        cu = single(data, item, "churn", "catch_up_s")
        if cu is not None:
            print("dnsd answered the serial of the last churn commit %.2f s after that commit started" % cu)
        print("base = no changes; control = a commit every 100 ms to a zone dnsd does not serve (for big: a "
              "copy of the big zone under another name), i.e. the cost of the primary and the commit driver on "
              "the generator's CPU; churn = a commit every 100 ms to the "
              "zone(s) dnsd serves. dnsd (all threads) on CPU 0, loadgen, primary and commit driver on CPU 1; "
              "us/q = dnsd CPU time (query workers + transfers + state writes) per answer; xfrs = dnsd's "
              "successful transfers during the measurement; other_cpu% = CPU 0+1 busy time of anything else "
              "(commit driver, knotc, other processes), in % of one CPU")


if __name__ == "__main__":
    main()
