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
every contender runs in a fresh subprocess (benchmarks._worker,
benchmarks._worker_threading); rounds are interleaved, the order of the
contenders rotating from round to round. Medians and per-round ratios are
reported, then one summary table per section with the targets.

    python -m benchmarks.run                    # full run, about 8 minutes
    python -m benchmarks.run --quick            # short run, about 1.5 min
    python -m benchmarks.run --only threading   # one section (or job)

(``python benchmarks/run.py`` works as well.)
"""

import argparse
import contextlib
import importlib.metadata
import json
import os
import platform
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
# Run as a script (python benchmarks/run.py), or loaded by its path as the
# docs do: what it imports comes from the root, whoever runs it.
if ROOT not in sys.path:
    sys.path.insert(0, ROOT)

from benchmarks._rows import build_rows  # noqa: E402
from benchmarks._rows import build_thread_rows  # noqa: E402
from benchmarks._rows import k_label  # noqa: E402
# The summary of saved results, as the docs read it.
from benchmarks._summary import HEAD  # noqa: E402,F401
from benchmarks._summary import load_results  # noqa: E402,F401
from benchmarks._summary import print_table  # noqa: E402
from benchmarks._summary import Results  # noqa: E402
from benchmarks._summary import SECTIONS  # noqa: E402
from benchmarks._summary import summaries  # noqa: E402,F401
from benchmarks._summary import summarize  # noqa: E402
from benchmarks._summary import table_lines  # noqa: E402,F401
from harness import procs  # noqa: E402


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


# -- running the workers ------------------------------------------------------

#: Contenders run under another name: name -> (the worker's contender,
#: environment variables of its process). ``ab.py`` adds its two trees.
ALIASES = {}


def _child(contender, job, params=None):
    """The worker process running ``job`` for ``contender``."""
    name, extra = ALIASES.get(contender, (contender, None))
    cmd = [sys.executable, '-m', job.section.worker, name, job.scenario,
           json.dumps(job.params if params is None else params)]
    return procs.Child(cmd, env=procs.child_env(extra=extra), cwd=ROOT)


def _crash(job, why):
    return {'values': {}, 'checks': [[f'!crash {job.name}', False, why]]}


def _result(outcome, job, timeout):
    """The worker's result, or a failed ``!crash`` check saying why not."""
    if outcome.timed_out:
        return _crash(job, f'timed out after {timeout}s')
    try:
        data = procs.last_result(outcome.stdout)
        if outcome.returncode:
            raise ValueError(f'exit code {outcome.returncode}')
        return data
    except (IndexError, ValueError) as exc:
        return _crash(job, f'{exc}: {outcome.tail()}')


def run_one(contender, job, timeout):
    if job.limit is not None:
        return run_limited(contender, job)
    timeout = job.timeout or timeout
    with _child(contender, job) as child:
        return _result(child.communicate(timeout), job, timeout)


def run_limited(contender, job, grace=2.0):
    """Run a timed job, killing the worker when its limit is up.

    The worker prints a progress line (``{"progress": ...}``) when its
    measured phase begins and about every 0.5 s after; the driver kills it
    ``limit + grace`` seconds after the first one (or after ``job.timeout``
    in all), and then reports the last progress line it got.
    """
    last = final = None
    with _child(contender, job) as child:
        child.deadline = child.started + job.timeout
        for line in child.lines():
            try:
                data = json.loads(line)
            except ValueError:
                continue
            if 'progress' in data:
                if last is None:
                    # The measured phase begins now.
                    child.deadline = min(child.deadline, time.monotonic() +
                                         job.limit + grace)
                last = data
            elif 'values' in data:
                final = data
        outcome = child.wait()
    if final is not None:
        return final
    if last is not None and outcome.timed_out:
        values = dict(last['progress'],
                      killed_after_s=round(outcome.wall, 1))
        return {'values': values, 'checks': last['checks']}
    why = (f'killed after {job.timeout}s' if outcome.timed_out else
           f'exit code {outcome.returncode}')
    return _crash(job, f'{why}: {outcome.tail()}')


def run_concurrent(order, job, timeout):
    params = dict(job.params, start_at=time.time() + 1.0)
    with contextlib.ExitStack() as stack:
        children = {c: stack.enter_context(_child(c, job, params))
                    for c in order}
        return {c: _result(child.communicate(timeout), job, timeout)
                for c, child in children.items()}


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
        'command': ' '.join(['python', '-m', 'benchmarks.run'] +
                            sys.argv[1:]),
        'quick': args.quick, 'rounds': rounds, 'big': big, 'mid': mid,
        'stop_loops': nstop,
        'seconds': round(time.time() - t_start),
    }


def run_rounds(jobs, rounds, timeout, contenders=None):
    """Run the jobs in interleaved rounds; return the Results.

    ``contenders(job)`` gives the contenders of a job, in the order of the
    first round (default: its section's); each round rotates that order.
    """
    res = Results(rounds)
    for rnd in range(rounds):
        for job in jobs:
            cs = list(contenders(job) if contenders else
                      job.section.contenders)
            k = rnd % len(cs)
            order = [c for c in cs[k:] + cs[:k] if job.runs(c, rnd)]
            if not order:
                continue
            t0 = time.time()
            if job.concurrent:
                out = run_concurrent(order, job, timeout)
                for c in order:
                    res.put(job.name, c, rnd, out[c])
            else:
                for c in order:
                    res.put(job.name, c, rnd, run_one(c, job, timeout))
            print(f'  round {rnd + 1}/{rounds} {job.name:12s} '
                  f'{" ".join(order)}  {time.time() - t0:5.1f}s', flush=True)
    return res


def verify(res):
    """Print the failed checks of every result (or that all passed)."""
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
    return failed


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
    sections = [sec for sec in SECTIONS.values()
                if any(j.section is sec for j in jobs)]

    mode = ('no listener (time.sleep path)' if args.no_listener else
            'idle listener registered (epoll path)')
    print(f'python {sys.version.split()[0]}; contenders ' +
          '; '.join(f'{sec.name}: {", ".join(sec.contenders)}'
                    for sec in sections) +
          f'; {rounds} rounds; every scenario in a fresh process; {mode}')
    t_start = time.time()
    res = run_rounds(jobs, rounds, args.timeout)

    tables = []
    for sec in sections:
        if sec.name == 'eventlet':
            rows = build_rows(res, big, mid)
        else:
            rows = build_thread_rows(res, nstop)
        tables.append((sec, summarize(res, rows, rounds, sec)))

    failed = verify(res)
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
