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

"""Stress and fault-injection suite of oslo_loopingcall.

Thousands of loops of the four kinds run at once with small real intervals
while seeded random faults end them in every way there is; RetryDecorator
calls share decorators meanwhile. Afterwards every invariant is checked: no
waiter hung, every waiter got exactly what its loop produced, no thread,
greenthread, hub timer, file descriptor or memory left behind, and ERROR
records for real failures only. Each mode runs in a process of its own
(stress/_worker.py), since the mode is chosen once per process.

    python stress/run.py                  # full: 10,000 eventlet loops,
                                          # 500 native-thread loops (75 s)
    python stress/run.py --short          # bounded for CI (35 s)
    python stress/run.py --seed 2 --mode eventlet --duration 30

The exit status is 0 only if every invariant holds in every mode.
"""

import argparse
import json
import os
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
WORKER = os.path.join(HERE, '_worker.py')
ENVS = os.path.join(HERE, '_envs.py')
ROOT = os.path.dirname(HERE)
sys.path.insert(0, ROOT)

from harness import procs  # noqa: E402

DEFAULT_SEED = 20260101

# Per mode and form (short or not): loops running at once, RetryDecorator
# callers, pools of OS threads (that stop loops, that wait for them, that
# call decorated functions), seconds of each round (warm-up, main, memory,
# kills) and the grace after which a blocked waiter counts as hung (on an
# idle machine: see MAX_STRETCH). The warm-up runs at full concurrency, so
# that whatever grows with the load has grown before the baselines are
# taken.
PLANS = {
    ('eventlet', False): dict(
        loops=10000, retry_callers=300, os_stoppers=3, os_waiters=8,
        os_retry_threads=2, warmup=2.0, duration=20.0, mem_round=6.0,
        kill_round=4.0, grace=60.0),
    ('threading', False): dict(
        loops=500, retry_callers=20, os_stoppers=4, os_waiters=64,
        os_retry_threads=0, warmup=2.0, duration=20.0, mem_round=6.0,
        kill_round=0, grace=60.0),
}
# --short: every round shorter, and less load.
_SHORTER = dict(warmup=1.0, duration=8.0, mem_round=3.0, grace=30.0)
PLANS[('eventlet', True)] = dict(
    PLANS[('eventlet', False)], **_SHORTER, loops=2000, retry_callers=100,
    os_stoppers=2, os_waiters=4, kill_round=2.0)
PLANS[('threading', True)] = dict(
    PLANS[('threading', False)], **_SHORTER, loops=200, retry_callers=10,
    os_waiters=32)

# The environment rounds (stress/_envs.py), per round and form: loops
# controlled at once, seconds of load, children forked (fork round) and
# seconds of each child's own load.
ENV_PLANS = {
    ('monkey', False): dict(controllers=200, seconds=8.0),
    ('monkey', True): dict(controllers=100, seconds=3.0),
    ('fork', False): dict(controllers=40, seconds=6.0, forks=12,
                          child_seconds=1.0),
    ('fork', True): dict(controllers=20, seconds=3.0, forks=6,
                         child_seconds=0.5),
}

# What tracemalloc may find still allocated after the memory round and a
# garbage collection: mostly tables of dicts and sets that churn (such as
# threading._active), reallocated whole during the round.
MEM_SLACK_KIB = 512
# What sys.getallocatedblocks() may find still allocated after the main
# round (untraced) and a garbage collection: a leak of one object per run
# would exceed it many times over.
BLOCKS_SLACK = 2000
# A round's time limits (the grace, the time for all loops to run at once,
# the seconds to let timers and threads settle) are stretched by the CPU
# stretch of the round (harness.stretch): on a machine whose CPUs are
# shared with many other processes, every step takes longer. At most by
# this much, so that a real hang still fails in bounded time.
MAX_STRETCH = 8.0
# Seconds (on an idle machine) for all loops of a ramp round to run at
# once, before the round gives that up (once, for all its first runs).
RAMP_LIMIT = 10.0
# Seconds (on an idle machine) to let timers and threads settle after a
# round.
SETTLE = 5.0
#: What starts the result line of a worker.
RESULT = 'STRESS-RESULT '


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        description='Stress and fault-injection suite of oslo_loopingcall.')
    parser.add_argument('--seed', type=int, default=DEFAULT_SEED,
                        help=f'seed of every random choice '
                             f'(default {DEFAULT_SEED})')
    parser.add_argument('--short', action='store_true',
                        help='bounded run for CI: 2,000 eventlet loops, '
                             '200 native-thread loops, 8 s each')
    parser.add_argument('--mode', choices=('eventlet', 'threading', 'both'),
                        default='both',
                        help='which mode to stress (default: both, each in '
                             'its own process)')
    parser.add_argument('--duration', type=float, default=None,
                        help='seconds of fault injection per mode (main '
                             'round; default 20, or 8 with --short)')
    parser.add_argument('--loops', type=int, default=None,
                        help='loops running at once (default: per mode, '
                             'see above)')
    parser.add_argument('--skip-envs', action='store_true',
                        help='skip the environment rounds (monkey-patched, '
                             'fork)')
    parser.add_argument('--only-envs', action='store_true',
                        help='run the environment rounds only')
    parser.add_argument('--lose-stops', type=int, default=0, metavar='N',
                        help='make up a fault: every N-th stop() from the '
                             'stopper OS threads is lost; the suite must '
                             'FAIL (see stress/_inject.py)')
    return parser.parse_args(argv)


def worker_bound(cfg):
    """Seconds after which a mode's worker counts as hung (and is killed).

    Its rounds end by themselves: each at its hard deadline at the latest
    (its time or the time allowed for the ramp, then the grace, both
    stretched by the load at most MAX_STRETCH times), plus the time to
    count what is left.
    """
    rounds = (cfg['warmup'], cfg['duration'], cfg['mem_round'],
              cfg['kill_round'])
    stretched = cfg['max_stretch'] * (
        cfg['ramp_limit'] + cfg['grace'] + cfg['settle'])
    return sum(rounds) + len(rounds) * (stretched + 60) + 120


def run_mode(mode, args):
    cfg = dict(PLANS[(mode, args.short)])
    if args.duration is not None:
        cfg['duration'] = args.duration
    if args.loops is not None:
        cfg['loops'] = args.loops
    cfg.update(seed=args.seed, short=args.short,
               mem_slack_kib=MEM_SLACK_KIB, blocks_slack=BLOCKS_SLACK,
               max_stretch=MAX_STRETCH, ramp_limit=RAMP_LIMIT,
               settle=SETTLE,
               lose_stops=args.lose_stops)
    result = None
    # Its stderr goes straight through; its report is shown as it comes.
    with procs.Child([sys.executable, WORKER, mode, json.dumps(cfg)],
                     env=procs.child_env(), cwd=ROOT, stderr=None) as child:
        child.deadline = time.monotonic() + worker_bound(cfg)
        for line in child.lines():
            found = procs.result_line(line, RESULT)
            if found is not None:
                result = found
            else:
                sys.stdout.write(line)
                sys.stdout.flush()
        outcome = child.wait()
    ok = outcome.returncode == 0 and result is not None and result.get('ok')
    if outcome.timed_out:
        print(f'stress: the {mode} worker was killed after '
              f'{outcome.wall:.0f} s', flush=True)
    elif result is None:
        print(f'stress: the {mode} worker ended with status '
              f'{outcome.returncode} without a result', flush=True)
    return ok, outcome.wall


def run_env(round_name, mode, args):
    """One environment round in a process of its own; (ok, wall)."""
    cfg = dict(ENV_PLANS[(round_name, args.short)], seed=args.seed)
    with procs.Child([sys.executable, ENVS, round_name, mode,
                      json.dumps(cfg)], env=procs.child_env(),
                     cwd=ROOT) as child:
        outcome = child.communicate(cfg['seconds'] * 4 + 120)
    if outcome.timed_out:
        print(f'stress: the {round_name} round ({mode}) timed out',
              flush=True)
    result = None
    for line in outcome.stdout.splitlines():
        found = procs.result_line(line, RESULT)
        if found is not None:
            result = found
        else:
            print(line, flush=True)
    failed = ['no result'] if result is None else [
        name for name, ok, _ in result['checks'] if not ok]
    if failed and outcome.stderr:
        # What the round printed on stderr (tracebacks of its hubs, ...):
        # shown only when it failed.
        print('  stderr (first lines):\n    ' +
              '\n    '.join(outcome.stderr.splitlines()[:40]), flush=True)
    return not failed, outcome.wall


def main(argv=None):
    args = parse_args(argv)
    modes = (['eventlet', 'threading'] if args.mode == 'both'
             else [args.mode])
    verdicts = []
    started = time.monotonic()
    for mode in ([] if args.only_envs else modes):
        ok, wall = run_mode(mode, args)
        verdicts.append((mode, ok, wall))
        print(flush=True)
    if not args.skip_envs:
        for round_name in ('monkey', 'fork'):
            for mode in modes:
                ok, wall = run_env(round_name, mode, args)
                verdicts.append((f'{round_name} round {mode}', ok, wall))
                print(flush=True)
    total = time.monotonic() - started
    summary = ', '.join(f'{mode} {"PASS" if ok else "FAIL"} ({wall:.0f} s)'
                        for mode, ok, wall in verdicts)
    good = all(ok for _, ok, _ in verdicts)
    print(f'stress: {"PASS" if good else "FAIL"} -- {summary}; '
          f'seed {args.seed}; {total:.0f} s in all', flush=True)
    return 0 if good else 1


if __name__ == '__main__':
    sys.exit(main())
