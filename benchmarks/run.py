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

Two sections, each with three contenders. Eventlet: ``floor`` (bare
eventlet, benchmarks/floor.py), ``ours`` (oslo_loopingcall.loopingcall) and
``ref`` (oslo_service.loopingcall 4.8.0, eventlet backend). Native threads:
``floor-threading`` (bare threading, benchmarks/floor_threading.py),
``ours-threading`` (ours after ``set_backend('threading')``) and
``ref-threading`` (oslo.service 4.8.0, threading backend). Every scenario of
every contender runs in a fresh subprocess (benchmarks/_worker.py,
benchmarks/_worker_threading.py); rounds are interleaved, the order of the
contenders rotating from round to round. Medians and per-round ratios are
reported, then one summary table per section with the targets.

    python benchmarks/run.py                    # full run, about 7 minutes
    python benchmarks/run.py --quick            # short run, about a minute
    python benchmarks/run.py --only threading   # one section (or job)
"""

import argparse
import importlib.metadata
import json
import os
import platform
import queue
import statistics
import subprocess
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
#: The roles of a section's three contenders, in table order.
ROLES = ('floor', 'ours', 'ref')


class Section:
    def __init__(self, name, contenders, worker, title):
        self.name = name
        self.contenders = contenders        # in ROLES order
        self.names = dict(zip(ROLES, contenders))
        self.worker = os.path.join(HERE, worker)
        self.title = title


SECTIONS = {
    'eventlet': Section('eventlet', ('floor', 'ours', 'ref'), '_worker.py',
                        'eventlet'),
    'threading': Section(
        'threading', ('floor-threading', 'ours-threading', 'ref-threading'),
        '_worker_threading.py',
        'native threads: floor = floor-threading, ours = ours-threading, '
        'ref = ref-threading'),
}


class Job:
    """One scenario with its parameters, run for a section's contenders.

    ``rounds`` is how many rounds run it; ``contender_rounds`` may lower
    that for some contenders. ``limit`` (seconds) makes the job a timed
    one: the worker reports progress lines, and the driver kills it once
    its measured phase has run ``limit`` seconds (plus a little grace).
    """

    def __init__(self, name, scenario, params, rounds, concurrent=False,
                 section='eventlet', timeout=None, limit=None,
                 contender_rounds=None):
        self.name = name
        self.scenario = scenario
        self.params = params
        self.rounds = rounds
        self.concurrent = concurrent
        self.section = SECTIONS[section]
        self.timeout = timeout
        self.limit = limit
        self.contender_rounds = contender_rounds or {}

    def runs(self, contender, rnd):
        return rnd < min(self.rounds,
                         self.contender_rounds.get(contender, self.rounds))


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
        Job('load', 'load', dict(interval=0.1, periods=100, burners=2),
            few(1)),
        Job('stall', 'stall', dict(interval=0.2, stall=0.5), few(1)),
        Job('leak', 'leak', dict(cycles=1000, interval=0.05), few(2)),
    ]
    for job in jobs:
        job.params['listener'] = listener

    # Native threads.
    nstop = args.stop_loops or (2000 if quick else 10000)
    limit = args.stop_limit or (20 if quick else 60)
    jobs += [
        Job('thr_micro', 'thr_micro', dict(
            n_iter=10000 if quick else 20000, reps=2 if quick else 3,
            retry_target_s=0.02 if quick else 0.05,
            retry_reps=5 if quick else 7,
            stoplat_k=200 if quick else 400), rounds, section='threading'),
        Job('thr_threads', 'thr_threads', dict(
            cycles=1000, interval=60, settle=0.1, settle_long=1.2),
            few(1) if quick else min(rounds, 3), section='threading'),
        # The reference's run is limited, not measured, at this size: one
        # round of it is enough.
        Job(f'thr_stop_{k_label(nstop)}', 'thr_stop', dict(
            n=nstop, limit=limit, interval=3600, settle=0.2),
            min(rounds, 2 if quick else 3), section='threading',
            timeout=2 * limit + 60, limit=limit,
            contender_rounds={'ref-threading': 1}),
    ]
    if args.only:
        wanted = set(args.only.split(','))
        jobs = [j for j in jobs if j.name in wanted or j.scenario in wanted
                or j.section.name in wanted]
    return jobs, big, mid, nstop


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
    if job.limit is not None:
        return run_limited(contender, job)
    timeout = job.timeout or timeout
    cmd = [sys.executable, job.section.worker, contender, job.scenario,
           json.dumps(job.params)]
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True,
                              timeout=timeout, cwd=HERE)
    except subprocess.TimeoutExpired:
        return {'values': {}, 'checks': [
            [f'!crash {job.name}', False, f'timed out after {timeout}s']]}
    return _parse(proc.stdout, proc.stderr, proc.returncode, job)


def run_limited(contender, job, grace=2.0):
    """Run a timed job, killing the worker when its limit is up.

    The worker prints a progress line (``{"progress": ...}``) when its
    measured phase begins and about every 0.5 s after; the driver kills it
    ``limit + grace`` seconds after the first one (or after ``job.timeout``
    in all), and then reports the last progress line it got.
    """
    cmd = [sys.executable, job.section.worker, contender, job.scenario,
           json.dumps(job.params)]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, cwd=HERE)
    lines = queue.Queue()

    def read(stream, sink):
        for line in stream:
            sink(line)
        sink(None)

    err = []
    threading.Thread(target=read, args=(proc.stdout, lines.put),
                     daemon=True).start()
    threading.Thread(target=read, args=(proc.stderr, err.append),
                     daemon=True).start()
    t_start = time.monotonic()
    deadline = t_start + job.timeout
    last = final = None
    killed = False
    while True:
        try:
            line = lines.get(timeout=max(0.0, deadline - time.monotonic()))
        except queue.Empty:
            proc.kill()
            killed = True
            break
        if line is None:
            break
        try:
            data = json.loads(line)
        except ValueError:
            continue
        if 'progress' in data:
            if last is None:
                # The measured phase begins now.
                deadline = min(deadline,
                               time.monotonic() + job.limit + grace)
            last = data
        elif 'values' in data:
            final = data
    proc.wait()
    if final is not None:
        return final
    if last is not None and killed:
        values = dict(last['progress'], killed_after_s=round(
            time.monotonic() - t_start, 1))
        return {'values': values, 'checks': last['checks']}
    tail = ''.join(x for x in err if x).strip().splitlines()[-5:]
    why = (f'killed after {job.timeout}s' if killed else
           f'exit code {proc.returncode}')
    return {'values': {}, 'checks': [
        [f'!crash {job.name}', False, f'{why}: {" | ".join(tail)}']]}


def run_concurrent(order, job, timeout):
    params = dict(job.params, start_at=time.time() + 1.0)
    procs = {}
    for c in order:
        cmd = [sys.executable, job.section.worker, c, job.scenario,
               json.dumps(params)]
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
    ref/ours, per-round values) and returns True/False, or None for info;
    the medians are keyed by role (floor, ours, ref).

    ``dnf(c, r)``, if given, returns None or, for a round that ran out of
    its time limit, a dict with ``limit`` and what got done: the limit then
    stands in for the value as a lower bound (shown with ">"), and the
    contender's median is None for ``judge``.
    """

    def __init__(self, label, fn, fmt, target, judge, jobs, prefixes,
                 ratios=True, agg=med, dnf=None):
        self.label = label
        self.fn = fn
        self.fmt = fmt
        self.target = target
        self.judge = judge
        self.jobs = jobs
        self.prefixes = prefixes
        self.ratios = ratios
        self.agg = agg
        self.dnf = dnf


def ratio_list(per_round, a, b):
    out = []
    for va, vb in zip(per_round[a], per_round[b]):
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
    for ms, job in ((15, 'accuracy'), (100, 'drift')):
        for kind in ('short', 'half'):
            rows.append(Row(
                f'mean |period error| @{ms}ms, {kind} f, ms',
                val(job, f'abserr_{kind}_{ms}ms'), '{:.3f}',
                'ours <= 0.1 ms', ours_abs_le(0.1), [job],
                [f'{job} {kind}_{ms}ms'], ratios=False))
    for kind in ('short', 'half'):
        rows.append(Row(
            f'drift @100ms, {kind} f, ms per 100 periods',
            val('drift', f'drift_{kind}_100ms'), '{:+.2f}', '|ours| <= 1 ms',
            ours_abs_le(1.0), ['drift'], [f'drift {kind}_100ms'],
            ratios=False))
    rows += [
        Row('2 CPU-bound competitors: shortest gap between runs, '
            'x interval', val('load', 'min_gap_frac'), '{:.2f}',
            'ours >= 0.5 (no burst)',
            lambda m, rof, rro, per: (
                m.get('ours') is not None and m['ours'] >= 0.5),
            ['load'], ['load'], ratios=False),
        Row('2 CPU-bound competitors: drift @100ms, ms per 100 periods',
            val('load', 'drift_ms'), '{:+.2f}', '|ours| <= 2 ms',
            ours_abs_le(2.0), ['load'], ['load'], ratios=False),
        Row('0.5 s stall at 0.2 s: shortest gap between runs, x interval',
            val('stall', 'min_gap_frac'), '{:.2f}', 'ours >= 0.5 (no burst)',
            lambda m, rof, rro, per: (
                m.get('ours') is not None and m['ours'] >= 0.5),
            ['stall'], ['stall'], ratios=False),
    ]
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


def k_label(n):
    return f'{n // 1000}k' if n >= 1000 and not n % 1000 else str(n)


def build_thread_rows(res, nstop):
    """The rows of the native-thread section (roles: floor, ours, ref)."""
    V = res.value
    nl = k_label(nstop)
    stopjob = f'thr_stop_{nl}'

    def val(job, key, scale=1):
        def get(c, r):
            v = V(job, c, r, key)
            return None if v is None else v * scale
        return get

    def stop_dnf(c, r):
        got = res.data.get(stopjob, {}).get(c, {}).get(r)
        if got is None:
            return None
        v = got['values']
        if v.get('stop_s') is not None or v.get('phase') not in (
                'stop', 'wait', 'end'):
            return None
        return {'limit': v['limit_s'], 'n': v['n'],
                'stopped': v.get('stopped', 0),
                'waited': v.get('waited', 0),
                'ended': max(v.get('ended', 0), v.get('waited', 0)),
                'killed': 'killed_after_s' in v}

    def le(limit):
        return lambda m, rof, rro, per: rof is not None and rof <= limit

    def ours_le(limit):
        return lambda m, rof, rro, per: (
            m.get('ours') is not None and m['ours'] <= limit)

    def info(*a):
        return None

    def worst(xs):
        return max([x for x in xs if x is not None], default=None)

    threads = 'OS threads left after 1000 start/stop/wait cycles'
    return [
        Row('per-iteration Fixed(interval=0), us',
            val('thr_micro', 'periter_fixed'), '{:.2f}', '<=1.5x floor',
            le(1.5), ['thr_micro'], ['periter_fixed']),
        Row('per-iteration Dynamic(f->0), us',
            val('thr_micro', 'periter_dynamic'), '{:.2f}', 'info', info,
            ['thr_micro'], ['periter_dynamic']),
        Row('RetryDecorator 1st-success overhead, us',
            val('thr_micro', 'retry_overhead'), '{:.3f}', 'ours <= 1 us',
            ours_le(1.0), ['thr_micro'], ['retry']),
        Row('stop->wait latency median, us',
            val('thr_micro', 'stoplat_median'), '{:.1f}', 'info', info,
            ['thr_micro'], ['stop->wait']),
        Row('stop->wait latency p99, us', val('thr_micro', 'stoplat_p99'),
            '{:.1f}', 'info', info, ['thr_micro'], ['stop->wait']),
        Row(f'{threads}, immediately (max)',
            val('thr_threads', 'threads_immediately'), '{:.0f}',
            '<= 1 (the last one exiting)', ours_le(1), ['thr_threads'],
            ['threads'], ratios=False, agg=worst),
        Row(f'{threads}, after gc + 0.1 s (max)',
            val('thr_threads', 'threads_settled'), '{:.0f}', '0',
            ours_le(0), ['thr_threads'], ['threads'], ratios=False,
            agg=worst),
        Row(f'{threads}, after gc + 1.2 s (max)',
            val('thr_threads', 'threads_later'), '{:.0f}', 'info', info,
            ['thr_threads'], ['threads'], ratios=False, agg=worst),
        Row(f'start {nl} native loops until all idle, s',
            val(stopjob, 'start_s'), '{:.2f}', 'info', info, [stopjob],
            [f'stop {nstop}: all']),
        Row(f'memory/idle native loop, RSS @{nl}, KiB',
            val(stopjob, 'rss_per_loop', 1 / 1024), '{:.1f}', 'info', info,
            [stopjob], [f'stop {nstop}: all']),
        Row(f'stop() all {nl}, then wait() all, s', val(stopjob, 'stop_s'),
            '{:.2f}', 'ours <= 5 s', ours_le(5.0), [stopjob],
            [f'stop {nstop}'], dnf=stop_dnf),
        Row(f'  threads still alive 0.2 s after the last of {nl} wait() '
            f'(max)', val(stopjob, 'threads_after_stop'), '{:.0f}', 'info',
            info, [stopjob], [f'stop {nstop}'], ratios=False, agg=worst),
    ]


def fmt(row, v):
    return '-' if v is None else row.fmt.format(v)


def dnf_text(d):
    """'> limit, did not finish', with how far the phase got."""
    if d['stopped'] < d['n']:
        return (f'>{d["limit"]:g} DNF (stop() {d["stopped"]}/{d["n"]}, '
                f'{d["ended"]} ended)')
    return f'>{d["limit"]:g} DNF ({d["ended"]}/{d["n"]} ended)'


def summarize(res, rows, rounds, section):
    """Per-row medians, ratios and verdicts; prints the details."""
    names = section.names
    summary = []
    print(f'\n=== Details, {section.name} (per-round values; ratios are '
          f'per round) ===')
    for row in rows:
        print(f'\n{row.label}')
        m = {}
        per_round = {}
        lower = {}              # role -> DNF info: value is a lower bound
        for role in ROLES:
            c = names[role]
            vals = []
            shown = []
            for r in range(rounds):
                v = row.fn(c, r)
                d = row.dnf(c, r) if row.dnf else None
                if d is not None:
                    lower[role] = d
                    v = d['limit']
                    shown.append(
                        f'{dnf_text(d)} [stop() {d["stopped"]}, wait() '
                        f'{d["waited"]}' +
                        (', killed]' if d['killed'] else ']'))
                elif v is not None:
                    shown.append(fmt(row, v))
                vals.append(v)
            per_round[role] = vals
            m[role] = None if role in lower else row.agg(vals)
            result = (dnf_text(lower[role]) if role in lower else
                      fmt(row, m[role]))
            print(f'  {c:15s}: {" ".join(shown)}   -> {result}')
        rof = rro = per = None
        if row.ratios:
            of = ratio_list(per_round, 'ours', 'floor')
            ro = ratio_list(per_round, 'ref', 'ours')
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
        if all(v is None for v in m.values()) and not lower:
            verdict = 'n/a'             # not run (--only)
        else:
            verdict = row.judge(m, rof, rro, per)
        fails = []
        for role in ROLES:
            for job in row.jobs:
                if res.failures(job, names[role], row.prefixes):
                    fails.append(names[role])
                    break
        met = {True: 'yes', False: 'NO', None: 'info', 'n/a': 'n/a'}[verdict]
        if fails:
            met += ' FAIL:' + ','.join(fails)
        summary.append((row, m, rof, rro, per, met, lower))
    return summary


def _bound(lower_of, num, den):
    """The prefix of a ratio num/den where a DNF value is a lower bound."""
    if num in lower_of and den not in lower_of:
        return '>'
    if den in lower_of and num not in lower_of:
        return '<'
    return '?' if num in lower_of else ''


#: The columns of a summary table.
HEAD = ('metric', 'floor', 'ours', 'ref', 'ours/floor', 'ref/ours', 'target',
        'met?')


def table_lines(summary):
    """The cells of a summary table, as text, one tuple per row (HEAD)."""
    lines = []
    for row, m, rof, rro, per, met, lower in summary:
        if per is not None:
            rro_s = f'{per:.1f}'
        else:
            rro_s = ('-' if rro is None else
                     _bound(lower, 'ref', 'ours') + f'{rro:.2f}')
        rof_s = ('-' if rof is None else
                 _bound(lower, 'ours', 'floor') + f'{rof:.2f}')
        cells = [dnf_text(lower[role]) if role in lower else
                 fmt(row, m[role]) for role in ROLES]
        lines.append((row.label, *cells, rof_s, rro_s, row.target, met))
    return lines


def print_table(summary, title=''):
    head = HEAD
    lines = table_lines(summary)
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

    print(f'\n=== Summary{title} (medians over rounds; ratio columns are '
          f'medians of per-round ratios) ===')
    print(line(head))
    print('|' + '|'.join('-' * (w + 2) for w in widths) + '|')
    for cells in lines:
        print(line(cells))


def run_meta(args, rounds, big, mid, nstop, t_start):
    """How and where the results were measured (the ``_meta`` entry).

    The job entries beside it are the raw results: job -> contender ->
    round -> {"values": ..., "checks": ...}.
    """
    versions = {}
    for dist in ('eventlet', 'greenlet', 'oslo.service', 'oslo.utils'):
        try:
            versions[dist] = importlib.metadata.version(dist)
        except importlib.metadata.PackageNotFoundError:
            versions[dist] = None
    return {
        'date': time.strftime('%Y-%m-%d', time.gmtime(t_start)),
        'python': sys.version.split()[0],
        'platform': platform.platform(terse=True),
        'cpus': os.cpu_count(),
        'versions': versions,
        'command': ' '.join(['python', 'benchmarks/run.py'] +
                            sys.argv[1:]),
        'quick': args.quick, 'rounds': rounds, 'big': big, 'mid': mid,
        'stop_loops': nstop,
        'seconds': round(time.time() - t_start),
    }


def load_results(data):
    """Saved raw results (what ``--json`` wrote) -> (Results, sizes).

    ``sizes`` is (big, mid, nstop), taken from the ``_meta`` entry or, for
    files written before it existed, from the job names.
    """
    data = dict(data)
    meta = data.pop('_meta', {})
    rounds = 1 + max((int(r) for per_c in data.values()
                      for per_r in per_c.values() for r in per_r),
                     default=0)
    res = Results(rounds)
    for job, per_c in data.items():
        for c, per_r in per_c.items():
            for rnd, result in per_r.items():
                res.put(job, c, int(rnd), result)

    def size(job):
        n = job.rsplit('_', 1)[1]
        return int(n[:-1]) * 1000 if n.endswith('k') else int(n)

    starts = sorted(size(j) for j in data
                    if j.startswith('start_') and j != 'start_1k')
    stops = [size(j) for j in data if j.startswith('thr_stop_')]
    big = meta.get('big') or (starts[-1] if starts else 100000)
    mid = meta.get('mid') or (starts[0] if starts else 10000)
    nstop = meta.get('stop_loops') or (stops[0] if stops else 10000)
    return res, (big, mid, nstop)


def summaries(data):
    """The summary of each section in saved raw results, quietly.

    Returns {section name: summary}, a summary being what ``summarize``
    returns (``table_lines`` makes its cells).
    """
    import contextlib
    import io

    res, (big, mid, nstop) = load_results(data)
    out = {}
    with contextlib.redirect_stdout(io.StringIO()):
        for name, sec in SECTIONS.items():
            if not any(j.startswith('thr_') == (name == 'threading')
                       for j in res.data):
                continue
            rows = (build_rows(res, big, mid) if name == 'eventlet' else
                    build_thread_rows(res, nstop))
            out[name] = summarize(res, rows, res.rounds, sec)
    return out


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    ap.add_argument('--quick', action='store_true',
                    help='short run (about a minute): smaller sizes, '
                         'slow scenarios in fewer rounds')
    ap.add_argument('--rounds', type=int, default=None,
                    help='interleaved rounds (default 5; 3 with --quick)')
    ap.add_argument('--big', type=int, default=None,
                    help='largest loop count of the start/memory scenario '
                         '(default 100000; 20000 with --quick)')
    ap.add_argument('--big-rounds', type=int, default=3,
                    help='rounds of the largest start scenario (default 3)')
    ap.add_argument('--stop-loops', type=int, default=None,
                    help='native loops stopped at once in thr_stop '
                         '(default 10000; 2000 with --quick)')
    ap.add_argument('--stop-limit', type=float, default=None,
                    help='seconds allowed to each phase of thr_stop '
                         '(default 60; 20 with --quick)')
    ap.add_argument('--only', default='',
                    help='comma-separated sections, jobs or scenarios to '
                         'run: eventlet (micro,start,start_1k,idle,'
                         'capacity,accuracy,drift,leak), threading '
                         '(thr_micro,thr_threads,thr_stop)')
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
    jobs, big, mid, nstop = make_plan(args)
    if not jobs:
        ap.error(f'--only {args.only}: no such section, job or scenario')
    rounds = max(j.rounds for j in jobs)
    res = Results(rounds)
    sections = [sec for sec in SECTIONS.values()
                if any(j.section is sec for j in jobs)]

    mode = ('no listener (time.sleep path)' if args.no_listener else
            'idle listener registered (epoll path)')
    print(f'python {sys.version.split()[0]}; contenders ' +
          '; '.join(f'{sec.name}: {", ".join(sec.contenders)}'
                    for sec in sections) +
          f'; {rounds} rounds; every scenario in a fresh process; {mode}')
    t_start = time.time()
    for rnd in range(rounds):
        for job in jobs:
            cs = job.section.contenders
            k = rnd % len(cs)
            order = [c for c in cs[k:] + cs[:k] if job.runs(c, rnd)]
            if not order:
                continue
            t0 = time.time()
            if job.concurrent:
                out = run_concurrent(order, job, args.timeout)
                for c in order:
                    res.put(job.name, c, rnd, out[c])
            else:
                for c in order:
                    res.put(job.name, c, rnd, run_one(c, job, args.timeout))
            print(f'  round {rnd + 1}/{rounds} {job.name:12s} '
                  f'{" ".join(order)}  {time.time() - t0:5.1f}s', flush=True)

    tables = []
    for sec in sections:
        if sec.name == 'eventlet':
            rows = build_rows(res, big, mid)
        else:
            rows = build_thread_rows(res, nstop)
        tables.append((sec, summarize(res, rows, rounds, sec)))

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
    for sec, summary in tables:
        print_table(summary, '' if sec.name == 'eventlet' else
                    f', {sec.title}')
    print(f'\ntotal {time.time() - t_start:.0f}s')
    if args.json:
        with open(args.json, 'w') as f:
            json.dump(dict(res.data, _meta=run_meta(args, rounds, big, mid,
                                                    nstop, t_start)),
                      f, indent=1)
    return 1 if failed else 0


if __name__ == '__main__':
    sys.exit(main())
