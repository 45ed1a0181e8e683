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

"""Environment rounds of the stress suite, each in a process of its own.

Usage: ``python stress/_envs.py ROUND MODE CONFIG_JSON``

* ``monkey``: ``eventlet.monkey_patch()`` first thing, then loops of every
  kind end in planned ways, among them stop() and wait() from real OS
  threads (``patcher.original('threading')``) and from ``eventlet.tpool``;
* ``fork``: threads of the parent run that load while the main thread
  forks children (``os.fork()``, and multiprocessing's 'fork' context);
  each child runs a short load of its own, and the parent goes on.

Invariants, as in the main rounds: no waiter hung, every waiter got what
its run was planned to produce, no OS thread, greenthread or descriptor
left behind (but the hub's wake-up pipe, and eventlet's own epoll per OS
thread that ran a hub). Output: a table, then ``STRESS-RESULT <json>``.
"""

import sys

ROUND, MODE = sys.argv[1], sys.argv[2]

if ROUND == 'monkey':
    import warnings
    warnings.filterwarnings('ignore', message=r'\s*Eventlet is deprecated')
    import eventlet
    eventlet.monkey_patch()

import collections  # noqa: E402
import json  # noqa: E402
import logging  # noqa: E402
import random  # noqa: E402
import threading  # noqa: E402
import time  # noqa: E402

from harness import forking  # noqa: E402
from harness import modes  # noqa: E402
from harness import probes  # noqa: E402
from harness import report  # noqa: E402
from oslo_loopingcall import backend  # noqa: E402

backend.set_backend(MODE)

from oslo_loopingcall import loopingcall as lc  # noqa: E402

GREEN = MODE == 'eventlet'
PATCHED = ROUND == 'monkey'
if GREEN or PATCHED:
    import eventlet  # noqa: F811
    from eventlet import patcher
    from eventlet import tpool
    os_threading = patcher.original('threading')
else:
    eventlet = patcher = tpool = None
    os_threading = threading

clock = time.monotonic
#: Seconds a wait may take before it counts as hung (a planned run lasts
#: well under a second).
HUNG_AFTER = 5.0

# How a run must end, and the weight of each ending.
ENDINGS = {'done': 5, 'exc': 3, 'stop_here': 3, 'stop_os': 4,
           'stop_tpool': 2, 'timeout': 1}


class Planned(Exception):
    """An exception raised by f on purpose."""


_mode = modes.Mode(MODE)
sleep = _mode.sleep
#: A sibling of the caller: a greenthread, or a thread natively.
spawn = _mode.spawn


def in_os_thread(fn):
    """Call ``fn`` in a new real OS thread, whatever the patching."""
    thread = os_threading.Thread(target=fn, daemon=True)
    thread.start()
    return thread


def bounded_wait(timer):
    """('ok', value) / ('raised', exc) / ('hung', None), never blocking on.

    Polls ``done.ready()`` (a green sleep where green), then takes the
    outcome with wait(): the result is there by then.
    """
    deadline = clock() + HUNG_AFTER
    while not timer.done.ready():
        if clock() > deadline:
            return 'hung', None
        sleep(0.002)
    try:
        return 'ok', timer.wait()
    except BaseException as exc:  # noqa: B902 - compared to the plan
        return 'raised', exc


class Load:
    """Controllers starting loops with planned endings, until a deadline."""

    def __init__(self, seed, controllers, seconds, tpool_stops=True):
        self.rng = random.Random(seed)
        self.deadline = clock() + seconds
        self.controllers = controllers
        self.counts = collections.Counter()
        self.problems = []
        self.lock = os_threading.Lock()
        self.helpers = []
        # tpool answers in the hub of the thread that set it up: only a
        # load run by the main thread may use it.
        self.endings = [e for e in ENDINGS if e != 'stop_tpool' or (
            tpool is not None and tpool_stops)]

    def problem(self, text):
        with self.lock:
            self.problems.append(text)

    def run(self):
        handles = [spawn(lambda i=i: self.controller(i))
                   for i in range(self.controllers)]
        for handle in handles:
            if GREEN:
                handle.wait()
            else:
                while handle.is_alive():
                    sleep(0.01)
        for thread in self.helpers:
            thread.join(HUNG_AFTER)
            if thread.is_alive():
                self.problem('an OS thread of the load never ended')
        return self

    def controller(self, index):
        rng = random.Random(self.rng.random())
        while clock() < self.deadline:
            self.one_run(rng, index)

    def one_run(self, rng, index):
        ending = rng.choices(self.endings,
                             [ENDINGS[e] for e in self.endings])[0]
        value = object()
        error = Planned(index)
        runs = rng.randint(1, 3)
        calls = []

        def f():
            calls.append(1)
            if len(calls) == runs:
                if ending == 'done':
                    raise lc.LoopingCallDone(value)
                if ending == 'exc':
                    raise error
            return 0.002
        kind = rng.choice(('fixed', 'dynamic', 'backoff'))
        if ending == 'timeout':
            timer = lc.FixedIntervalWithTimeoutLoopingCall(f)
            timer.start(interval=0.002, timeout=0.01)
        elif ending in ('done', 'exc'):
            timer = self.start(kind, f, 0.002)
        else:
            timer = self.start(kind, f, 30)
            self.stop(ending, timer, rng)
        waiter = None
        if rng.random() < 0.3:
            outcome = []
            waiter = in_os_thread(lambda: outcome.append(
                bounded_wait(timer)))
            self.helpers.append(waiter)
        got = bounded_wait(timer)
        self.check(ending, got, value, error)
        if waiter is not None:
            waiter.join(HUNG_AFTER + 1)
            self.check(ending, outcome[0] if outcome else ('hung', None),
                       value, error, 'an OS thread')
        self.counts[ending] += 1

    @staticmethod
    def start(kind, f, idle):
        if kind == 'fixed':
            timer = lc.FixedIntervalLoopingCall(f)
            timer.start(interval=idle)
        elif kind == 'dynamic':
            timer = lc.DynamicLoopingCall(lambda: f() and idle)
            timer.start()
        else:
            timer = lc.BackOffLoopingCall(lambda: bool(f()))
            timer.start(starting_interval=idle, jitter=None)
        return timer

    def stop(self, ending, timer, rng):
        sleep(rng.random() * 0.005)
        if ending == 'stop_here':
            spawn(timer.stop)
        elif ending == 'stop_os':
            self.helpers.append(in_os_thread(timer.stop))
        else:
            spawn(lambda: tpool.execute(timer.stop))

    def check(self, ending, got, value, error, who='the controller'):
        status, result = got
        if status == 'hung':
            self.counts['hung'] += 1
            self.problem(f'{who} hung waiting for a run ended by {ending}')
            return
        expected = {'done': ('ok', value), 'exc': ('raised', error)}.get(
            ending, ('ok', True))
        if ending == 'timeout':
            right = status == 'raised' and isinstance(
                result, lc.LoopingCallTimeOut)
        else:
            right = (status, result) == expected or (
                status == expected[0] and result is expected[1])
        if not right:
            self.problem(f'{who}: run ended by {ending} gave '
                         f'{status} {result!r}')


# -- leaks --------------------------------------------------------------------

#: The names this suite reports leaks by (those of harness.probes.growth
#: but the hub epolls, which eventlet keeps by design).
LEAK_NAMES = {'threads': 'OS threads', 'greenthreads': 'greenthreads',
              'fds': 'file descriptors'}


def leaks(before, settle=3.0):
    """What grew since ``before``, beyond what eventlet keeps by design."""
    found = probes.leaks(before, settle=settle, sleep=sleep, poll=0.05,
                         ignore=('hub epolls',))
    return {LEAK_NAMES[key]: sorted(found[key]) if key == 'fds' else
            found[key] for key in LEAK_NAMES if key in found}


# -- rounds -------------------------------------------------------------------

def warm_up():
    timer = lc.FixedIntervalLoopingCall(lambda: None)
    timer.start(interval=30)
    timer.stop()
    bounded_wait(timer)
    if tpool is not None:
        tpool.execute(lambda: None)


def monkey_round(cfg):
    warm_up()
    before = probes.snapshot()
    load = Load(cfg['seed'], cfg['controllers'], cfg['seconds']).run()
    return {'load': load, 'leaks': leaks(before)}


def like_process_launcher():
    # What oslo.service's ProcessLauncher does in a new eventlet worker.
    tpool.killall()
    eventlet.hubs.use_hub()


def child_load(cfg, seed):
    load = Load(seed, max(2, cfg['controllers'] // 4),
                cfg['child_seconds'], tpool_stops=False).run()
    return {'counts': dict(load.counts), 'problems': load.problems[:5]}


def fork_child(cfg, seed):
    """A child's load: (runs by ending, problems), or (None, why)."""
    out = forking.in_forked_child(
        lambda: child_load(cfg, seed),
        alarm_after=int(cfg['child_seconds'] + 3),
        seconds=cfg['child_seconds'] + 5, sleep=sleep, poll=0.01,
        prepare=like_process_launcher if GREEN else None)
    if out == 'hung' or 'hung' in out:
        return None, ['the child hung (killed)']
    if 'error' in out:
        return None, [out['error']]
    return out['counts'], out['problems']


def fork_round(cfg):
    warm_up()
    before = probes.snapshot()
    load = Load(cfg['seed'], cfg['controllers'], cfg['seconds'],
                tpool_stops=False)
    parent = os_threading.Thread(target=load.run, daemon=True)
    parent.start()
    children = []
    rng = random.Random(cfg['seed'])
    while parent.is_alive() and len(children) < cfg['forks']:
        sleep(rng.random() * 0.05)
        children.append(fork_child(cfg, rng.random()))
    parent.join(cfg['seconds'] + HUNG_AFTER * 2)
    if parent.is_alive():
        load.problem('the parent load never ended')
    return {'load': load, 'children': children, 'leaks': leaks(before)}


def report_of(out, cfg, wall):
    load = out['load']
    checks = report.Report()
    checks.line(f'oslo_loopingcall stress: {ROUND} round, mode {MODE}, '
                f'seed {cfg["seed"]}')
    checks.line(f'  runs by ending: {dict(sorted(load.counts.items()))}')
    runs = sum(v for k, v in load.counts.items() if k in ENDINGS)
    checks.check('hung waiters', not load.counts['hung'],
                 f'{load.counts["hung"]} of {runs} runs')
    wrong = [p for p in load.problems if 'hung' not in p]
    checks.check('wrong outcomes', not wrong,
                 f'{len(wrong)}' + (f': {wrong[:2]}' if wrong else ''))
    if 'children' in out:
        children = out['children']
        bad = [c for c in children if c[0] is None or c[1]]
        detail = f'{len(children) - len(bad)} of {len(children)} clean'
        checks.check('forked children', not bad,
                     detail + (f'; {bad[0][1][:2]}' if bad else ''))
    checks.check('leaks', not out['leaks'], out['leaks'] or 'none')
    checks.line(f'  wall time {wall:.1f} s')
    return checks


def main():
    cfg = json.loads(sys.argv[3])
    logging.disable(logging.CRITICAL)  # planned failures log at ERROR
    started = clock()
    out = monkey_round(cfg) if ROUND == 'monkey' else fork_round(cfg)
    checks = report_of(out, cfg, clock() - started)
    print(checks.text(), flush=True)
    report.emit(dict(round=ROUND, mode=MODE, checks=checks.items,
                     ok=checks.ok), 'STRESS-RESULT ')
    report.exit_now(0)


if __name__ == '__main__':
    main()
