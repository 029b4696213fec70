#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Tables, target verdicts and plots from the rows of `make bench`.

Usage: bench-report.py --csv FILE --arch ARCH --out PREFIX [--readme README]

Reads the CSV written by scripts/bench.sh (one row per iofd-bench line,
see tools/iofd-bench.c), prints the tables, writes PREFIX.md and, when
gnuplot is there, PREFIX-<plot>.png; with --readme, replaces the text
between "<!-- bench:begin -->" and "<!-- bench:end -->" in README.
Every comparison names the stacks and kernels it comes from: ratios
between our rows and debian-vfio / the pinning limit are same-kernel, the
upstream-6.12 rows are cross-kernel.
"""
import argparse
import csv
import os
import shutil
import subprocess
import sys

KIB = 1024
MIB = 1024 * KIB
GIB = 1024 * MIB


def size_name(n):
    for unit, div in (("G", GIB), ("M", MIB), ("K", KIB)):
        if n >= div and n % div == 0:
            return "%d%s" % (n // div, unit)
    return str(n)


def load(path):
    rows = []
    with open(path, newline="") as f:
        for r in csv.DictReader(f):
            for k in ("size", "reps", "median_ns", "min_ns", "max_ns", "pages"):
                r[k] = int(r[k])
            rows.append(r)
    return rows


class Rows:
    def __init__(self, rows):
        self.rows = rows

    def get(self, stack, group, target, backing, size):
        for r in self.rows:
            if (r["stack"], r["group"], r["target"], r["backing"], r["size"]) == \
                    (stack, group, target, backing, size):
                return r
        return None

    def sizes(self, group, backing):
        return sorted({r["size"] for r in self.rows
                       if r["group"] == group and r["backing"] == backing})

    def kernel(self, stack):
        for r in self.rows:
            if r["stack"] == stack:
                return r["kernel"]
        return None


def us_page(r):
    return r["median_ns"] / 1000.0 / r["pages"] if r and r["pages"] else None


def gib_s(r):
    return r["size"] / r["median_ns"] * 1e9 / GIB if r else None


def fmt(v, digits=3):
    if v is None:
        return "–"
    if v >= 100:
        return "%.0f" % v
    return ("%%.%dg" % digits) % v


def spread(r):
    return "%s–%s" % (fmt(r["min_ns"] / 1000.0 / r["pages"]),
                      fmt(r["max_ns"] / 1000.0 / r["pages"])) if r else "–"


def map_table(R, title, cols, backing, out):
    """µs per 4K page (median, min–max) of the map group for @cols."""
    sizes = R.sizes("map", backing)
    if not sizes:
        return
    head = ["size"] + ["%s (µs/page)" % c[0] for c in cols]
    ratio_cols = [c for c in cols if c[3]]
    head += ["speedup vs %s" % c[0] for c in ratio_cols]
    out.append("\n**%s, %s-backed**: µs per 4 KiB page for MAP + UNMAP "
               "(median of the repetitions; min–max); speedup = their time ÷ ours\n"
               % (title, backing))
    out.append("| " + " | ".join(head) + " |")
    out.append("|" + "---|" * len(head))
    for s in sizes:
        cells = [size_name(s)]
        vals = []
        for _, stack, target, _ in cols:
            r = R.get(stack, "map", target, backing, s)
            vals.append(us_page(r))
            cells.append("%s (%s)" % (fmt(us_page(r)), spread(r)) if r else "–")
        base = vals[0]
        for c in ratio_cols:
            v = vals[cols.index(c)]
            # speedup of the first column over the other (higher = we win)
            cells.append("%s×" % fmt(v / base, 2) if base and v else "–")
        out.append("| " + " | ".join(cells) + " |")


def largest_common(R, backing, pairs):
    common = None
    for stack, target in pairs:
        got = {r["size"] for r in R.rows if r["group"] == "map"
               and r["backing"] == backing and r["stack"] == stack
               and r["target"] == target}
        common = got if common is None else common & got
    return max(common) if common else None


def targets(R, dev, out):
    """The issue's targets: (name, value text, met?) per measurable one."""
    res = []

    def ratio_target(name, backing, a, b, want):
        size = largest_common(R, backing, [a, b])
        if size is None:
            res.append((name, "not measured (no %s rows in this run%s)" % (
                b[0], "; the upstream anchor is x86_64 only" if "upstream" in b[0] else ""),
                None))
            return
        ra = R.get(a[0], "map", a[1], backing, size)
        rb = R.get(b[0], "map", b[1], backing, size)
        ratio = rb["median_ns"] / ra["median_ns"]
        res.append((name, "%s× at %s (%s vs %s µs/page)" % (
            fmt(ratio, 3), size_name(size), fmt(us_page(ra)), fmt(us_page(rb))),
            ratio >= want))

    ratio_target("%s paging map+unmap 4K-backed ≥ 1.5× VFIO type1" % dev, "4k",
                 ("ours", dev), ("debian-vfio", "vfio"), 1.5)
    ratio_target("%s paging map+unmap THP-backed ≥ 20× VFIO type1" % dev, "thp",
                 ("ours", dev), ("debian-vfio", "vfio"), 20)
    ratio_target("mock domain map+unmap ≥ 1.5× upstream (4K-backed; cross-kernel)",
                 "4k", ("ours", "mock"), ("upstream-6.12", "mock"), 1.5)

    def one(stack, group, size, target="mock"):
        for r in R.rows:
            if (r["stack"], r["group"], r["size"], r["target"]) == \
                    (stack, group, size, target):
                return r
        return None

    mem = [r for r in R.rows if r["group"] == "mem"]
    ours = [r for r in mem if r["stack"] == "ours"]
    up = [r for r in mem if r["stack"] == "upstream-6.12"]
    if ours and up:
        a, b = ours[0]["median_ns"] / 1000.0, up[0]["median_ns"] / 1000.0
        res.append(("memory per pinned 4K page ≤ upstream (cross-kernel)",
                    "%s B vs %s B" % (fmt(a), fmt(b)), a <= b))
    else:
        res.append(("memory per pinned 4K page ≤ upstream",
                    "not measured (no upstream rows; the upstream anchor is x86_64 only)",
                    None))
    s1, s100k = one("ours", "scale", 1), one("ours", "scale", 100000)
    if s1 and s100k:
        q = s100k["median_ns"] / s1["median_ns"]
        res.append(("scale: latency at 100 000 areas ≤ 2× at 1 area",
                    "%s× (%s µs vs %s µs)" % (fmt(q), fmt(s100k["median_ns"] / 1000.0),
                                             fmt(s1["median_ns"] / 1000.0)), q <= 2))
    i1, i1024 = one("ours", "inval", 1), one("ours", "inval", 1024)
    if i1 and i1024:
        per_entry = i1024["median_ns"] / 1024.0
        res.append(("invalidation: per-entry cost at batch 1024 ≤ 1/10 per-call at 1",
                    "%s ns vs %s ns / 10" % (fmt(per_entry), fmt(i1["median_ns"])),
                    per_entry <= i1["median_ns"] / 10.0))
    t1, t2 = one("ours", "threads", 1), one("ours", "threads", 2)
    if t1 and t2:
        q = t1["median_ns"] / t2["median_ns"]
        res.append(("2 threads ≥ 1.7× one thread", "%s×" % fmt(q), q >= 1.7))
    out.append("\n**Targets** (issue 10)\n")
    out.append("| target | measured | verdict |")
    out.append("|---|---|---|")
    for name, val, ok in res:
        out.append("| %s | %s | %s |" % (name, val,
                                        "not measured" if ok is None else
                                        ("met" if ok else "**missed**")))
    return res


def simple_tables(R, out):
    stacks = [s for s in ("ours", "upstream-6.12") if R.kernel(s)]

    def table(title, group, unit_fn, unit, key="size", key_fmt=str, target="mock"):
        keys = sorted({r[key] for r in R.rows if r["group"] == group
                       and r["target"] == target})
        if not keys:
            return
        out.append("\n**%s** (%s)\n" % (title, unit))
        out.append("| %s | " % key_name[group] + " | ".join(stacks) + " |")
        out.append("|" + "---|" * (len(stacks) + 1))
        for k in keys:
            cells = [key_fmt(k)]
            for s in stacks:
                r = [x for x in R.rows if x["group"] == group and x["stack"] == s
                     and x[key] == k and x["target"] == target]
                cells.append(fmt(unit_fn(r[0])) if r else "–")
            out.append("| " + " | ".join(cells) + " |")

    key_name = {"copy": "bytes", "scale": "existing areas", "mem": "buffer",
                "inval": "entries (mock) / guest PTEs (shadow) per call",
                "threads": "threads"}
    table("IOAS_COPY + UNMAP into a second IOAS with a mock domain", "copy",
          us_page, "µs per 4 KiB page", key_fmt=size_name)
    table("MAP + UNMAP of one 4 KiB page vs areas already in the IOAS", "scale",
          lambda r: r["median_ns"] / 1000.0, "µs per operation")
    table("Kernel memory per pinned 4 KiB page (slab objects + pages the "
          "kernel allocated, mock domain)",
          "mem", lambda r: r["median_ns"] / 1000.0, "bytes", key_fmt=size_name)
    table("HWPT_INVALIDATE on a nested mock HWPT", "inval",
          lambda r: r["median_ns"] / 1000.0, "µs per call")
    for dev in ("vtd", "smmuv3"):
        table("HWPT_INVALIDATE on a nested %s HWPT after the guest changed N "
              "PTEs (shadow resync; edu attached)" % dev, "inval",
              lambda r: r["median_ns"] / 1000.0, "µs per call", target=dev)
    table("Same work (16 × MAP+UNMAP of 64 MiB) on 1 or 2 threads, 2 IOASes",
          "threads", lambda r: r["median_ns"] / 1e6, "ms")


def plots(R, prefix, dev):
    gp = shutil.which("gnuplot")
    if not gp:
        print("bench-report: no gnuplot, no plots", file=sys.stderr)
        return []
    made = []
    term = "pngcairo" if subprocess.run([gp, "-e", "set terminal pngcairo"],
                                        capture_output=True).returncode == 0 else "png"
    series_sets = {
        "dev": [("ours %s" % dev, "ours", dev), ("VFIO type1 (Debian 6.1)", "debian-vfio", "vfio"),
                ("pin limit", "ours", "pin"), ("upstream 6.12 %s" % dev, "upstream-6.12", dev)],
        "mock": [("ours mock", "ours", "mock"), ("upstream 6.12 mock", "upstream-6.12", "mock"),
                 ("pin limit", "ours", "pin")],
    }
    for name, series in series_sets.items():
        for backing in ("4k", "thp", "hugetlb"):
            datafiles = []
            points = {}
            for label, stack, target in series:
                pts = sorted((r["size"], gib_s(r)) for r in R.rows
                             if r["group"] == "map" and r["stack"] == stack
                             and r["target"] == target and r["backing"] == backing)
                if not pts:
                    continue
                fn = "%s-%s-%s-%d.dat" % (prefix, name, backing, len(datafiles))
                with open(fn, "w") as f:
                    for s, v in pts:
                        f.write("%d %g\n" % (s, v))
                datafiles.append((fn, label))
                points[fn] = pts
            if len(datafiles) < 2:
                for fn, _ in datafiles:
                    os.unlink(fn)
                continue
            png = "%s-%s-%s.png" % (prefix, name, backing)
            script = [
                "set terminal %s size 800,480" % term,
                "set output '%s'" % png,
                "set logscale x 2", "set logscale y 10",
                "set xtics (%s)" % ", ".join("'%s' %d" % (size_name(x), x) for x in
                                             sorted({p[0] for fn, _ in datafiles
                                                     for p in points[fn]})),
                "set xrange [3000:1.5e9]", "set xlabel 'buffer size'", "set ylabel 'GiB/s (MAP+UNMAP)'",
                "set key left top", "set grid",
                "set title '%s, %s-backed (higher is better)'" % (
                    "edu on %s" % dev if name == "dev" else "mock domain", backing),
                "plot " + ", ".join("'%s' using 1:2 with linespoints title '%s'" % (fn, lab)
                                    for fn, lab in datafiles),
            ]
            subprocess.run([gp], input="\n".join(script), text=True, check=True)
            for fn, _ in datafiles:
                os.unlink(fn)
            made.append(png)
    return made


def summary(R, dev, arch, md_rel, pngs, base, res):
    """The README's part: headline rows at the largest size, targets, plots."""
    out = []
    cols = [("ours", "ours", dev), ("VFIO type1", "debian-vfio", "vfio"),
            ("pin limit", "ours", "pin"), ("upstream 6.12", "upstream-6.12", dev),
            ("ours mock", "ours", "mock"), ("upstream 6.12 mock", "upstream-6.12", "mock")]
    cols = [c for c in cols if any(r["stack"] == c[1] and r["target"] == c[2]
                                   for r in R.rows)]
    out.append("| %s, MAP+UNMAP, µs per 4 KiB page | " % arch +
               " | ".join(c[0] for c in cols) + " |")
    out.append("|" + "---|" * (len(cols) + 1))
    for backing in ("4k", "thp", "hugetlb"):
        cells = ["%s-backed, %s" % (backing, size_name(GIB))]
        for _, stack, target in cols:
            r = R.get(stack, "map", target, backing, GIB)
            cells.append(fmt(us_page(r)) if r else "–")
        out.append("| " + " | ".join(cells) + " |")
    out.append("")
    out.append("| target | measured | verdict |")
    out.append("|---|---|---|")
    for name, val, ok in res:
        out.append("| %s | %s | %s |" % (name, val, "not measured" if ok is None else
                                        ("met" if ok else "**missed**")))
    out.append("")
    kernels = ", ".join("%s %s" % (s, R.kernel(s)) for s in
                        ("ours", "debian-vfio", "upstream-6.12") if R.kernel(s))
    out.append("Kernels: %s. All rows (sizes 4 KiB–1 GiB, copy, scale, memory, "
               "invalidation, threads): [%s](%s)." % (kernels, os.path.basename(md_rel), md_rel))
    for p in pngs:
        if p.endswith("-dev-4k.png") or p.endswith("-dev-thp.png"):
            out.append("")
            out.append("![%s](%s)" % (os.path.basename(p), os.path.relpath(p, base)))
    return "\n".join(out) + "\n"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--csv", required=True)
    ap.add_argument("--arch", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--readme")
    a = ap.parse_args()
    R = Rows(load(a.csv))
    dev = "smmuv3" if a.arch == "arm64" else "vtd"
    out = []
    kernels = ", ".join("%s = %s" % (s, R.kernel(s)) for s in
                        ("ours", "debian-vfio", "upstream-6.12") if R.kernel(s))
    out.append("Run %s on %s (TCG guests, 4 GiB, 2 vCPUs); kernels: %s. "
               "Rows from `%s`." % (os.path.basename(a.out), a.arch, kernels,
                                   os.path.relpath(a.csv, os.path.dirname(a.readme))
                                   if a.readme else a.csv))
    for backing in ("4k", "thp", "hugetlb"):
        map_table(R, "edu on %s (same kernel: ours vs VFIO type1 vs pinning limit)" % dev,
                  [("ours", "ours", dev, False), ("VFIO type1", "debian-vfio", "vfio", True),
                   ("pin limit", "ours", "pin", True),
                   ("upstream 6.12", "upstream-6.12", dev, True)], backing, out)
    for backing in ("4k", "thp", "hugetlb"):
        map_table(R, "mock domain (ours vs upstream 6.12: cross-kernel)",
                  [("ours", "ours", "mock", False), ("upstream 6.12", "upstream-6.12", "mock", True)],
                  backing, out)
    simple_tables(R, out)
    res = targets(R, dev, out)
    pngs = plots(R, a.out, dev)
    base = os.path.dirname(a.readme) if a.readme else os.path.dirname(a.out)
    if pngs:
        out.append("")
        for p in pngs:
            out.append("![%s](%s)" % (os.path.basename(p), os.path.relpath(p, base)))
    text = "\n".join(out) + "\n"
    with open(a.out + ".md", "w") as f:
        f.write(text)
    print(text)
    if a.readme:
        with open(a.readme) as f:
            readme = f.read()
        md_rel = os.path.relpath(a.out + ".md", base)
        short = summary(R, dev, a.arch, md_rel, pngs, base, res)
        b, e = "<!-- bench:%s:begin -->" % a.arch, "<!-- bench:%s:end -->" % a.arch
        if b in readme and e in readme:
            head, rest = readme.split(b, 1)
            _, tail = rest.split(e, 1)
            with open(a.readme, "w") as f:
                f.write(head + b + "\n" + short + e + tail)
        else:
            print("bench-report: no %s ... %s markers in %s; not updated" % (b, e, a.readme),
                  file=sys.stderr)


if __name__ == "__main__":
    main()
