#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""KTAP/TAP parser, guest log checker and result totals for iofd-oot.

Results of one run accumulate in a JSON-lines file (one record per test case
or check: group, name, status pass|fail|skip, reason). Sub-commands:

  ktap.py ktap FILE --group NAME [--rc N] --results R.jsonl
      Parse KTAP (KUnit, nested) or TAP 13 (kselftest_harness) from FILE.
      Leaf test cases are counted (parameterised cases: each parameter); a
      plan that promised more results than were printed counts the missing
      ones as failed; --rc is the producer's exit status.

  ktap.py guest --run-dir DIR [--manifest M] [--demo] [--group G] --results R.jsonl
      Parse a guest run: DIR/tests.log (the test channel, framed by
      guest-init.sh), DIR/console.log (kernel log: splat scan),
      DIR/qemu-status. --demo: the program is judged by its exit status (it
      prints no TAP). --group: group name of the records instead of "guest"
      (the arm64 guest's are guest-arm64).

  ktap.py check NAME pass|fail|skip [--reason TEXT] [--group G] --results R.jsonl
      Record one check (e.g. "build modules").

  ktap.py total --results R.jsonl
      Print the failures again and the closing line, alone and last:
      "N passed, N failed" (+ ", N skipped" when any). Exit status 1 when
      anything failed or nothing ran at all.

Lines meant for humans never have the closing line's shape, so the last
line of a run is the only one a CI reader can take for the totals.
"""

import argparse
import json
import os
import re
import sys

# --------------------------------------------------------------- records --


def append_records(path, records):
    with open(path, "a", encoding="utf-8") as f:
        for r in records:
            f.write(json.dumps(r) + "\n")


def load_records(path):
    out = []
    if not os.path.exists(path):
        return out
    with open(path, encoding="utf-8") as f:
        for line in f:
            line = line.strip()
            if line:
                out.append(json.loads(line))
    return out


def rec(group, name, status, reason=""):
    return {"group": group, "name": name, "status": status, "reason": reason}


def tally(records):
    c = {"pass": 0, "fail": 0, "skip": 0}
    for r in records:
        c[r["status"]] += 1
    return c


def describe_counts(c):
    # Deliberately not the "N passed, N failed" shape (see module doc).
    return f"{c['pass']} ok, {c['fail']} not ok, {c['skip']} skip"


# ------------------------------------------------------------------ KTAP --

RESULT_RE = re.compile(r"^(not ok|ok)\b\s*(\d+)?\s*(?:-\s*)?(.*)$")
PLAN_RE = re.compile(r"^1\.\.(\d+)\s*(?:#\s*(.*))?$")
VERSION_RE = re.compile(r"^K?TAP version \d+")
SUBTEST_RE = re.compile(r"^#\s*Subtest:\s*(.*)$")
DIRECTIVE_RE = re.compile(r"^(.*?)\s*(?:#\s*(.*))?$")


def result_status(ok, directive):
    d = (directive or "").strip().upper()
    if d.startswith("SKIP") or d.startswith("TODO"):
        return "skip"
    if d.startswith("XFAIL"):
        return "pass"
    if d.startswith("XPASS"):
        return "fail"
    return "pass" if ok else "fail"


class Ktap:
    """Streaming KTAP/TAP parser counting leaf results.

    Nesting is by indentation (KUnit indents subtests by 4 spaces). A result
    line closes every deeper level: if any results were printed at a deeper
    level it is a parent (suite, or a parameterised case) and is not counted
    itself, its children were. A parent that failed while none of its
    children did (e.g. a suite_init failure after cases ran) counts as one
    extra failure so that it is not lost.
    """

    def __init__(self, group, root=None):
        self.group = group
        self.root = root or group  # names the top level in messages
        self.counts = {}  # indentation width -> results seen at that level
        self.plans = {}  # indentation width -> planned count
        self.names = {}  # indentation width -> "# Subtest:" name
        self.child_failed = {}  # width -> a failure was seen below
        self.records = []
        self.missing = []  # human-readable notes about short plans
        self.comments = []  # recent "# ..." lines (reasons for failures)
        self.prefix_len = None  # strip e.g. kernel timestamps (as kunit.py)
        self.saw_tap = False

    def _prefix(self, width):
        parts = [self.names[w] for w in sorted(self.names) if w <= width]
        return ".".join(p for p in parts if p)

    def _close_deeper(self, width):
        """Close levels deeper than width; return (children, any_failed)."""
        children = 0
        failed = False
        for w in sorted([w for w in self.counts if w > width]):
            got = self.counts.pop(w)
            children += got
            planned = self.plans.pop(w, None)
            if planned is not None and got < planned:
                self._add_missing(w, planned, got)
                failed = True
            failed = failed or self.child_failed.pop(w, False)
        for d in (self.plans, self.names, self.child_failed):
            for w in [w for w in d if w > width]:
                d.pop(w)
        return children, failed

    def _add_missing(self, width, planned, got):
        where = self._prefix(width) or self.root
        note = f"{where}: plan 1..{planned} but only {got} results"
        self.missing.append(note)
        for i in range(got + 1, planned + 1):
            self.records.append(rec(self.group, f"{where}: result {i} of {planned} missing", "fail", note))

    def feed(self, raw):
        line = raw.rstrip("\r\n")
        if self.prefix_len is None:
            # Like kunit.py: nothing before the first version line is TAP
            # (build chatter), and whatever precedes "KTAP version" on that
            # line (a timestamp) is stripped from every later line.
            m = re.search(r"K?TAP version \d+", line)
            if not m:
                return
            self.prefix_len = m.start()
        if self.prefix_len:
            line = line[self.prefix_len:]
        body = line.lstrip(" \t")
        width = len(line) - len(body)

        if VERSION_RE.match(body):
            self.saw_tap = True
            return
        m = PLAN_RE.match(body)
        if m:
            self.saw_tap = True
            n = int(m.group(1))
            self.plans[width] = n
            self.counts.setdefault(width, 0)
            if n == 0 and (m.group(2) or "").upper().startswith("SKIP"):
                name = self._prefix(width) or self.root
                self.records.append(rec(self.group, name, "skip", m.group(2)))
            return
        m = SUBTEST_RE.match(body)
        if m:
            self.names[width] = m.group(1).strip()
            return
        m = RESULT_RE.match(body)
        if m:
            self.saw_tap = True
            self._result(width, m.group(1) == "ok", m.group(3))
            return
        if body.startswith("#"):
            c = body.lstrip("# ").strip()
            # The harness's own progress lines carry no reason.
            if c and not re.match(r"^(RUN|OK|FAIL|SKIP|PASSED|FAILED|Totals|Starting)\b", c):
                self.comments = (self.comments + [c])[-3:]

    def _result(self, width, ok, rest):
        m = DIRECTIVE_RE.match(rest)
        name, directive = m.group(1).strip(), m.group(2)
        status = result_status(ok, directive)
        children, child_failed = self._close_deeper(width)
        full = ".".join(p for p in (self._prefix(width), name) if p) or "(unnamed)"
        if children:
            # A parent: its leaves were counted already.
            if status == "fail" and not child_failed:
                self.records.append(rec(self.group, full, "fail",
                                        "reported failed although all its subtests passed"))
        else:
            reason = directive or ""
            if status == "fail" and self.comments:
                reason = " | ".join(self.comments)
            self.records.append(rec(self.group, full, status, reason))
        if status == "fail":
            self.child_failed[width] = True
        self.counts[width] = self.counts.get(width, 0) + 1
        self.comments = []

    def finish(self):
        self._close_deeper(-1)
        return self.records


def parse_ktap_lines(lines, group, root=None):
    p = Ktap(group, root)
    for line in lines:
        p.feed(line)
    p.finish()
    return p


# ------------------------------------------------------------ guest logs --

SPLAT_PATTERNS = [
    r"WARNING:", r"BUG:", r"\bOops\b", r"KASAN", r"UBSAN", r"lockdep",
    r"possible circular locking", r"possible recursive locking", r"kmemleak",
    r"refcount_t", r"general protection fault", r"Call Trace:", r"Kernel panic",
    r"kernel BUG at", r"INFO: task .* blocked for more than",
    r"rcu: INFO: .* detected stalls?", r"list_(add|del) corruption",
    r"Unable to handle kernel", r"stack-protector",
]
SPLAT_RE = re.compile("|".join(f"(?:{p})" for p in SPLAT_PATTERNS))

# Boot banners of the debug kernel that match a pattern above but report
# nothing: the detectors announcing themselves.
BENIGN_PATTERNS = [
    r"rcu:\s+RCU lockdep checking is enabled\.",
    r"kmemleak: Kernel memory leak detector initialized",
    r"kmemleak: Automatic memory scanning thread",
]
BENIGN_RE = re.compile("|".join(f"(?:{p})" for p in BENIGN_PATTERNS))

# Taint bits allowed after loading our modules: O (out-of-tree, 12),
# E (unsigned, 13), N (test module, e.g. KUnit, 18).
TAINT_ALLOWED = (1 << 12) | (1 << 13) | (1 << 18)
TAINT_LETTERS = "PFSRMBUDAWCIOELKXTN"


def taint_letters(mask):
    return "".join(TAINT_LETTERS[i] for i in range(len(TAINT_LETTERS)) if mask >> i & 1) or "-"


def read_lines(path):
    try:
        with open(path, encoding="utf-8", errors="replace") as f:
            return f.read().replace("\r\n", "\n").replace("\r", "\n").split("\n")
    except FileNotFoundError:
        return []


def scan_console(path):
    """Splat lines in the kernel log, each with the test binary running then."""
    hits = []
    current = "boot"
    for line in read_lines(path):
        m = re.search(r"iofd-init: (BEGIN|END) (\S+)", line)
        if m:
            current = m.group(2) if m.group(1) == "BEGIN" else f"after {m.group(2)}"
            continue
        if "iofd-init:" in line:
            if "mode=" in line:
                current = "insmod"
            elif "done" in line:
                current = "teardown (rmmod)"
            elif "modules loaded" in line:
                current = "after insmod"
            continue
        if SPLAT_RE.search(line) and not BENIGN_RE.search(line):
            hits.append((current, line.strip()))
    return hits


def last_console_hint(path):
    """A line saying why the guest stopped (panic, ...) or the last line."""
    lines = [l for l in read_lines(path) if l.strip()]
    for l in reversed(lines):
        if "Kernel panic" in l or "BUG:" in l or "Oops" in l:
            return l.strip()
    return lines[-1].strip() if lines else "(console.log is empty)"


def read_manifest(path):
    man = {"module": [], "test": [], "tool": [], "kmod": [], "unusable": [], "mode": ["check"]}
    for line in read_lines(path):
        kind, _, value = line.strip().partition(" ")
        if kind in man and value:
            if kind == "mode":
                man["mode"] = [value]
            else:
                man[kind].append(value)
    return man


def binary_records(name, lines, rc, secs, timed_out):
    """Records for one test binary from its TAP output and exit status."""
    group = f"guest/{name}"
    p = parse_ktap_lines(lines, group, name)
    records = list(p.records)
    notes = list(p.missing)
    counted_fail = any(r["status"] == "fail" for r in records)

    # An abnormal end explains missing results; it is one extra failure
    # only when nothing was missing (e.g. a crash after the last result).
    def abnormal(why, label):
        notes.append(why)
        if p.missing:
            for r in records:
                if r["reason"] in p.missing:
                    r["reason"] += f"; {why}"
        else:
            records.append(rec(group, f"{name} ({label})", "fail", why))

    if rc is None:
        abnormal("never printed IOFD-EXIT: the guest died or hung while it ran (see console.log)",
                 "did not finish")
    elif timed_out:
        abnormal(f"killed by the guest's per-binary timeout after {secs}s", "timeout")
    elif rc >= 128:
        abnormal(f"killed by signal {rc - 128} (exit status {rc})", "crashed")
    elif not p.saw_tap and not records:
        if rc == 4:  # KSFT_SKIP
            records.append(rec(group, name, "skip", "exited with KSFT_SKIP, no TAP"))
        else:
            why = f"printed no TAP output (exit status {rc})"
            notes.append(why)
            records.append(rec(group, name, "fail", why))
    elif rc not in (0, 4) and not counted_fail:
        why = f"exit status {rc} but no failed test reported"
        notes.append(why)
        records.append(rec(group, f"{name} (exit status)", "fail", why))
    return records, notes


def parse_guest(run_dir, manifest_path, demo=False):
    tests_log = os.path.join(run_dir, "tests.log")
    console_log = os.path.join(run_dir, "console.log")
    man = read_manifest(manifest_path) if manifest_path else read_manifest("")
    try:
        with open(os.path.join(run_dir, "qemu-status")) as f:
            qemu_status = int(f.read().strip() or "0")
    except (FileNotFoundError, ValueError):
        qemu_status = None

    records = []
    out = []  # human lines
    checks = []  # guest-level check records
    binaries = []  # (name, lines, rc, secs, timed_out)
    current = None
    taints = []
    done = False
    boot_seen = False
    stuck = {}  # "pid:comm" -> [description, kernel stack frames]
    last_stuck = None

    for line in read_lines(tests_log):
        if current is not None:
            m = re.match(r"^# IOFD-EXIT (\S+) (-?\d+)(?: (\d+))?", line)
            if m and m.group(1) == current[0]:
                current[2] = int(m.group(2))
                current[3] = int(m.group(3) or 0)
                binaries.append(current)
                current = None
                continue
            m = re.match(r"^# IOFD-TIMEOUT (\S+)", line)
            if m and m.group(1) == current[0]:
                current[4] = True
                continue
            if line.startswith("# IOFD-BINARY "):
                binaries.append(current)  # previous one never exited
                current = None
            else:
                current[1].append(line)
                continue
        m = re.match(r"^# IOFD-BINARY (\S+)", line)
        if m:
            current = [m.group(1), [], None, 0, False]
            continue
        if line.startswith("# IOFD-BOOT"):
            boot_seen = True
            continue
        m = re.match(r"^# IOFD-TAINT (\d+)", line)
        if m:
            taints.append(int(m.group(1)))
            continue
        if line.startswith("# IOFD-DONE"):
            done = True
            continue
        m = re.match(r"^# IOFD-STUCK (\S+) (.*)$", line)
        if m:
            last_stuck = m.group(1)
            stuck[last_stuck] = [m.group(2), []]
            continue
        m = re.match(r"^#\s+\[<[0-9a-f]+>\] (\S+)", line)
        if m and last_stuck:
            stuck[last_stuck][1].append(m.group(1))
            continue
        m = re.match(r"^(not ok|ok) - (.*)$", line)
        if m:
            name, _, reason = m.group(2).partition(": ")
            status = "pass" if m.group(1) == "ok" else "fail"
            checks.append(rec("guest", name.strip(), status, reason.strip()))
    if current is not None:
        binaries.append(current)

    # Strays that SIGKILL could not end: say where they are stuck.
    for c in checks:
        if c["name"].startswith("no stray processes"):
            for p, (desc, frames) in stuck.items():
                if p in c["reason"].split():
                    where = " <- ".join(frames[:4]) or desc
                    c["reason"] += f"; {p} stuck in the kernel at {where}"

    # Test binaries.
    ran = set()
    for name, lines, rc, secs, timed_out in binaries:
        ran.add(name)
        if demo:
            # The demo program prints no TAP: judge it by its exit status.
            ok = rc == 0
            why = "" if ok else ("did not finish" if rc is None else f"exit status {rc}")
            records.append(rec(f"guest/{name}", name, "pass" if ok else "fail", why))
            out.append(f"  {'ok    ' if ok else 'NOT OK'} {name}" + (f": {why}" if why else ""))
            continue
        recs, notes = binary_records(name, lines, rc, secs, timed_out)
        records.extend(recs)
        c = tally(recs)
        verdict = "FAIL" if c["fail"] else ("SKIP" if not c["pass"] and c["skip"] else "PASS")
        t = f", {secs}s" if rc is not None else ""
        out.append(f"  {verdict:4} {name}  ({describe_counts(c)}{t})")
        for n in notes:
            out.append(f"         ! {n}")
        for r in recs:
            if r["status"] == "fail":
                out.append(f"         not ok: {r['name']}" + (f"  [{r['reason']}]" if r["reason"] else ""))
    for entry in man["unusable"]:
        name, _, why = entry.partition(" ")
        records.append(rec(f"guest/{name}", f"{name} (not in the guest)", "fail", why))
        out.append(f"  FAIL {name}  ({why})")
    for name in man["test"]:
        if name not in ran:
            why = "never started (the guest stopped before it)"
            records.append(rec(f"guest/{name}", f"{name} (not run)", "fail", why))
            out.append(f"  FAIL {name}  ({why})")

    # Guest-level checks.
    if done:
        checks.append(rec("guest", "guest booted and reached IOFD-DONE", "pass"))
    else:
        if qemu_status == 124:
            why = "guest killed by the host timeout (hung)"
        elif not boot_seen:
            why = "init never reported (kernel did not reach /init?)"
        else:
            why = "guest stopped early"
        why += f"; qemu status {qemu_status}; console: {last_console_hint(console_log)}"
        checks.append(rec("guest", "guest booted and reached IOFD-DONE", "fail", why))
        # Keep the number of checks stable: modules never unloaded.
        unloaded = {c["name"] for c in checks if c["name"].startswith("rmmod ")}
        for ko in man["module"]:
            mod = "rmmod " + ko[:-3].replace("-", "_") if ko.endswith(".ko") else "rmmod " + ko
            if mod not in unloaded:
                checks.append(rec("guest", mod, "fail", "not reached"))

    hits = scan_console(console_log)
    if hits:
        shown = "; ".join(f"[{where}] {line}" for where, line in hits[:5])
        more = f" (+{len(hits) - 5} more)" if len(hits) > 5 else ""
        checks.append(rec("guest", "no splat in guest log", "fail", shown + more))
    else:
        checks.append(rec("guest", "no splat in guest log", "pass"))

    if taints:
        t = taints[-1]
        bad = t & ~TAINT_ALLOWED
        if bad:
            checks.append(rec("guest", "taint clean", "fail",
                              f"tainted={t} ({taint_letters(t)}); not allowed: {taint_letters(bad)}"))
        else:
            checks.append(rec("guest", "taint clean", "pass", f"tainted={t} ({taint_letters(t)})"))
    else:
        checks.append(rec("guest", "taint clean", "fail", "the guest never reported its taint"))

    for c in checks:
        word = "ok    " if c["status"] == "pass" else "NOT OK"
        line = f"  {word} {c['name']}"
        if c["status"] != "pass" and c["reason"]:
            line += f": {c['reason']}"
        out.append(line)
    return records + checks, out


# ------------------------------------------------------------------- CLI --


def cmd_ktap(a):
    lines = read_lines(a.file)
    p = parse_ktap_lines(lines, a.group)
    records = list(p.records)
    notes = list(p.missing)
    if not p.saw_tap or not records:
        why = f"no KTAP results in {a.file}"
        notes.append(why)
        records.append(rec(a.group, f"{a.group} (no results)", "fail", why))
    elif a.rc is not None and a.rc != 0 and not any(r["status"] == "fail" for r in records):
        why = f"exit status {a.rc} but no failed test reported"
        notes.append(why)
        records.append(rec(a.group, f"{a.group} (exit status)", "fail", why))
    append_records(a.results, records)
    c = tally(records)
    verdict = "FAIL" if c["fail"] else "PASS"
    print(f"  {verdict:4} {a.group}  ({describe_counts(c)})")
    for n in notes:
        print(f"         ! {n}")
    for r in records:
        if r["status"] == "fail":
            print(f"         not ok: {r['name']}" + (f"  [{r['reason']}]" if r["reason"] else ""))
    return 0


def cmd_guest(a):
    records, out = parse_guest(a.run_dir, a.manifest, a.demo)
    # Another guest's results (arm64) under their own group names, so the
    # failure list says which guest failed.
    if a.group != "guest":
        for r in records:
            r["group"] = a.group + r["group"][len("guest"):]
    append_records(a.results, records)
    for line in out:
        print(line)
    return 0


def cmd_check(a):
    status = {"pass": "pass", "ok": "pass", "fail": "fail", "skip": "skip"}[a.status]
    append_records(a.results, [rec(a.group, a.name, status, a.reason or "")])
    word = {"pass": "ok    ", "fail": "NOT OK", "skip": "skip  "}[status]
    print(f"  {word} {a.name}" + (f": {a.reason}" if a.reason and status != "pass" else ""))
    return 0


def cmd_total(a):
    records = load_records(a.results)
    c = tally(records)
    fails = [r for r in records if r["status"] == "fail"]
    if fails:
        print(f"FAILED ({len(fails)}):")
        for r in fails:
            print(f"  {r['group']}: {r['name']}" + (f"  [{r['reason']}]" if r["reason"] else ""))
    total = c["pass"] + c["fail"] + c["skip"]
    line = f"{c['pass']} passed, {c['fail']} failed"
    if c["skip"]:
        line += f", {c['skip']} skipped"
    if total == 0:
        print("no test ran", file=sys.stderr)
    sys.stdout.flush()
    print(line)
    return 1 if c["fail"] or total == 0 else 0


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = ap.add_subparsers(dest="cmd", required=True)

    p = sub.add_parser("ktap")
    p.add_argument("file")
    p.add_argument("--group", required=True)
    p.add_argument("--rc", type=int)
    p.add_argument("--results", required=True)
    p.set_defaults(fn=cmd_ktap)

    p = sub.add_parser("guest")
    p.add_argument("--run-dir", required=True)
    p.add_argument("--manifest")
    p.add_argument("--demo", action="store_true",
                   help="the binary is the demo VMM: judge it by exit status, not TAP")
    p.add_argument("--group", default="guest",
                   help="group name of the records (default guest; e.g. guest-arm64)")
    p.add_argument("--results", required=True)
    p.set_defaults(fn=cmd_guest)

    p = sub.add_parser("check")
    p.add_argument("name")
    p.add_argument("status", choices=["pass", "ok", "fail", "skip"])
    p.add_argument("--reason")
    p.add_argument("--group", default="harness")
    p.add_argument("--results", required=True)
    p.set_defaults(fn=cmd_check)

    p = sub.add_parser("total")
    p.add_argument("--results", required=True)
    p.set_defaults(fn=cmd_total)

    a = ap.parse_args()
    sys.exit(a.fn(a))


if __name__ == "__main__":
    main()
