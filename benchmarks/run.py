#!/usr/bin/env python3
#    Licensed under the Apache License, Version 2.0 (the "License"); you may
#    not use this file except in compliance with the License. You may obtain
#    a copy of the License at
#
#         http://www.apache.org/licenses/LICENSE-2.0
#
#    Unless required by applicable law or agreed to in writing, software
#    distributed under the License is distributed on an "AS IS" BASIS, WITHOUT
#    WARRANTIES OR CONDITIONS OF ANY KIND, either express or implied. See the
#    License for the specific language governing permissions and limitations
#    under the License.

"""Benchmark oslo_loopingcall against oslo.service 4.8.0 and a floor.

Three contenders: ``floor`` (bare eventlet, benchmarks/floor.py), ``ours``
(oslo_loopingcall.loopingcall) and ``ref`` (oslo_service.loopingcall 4.8.0,
eventlet backend). Every scenario of every contender runs in a fresh
subprocess (benchmarks/_worker.py); rounds are interleaved, the order of the
contenders rotating from round to round. Medians and per-round ratios are
reported, then one summary table with the targets.

    python benchmarks/run.py            # full run, about 5 minutes
    python benchmarks/run.py --quick    # short run, under a minute
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
WORKER = os.path.join(HERE, '_worker.py')
CONTENDERS = ('floor', 'ours', 'ref')


class Job:
    def __init__(self, name, scenario, params, rounds, concurrent=False):
        self.name = name
        self.scenario = scenario
        self.params = params
        self.rounds = rounds
        self.concurrent = concurrent


def make_plan(args):
    quick = args.quick
    rounds = args.rounds

    def few(n):
        # In --quick mode the slow scenarios run in fewer rounds.
        return min(rounds, n) if quick else rounds

    big = args.big or (20000 if quick else 100000)
    mid = 5000 if quick else 10000
    listener = not args.no_listener
    jobs = [
        Job('micro', 'micro', dict(
            n_iter=10000 if quick else 20000, reps=2 if quick else 3,
            retry_target_s=0.02 if quick else 0.05,
            retry_reps=5 if quick else 7,
            stoplat_k=200 if quick else 400), rounds),
        Job('start_1k', 'start', dict(n=1000, mem_max=10000), rounds),
        Job(f'start_{mid // 1000}k', 'start', dict(n=mid, mem_max=mid),
            few(1)),
        Job(f'start_{big // 1000}k', 'start', dict(n=big, mem_max=0),
            few(1) if quick else min(rounds, args.big_rounds)),
        Job('idle', 'idle', dict(
            n=2000, interval=0.2, window=0.6 if quick else 1.0), few(1)),
        Job('capacity', 'capacity', dict(
            n=1000, interval=0.01, window=0.6 if quick else 1.5), few(1)),
        Job('accuracy', 'accuracy', dict(cases=[
            [0.001, 'short', 100 if quick else 300],
            [0.001, 'half', 100 if quick else 300],
            [0.015, 'short', 20 if quick else 40],
            [0.015, 'half', 20 if quick else 40]]), few(1)),
        Job('drift', 'drift', dict(
            interval=0.1, periods=100), few(1),
            concurrent=True),
        Job('leak', 'leak', dict(cycles=1000, interval=0.05), few(2)),
    ]
    if args.only:
        wanted = set(args.only.split(','))
        jobs = [j for j in jobs if j.name in wanted or j.scenario in wanted]
    for job in jobs:
        job.params['listener'] = listener
    return jobs, big, mid


def _parse(proc_out, proc_err, returncode, job):
    lines = [ln for ln in proc_out.splitlines() if ln.strip()]
    try:
        data = json.loads(lines[-1])
        if returncode:
            raise ValueError(f'exit code {returncode}')
        return data
    except (IndexError, ValueError) as exc:
        tail = (proc_err or '').strip().splitlines()[-5:]
        return {'values': {}, 'checks': [
            [f'!crash {job.name}', False, f'{exc}: {" | ".join(tail)}']]}


def run_one(contender, job, timeout):
    cmd = [sys.executable, WORKER, contender, job.scenario,
           json.dumps(job.params)]
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True,
                              timeout=timeout, cwd=HERE)
    except subprocess.TimeoutExpired:
        return {'values': {}, 'checks': [
            [f'!crash {job.name}', False, f'timed out after {timeout}s']]}
    return _parse(proc.stdout, proc.stderr, proc.returncode, job)


def run_concurrent(order, job, timeout):
    params = dict(job.params, start_at=time.time() + 1.0)
    procs = {}
    for c in order:
        cmd = [sys.executable, WORKER, c, job.scenario, json.dumps(params)]
        procs[c] = subprocess.Popen(cmd, stdout=subprocess.PIPE,
                                    stderr=subprocess.PIPE, text=True,
                                    cwd=HERE)
    out = {}
    for c, proc in procs.items():
        try:
            so, se = proc.communicate(timeout=timeout)
            out[c] = _parse(so, se, proc.returncode, job)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.communicate()
            out[c] = {'values': {}, 'checks': [
                [f'!crash {job.name}', False, f'timed out after {timeout}s']]}
    return out


# -- statistics --------------------------------------------------------------

def med(xs):
    xs = [x for x in xs if x is not None]
    return statistics.median(xs) if xs else None


class Results:
    def __init__(self, rounds):
        self.rounds = rounds
        self.data = {}          # job -> contender -> round -> result dict

    def put(self, job, contender, rnd, result):
        self.data.setdefault(job, {}).setdefault(contender, {})[rnd] = result

    def value(self, job, contender, rnd, key):
        res = self.data.get(job, {}).get(contender, {}).get(rnd)
        if res is None:
            return None
        v = res['values'].get(key)
        return v if isinstance(v, (int, float)) else None

    def failures(self, job, contender, prefixes):
        bad = []
        for res in self.data.get(job, {}).get(contender, {}).values():
            for name, ok, detail in res['checks']:
                if ok:
                    continue
                if name.startswith('!crash') or any(
                        name.startswith(p) for p in prefixes):
                    bad.append((name, detail))
        return bad


class Row:
    """One line of the summary table.

    ``fn(c, r)`` gives contender c's value in round r (or None); ``judge``
    gets (medians, median of per-round ours/floor, median of per-round
    ref/ours, per-round values) and returns True/False, or None for info.
    """

    def __init__(self, label, fn, fmt, target, judge, jobs, prefixes,
                 ratios=True, agg=med):
        self.label = label
        self.fn = fn
        self.fmt = fmt
        self.target = target
        self.judge = judge
        self.jobs = jobs
        self.prefixes = prefixes
        self.ratios = ratios
        self.agg = agg


def ratio_list(row, a, b, rounds):
    out = []
    for r in range(rounds):
        va, vb = row.fn(a, r), row.fn(b, r)
        if va is not None and vb not in (None, 0):
            out.append(va / vb)
    return out


def build_rows(res, big, mid):
    V = res.value
    bigjob = f'start_{big // 1000}k'
    bigl = f'{big // 1000}k'
    midjob = f'start_{mid // 1000}k'
    midl = f'{mid // 1000}k'

    def val(job, key):
        return lambda c, r: V(job, c, r, key)

    def growth(c, r):
        a, b = V(bigjob, c, r, 'start_us'), V('start_1k', c, r, 'start_us')
        return a / b if a is not None and b else None

    def mem_growth(c, r):
        a = V(midjob, c, r, 'traced_per_loop')
        b = V('start_1k', c, r, 'traced_per_loop')
        return a / b if a is not None and b else None

    def tenacity_ratio(c, r):
        # Measured in ours' own process, next to ours' figure.
        if c != 'ours':
            return None
        t = V('micro', 'ours', r, 'tenacity_overhead')
        o = V('micro', 'ours', r, 'retry_overhead')
        return t / o if t is not None and o else None

    def le(limit):
        return lambda m, rof, rro, per: rof is not None and rof <= limit

    def periter_ok(m, rof, rro, per):
        return (rof is not None and rof <= 1.3 and rro is not None and
                rro >= 2.5)

    def ours_abs_le(limit):
        return lambda m, rof, rro, per: (
            m.get('ours') is not None and abs(m['ours']) <= limit)

    def ours_le_ref(m, rof, rro, per):
        return (m.get('ours') is not None and m.get('ref') is not None
                and m['ours'] <= m['ref'])

    def info(*a):
        return None

    rows = [
        Row('per-iteration Fixed(interval=0), us', val('micro',
            'periter_fixed'), '{:.2f}', '<=1.3x floor, >=2.5x faster than ref',
            periter_ok, ['micro'], ['periter_fixed']),
        Row('per-iteration Dynamic(f->0), us', val('micro', 'periter_dynamic'),
            '{:.2f}', '<=1.3x floor, >=2.5x faster than ref', periter_ok,
            ['micro'], ['periter_dynamic']),
        Row('idle CPU per wake-up, us (2000 loops @0.2s)',
            val('idle', 'cpu_per_wake_us'), '{:.2f}', '<=1.25x floor',
            le(1.25), ['idle'], ['idle']),
        Row('idle CPU, % of a core (10k wake-ups/s)', val('idle', 'cpu_pct'),
            '{:.1f}', 'info', info, ['idle'], ['idle']),
        Row('first loop of a process (one-time set-up), us',
            val('start_1k', 'first_loop_us'), '{:.0f}', 'info', info,
            ['start_1k'], ['first loop']),
        Row('start to idle, us/loop @1k', val('start_1k', 'start_us'),
            '{:.2f}', '<=1.2x floor', le(1.2), ['start_1k'], ['start 1000']),
        Row(f'start to idle, us/loop @{midl}', val(midjob, 'start_us'),
            '{:.2f}', '<=1.2x floor', le(1.2), [midjob], [f'start {mid}']),
        Row(f'start to idle, us/loop @{bigl}', val(bigjob, 'start_us'),
            '{:.2f}', '<=1.2x floor', le(1.2), [bigjob], [f'start {big}']),
        Row(f'start cost growth {bigl}/1k (x)', growth, '{:.2f}',
            "no worse than floor's (+10% noise)", le(1.10),
            ['start_1k', bigjob], ['start']),
        Row(f'memory/idle loop, RSS @{bigl}, bytes', val(bigjob,
            'rss_per_loop'), '{:.0f}', '<=1.05x floor', le(1.05), [bigjob],
            [f'start {big}']),
        Row(f'memory/idle loop, tracemalloc @{midl}, bytes',
            val(midjob, 'traced_per_loop'), '{:.0f}', '<=1.05x floor',
            le(1.05), [midjob], [f'memory {mid}']),
        Row(f'memory/loop growth {midl}/1k (tracemalloc, x)', mem_growth,
            '{:.3f}', 'info', info, ['start_1k', midjob], ['memory']),
        Row('stop->wait latency median, us', val('micro', 'stoplat_median'),
            '{:.1f}', 'ours <= ref', ours_le_ref, ['micro'], ['stop->wait']),
        Row('stop->wait latency p99, us', val('micro', 'stoplat_p99'),
            '{:.1f}', 'ours <= ref', ours_le_ref, ['micro'], ['stop->wait']),
    ]
    for ms, job in ((1, 'accuracy'), (15, 'accuracy'), (100, 'drift')):
        for kind in ('short', 'half'):
            rows.append(Row(
                f'mean period error @{ms}ms, {kind} f, %',
                val(job, f'err_{kind}_{ms}ms'), '{:+.3f}', '|ours| <= 1%',
                ours_abs_le(1.0), [job], [f'{job} {kind}_{ms}ms'],
                ratios=False))
    for kind in ('short', 'half'):
        rows.append(Row(
            f'drift @100ms, {kind} f, ms per 100 periods',
            val('drift', f'drift_{kind}_100ms'), '{:+.2f}', '|ours| <= 2 ms',
            ours_abs_le(2.0), ['drift'], [f'drift {kind}_100ms'],
            ratios=False))
    rows += [
        Row('RetryDecorator 1st-success overhead, us',
            val('micro', 'retry_overhead'), '{:.3f}',
            'ours <=1 us, >=20x faster than ref',
            lambda m, rof, rro, per: (
                m.get('ours') is not None and m['ours'] <= 1.0 and
                rro is not None and rro >= 20),
            ['micro'], ['retry']),
        Row('  tenacity @retry overhead, us (in each process); '
            'ref/ours col = tenacity/ours',
            val('micro', 'tenacity_overhead'), '{:.3f}',
            '>=10x faster than tenacity',
            lambda m, rof, rro, per: (
                per is not None and per >= 10),
            ['micro'], ['retry'], ratios=False),
        Row('capacity: iterations/s, % of 100k asked',
            val('capacity', 'pct_of_asked'), '{:.1f}', 'ours >= 95%',
            lambda m, rof, rro, per: (
                m.get('ours') is not None and m['ours'] >= 95),
            ['capacity'], ['capacity'], ratios=False),
        Row('capacity: p99 lateness (period - interval), ms',
            val('capacity', 'late_p99_ms'), '{:.2f}', 'ours <= 2 ms',
            lambda m, rof, rro, per: (
                m.get('ours') is not None and m['ours'] <= 2.0),
            ['capacity'], ['capacity'], ratios=False),
        Row('leak: greenthreads + timers left (max)',
            lambda c, r: (None if V('leak', c, r, 'greenthreads_left') is None
                          else V('leak', c, r, 'greenthreads_left') +
                          V('leak', c, r, 'timers_left')),
            '{:.0f}', '0', lambda m, rof, rro, per: m.get('ours') == 0,
            ['leak'], ['leak'], ratios=False,
            agg=lambda xs: max([x for x in xs if x is not None],
                               default=None)),
        Row('leak: memory vs baseline after 2x1000 cycles, KiB (max)',
            val('leak', 'mem_delta_kib'), '{:.1f}', '<= 16 KiB',
            lambda m, rof, rro, per: (
                m.get('ours') is not None and m['ours'] <= 16),
            ['leak'], ['leak'], ratios=False,
            agg=lambda xs: max([x for x in xs if x is not None],
                               default=None)),
    ]
    for row in rows:
        if row.label.startswith('  tenacity'):
            row.tenacity_ratio = tenacity_ratio
    return rows


def fmt(row, v):
    return '-' if v is None else row.fmt.format(v)


def summarize(res, rows, rounds):
    summary = []
    print('\n=== Details (per-round values; ratios are per round) ===')
    for row in rows:
        print(f'\n{row.label}')
        m = {}
        per_round = {}
        for c in CONTENDERS:
            vals = [row.fn(c, r) for r in range(rounds)]
            per_round[c] = vals
            m[c] = row.agg(vals)
            shown = ' '.join(fmt(row, v) for v in vals if v is not None)
            print(f'  {c:5s}: {shown}   -> {fmt(row, m[c])}')
        rof = rro = per = None
        if row.ratios:
            of = ratio_list(row, 'ours', 'floor', rounds)
            ro = ratio_list(row, 'ref', 'ours', rounds)
            rof, rro = med(of), med(ro)
            print('  ours/floor: ' + ' '.join(f'{x:.2f}' for x in of) +
                  (f'   -> {rof:.2f}' if rof is not None else ''))
            print('  ref/ours:   ' + ' '.join(f'{x:.2f}' for x in ro) +
                  (f'   -> {rro:.2f}' if rro is not None else ''))
        tr = getattr(row, 'tenacity_ratio', None)
        if tr is not None:
            ts = [tr('ours', r) for r in range(rounds)]
            ts = [x for x in ts if x is not None]
            per = med(ts)
            print('  tenacity/ours: ' + ' '.join(f'{x:.1f}' for x in ts) +
                  (f'   -> {per:.1f}' if per is not None else ''))
        if all(v is None for v in m.values()):
            verdict = 'n/a'             # not run (--only)
        else:
            verdict = row.judge(m, rof, rro, per)
        fails = []
        for c in CONTENDERS:
            for job in row.jobs:
                if res.failures(job, c, row.prefixes):
                    fails.append(c)
                    break
        met = {True: 'yes', False: 'NO', None: 'info', 'n/a': 'n/a'}[verdict]
        if fails:
            met += ' FAIL:' + ','.join(fails)
        summary.append((row, m, rof, rro, per, met))
    return summary


def print_table(summary):
    head = ('metric', 'floor', 'ours', 'ref', 'ours/floor', 'ref/ours',
            'target', 'met?')
    lines = []
    for row, m, rof, rro, per, met in summary:
        if per is not None:
            rro_s = f'{per:.1f}'
        else:
            rro_s = '-' if rro is None else f'{rro:.2f}'
        lines.append((row.label, fmt(row, m['floor']), fmt(row, m['ours']),
                      fmt(row, m['ref']),
                      '-' if rof is None else f'{rof:.2f}', rro_s,
                      row.target, met))
    widths = [max(len(str(x[i])) for x in lines + [head])
              for i in range(len(head))]

    def line(cells):
        out = []
        for i, cell in enumerate(cells):
            cell = str(cell)
            if i in (1, 2, 3, 4, 5):
                out.append(cell.rjust(widths[i]))
            else:
                out.append(cell.ljust(widths[i]))
        return '| ' + ' | '.join(out) + ' |'

    print('\n=== Summary (medians over rounds; ratio columns are medians of '
          'per-round ratios) ===')
    print(line(head))
    print('|' + '|'.join('-' * (w + 2) for w in widths) + '|')
    for cells in lines:
        print(line(cells))


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    ap.add_argument('--quick', action='store_true',
                    help='short run (under a minute): smaller sizes, '
                         'slow scenarios in fewer rounds')
    ap.add_argument('--rounds', type=int, default=None,
                    help='interleaved rounds (default 5; 3 with --quick)')
    ap.add_argument('--big', type=int, default=None,
                    help='largest loop count of the start/memory scenario '
                         '(default 100000; 20000 with --quick)')
    ap.add_argument('--big-rounds', type=int, default=3,
                    help='rounds of the largest start scenario (default 3)')
    ap.add_argument('--only', default='',
                    help='comma-separated jobs or scenarios to run '
                         '(micro,start,start_1k,idle,capacity,accuracy,'
                         'drift,leak)')
    ap.add_argument('--no-listener', action='store_true',
                    help='do not register an idle socket with the hub '
                         '(the hub then sleeps with time.sleep instead of '
                         'epoll_wait)')
    ap.add_argument('--json', default='',
                    help='also write the raw results to this file')
    ap.add_argument('--timeout', type=float, default=600,
                    help='seconds allowed to one worker process')
    args = ap.parse_args(argv)
    if args.rounds is None:
        args.rounds = 3 if args.quick else 5
    jobs, big, mid = make_plan(args)
    rounds = max(j.rounds for j in jobs) if jobs else 0
    res = Results(rounds)

    mode = ('no listener (time.sleep path)' if args.no_listener else
            'idle listener registered (epoll path)')
    print(f'python {sys.version.split()[0]}; contenders {CONTENDERS}; '
          f'{rounds} rounds; every scenario in a fresh process; {mode}')
    t_start = time.time()
    for rnd in range(rounds):
        k = rnd % len(CONTENDERS)
        order = CONTENDERS[k:] + CONTENDERS[:k]
        for job in jobs:
            if rnd >= job.rounds:
                continue
            t0 = time.time()
            if job.concurrent:
                out = run_concurrent(order, job, args.timeout)
                for c in order:
                    res.put(job.name, c, rnd, out[c])
            else:
                for c in order:
                    res.put(job.name, c, rnd, run_one(c, job, args.timeout))
            print(f'  round {rnd + 1}/{rounds} {job.name:10s} '
                  f'{" ".join(order)}  {time.time() - t0:5.1f}s', flush=True)

    rows = build_rows(res, big, mid)
    summary = summarize(res, rows, rounds)

    failed = []
    for job, per_c in res.data.items():
        for c, per_r in per_c.items():
            for rnd, r in sorted(per_r.items()):
                for name, ok, detail in r['checks']:
                    if not ok:
                        failed.append(f'{c} round {rnd + 1}: {name} '
                                      f'[{detail}]')
    print('\n=== Verification ===')
    if failed:
        for f in failed:
            print('FAIL ' + f)
    else:
        n = sum(len(r['checks']) for per_c in res.data.values()
                for per_r in per_c.values() for r in per_r.values())
        print(f'all {n} checks passed (counts, results, loops stopped)')
    print_table(summary)
    print(f'\ntotal {time.time() - t_start:.0f}s')
    if args.json:
        with open(args.json, 'w') as f:
            json.dump(res.data, f, indent=1)
    return 1 if failed else 0


if __name__ == '__main__':
    sys.exit(main())
