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

"""One mode of the stress suite, in a process of its own (see run.py).

Usage: ``python stress/_worker.py MODE CONFIG_JSON``

MODE is ``eventlet`` or ``threading``: it is chosen with
``oslo_loopingcall.backend.set_backend()`` before anything else, since the
mode is per process. The summary table goes to stdout, followed by one line
``STRESS-RESULT <json>`` for run.py. The exit status is 0 only if every
invariant holds.

Rounds, all checked: a warm-up (same concurrency, a short time); the main
round; a memory round traced by tracemalloc (which would slow the main
round down, native-thread starts above all); in eventlet mode, a kill round
where loops are also killed while they sleep (eventlet then retains the
killed greenthreads: reported apart, see ``--strict-kills``).

* in each round, one *controller* per loop (a greenthread, or an OS thread
  in native-thread mode) starts its loop again and again until the round's
  time is up, each run with a fault chosen at random (seeded) that decides
  how the run must end, and with extra waiters, stoppers and killers;
* RetryDecorator callers share a few decorators meanwhile;
* every wait() is registered while it blocks: one still blocked at the
  round's hard deadline is counted HUNG (and, for a greenthread, released),
  so that nothing blocks for ever;
* afterwards, threads, greenthreads, hub timers, file descriptors, memory
  and ERROR records are compared with their baselines.
"""

import collections
import gc
import json
import logging
import os
import queue
import random
import sys
import textwrap
import threading
import time
import tracemalloc
import warnings

warnings.filterwarnings('ignore', message=r'\s*Eventlet is deprecated')

MODE = sys.argv[1] if len(sys.argv) > 1 else 'eventlet'

from oslo_loopingcall import backend  # noqa: E402

backend.set_backend(MODE)

from oslo_loopingcall import loopingcall  # noqa: E402

GREEN = MODE == 'eventlet'
if GREEN:
    import eventlet
    from eventlet import greenthread
    from eventlet import hubs
    import greenlet
    from oslo_loopingcall import _eventlet
else:
    eventlet = greenthread = hubs = greenlet = _eventlet = None

clock = time.monotonic

LOGGER_NAME = 'oslo.loopingcall.loopingcall'

FIXED = 'Fixed'
FWT = 'FixedWithTimeout'
DYN = 'Dynamic'
BACKOFF = 'BackOff'
CLASSES = {
    FIXED: loopingcall.FixedIntervalLoopingCall,
    FWT: loopingcall.FixedIntervalWithTimeoutLoopingCall,
    DYN: loopingcall.DynamicLoopingCall,
    BACKOFF: loopingcall.BackOffLoopingCall,
}
KINDS = list(CLASSES)

# How a run must end. Each run has exactly one cause of its end, so that its
# outcome is known in advance.
DONE = 'done'                # f raises LoopingCallDone(unique value)
EXC = 'exc'                  # f raises an Exception
BASE = 'base'                # f raises a custom BaseException
ETIMEOUT = 'etimeout'        # an eventlet.Timeout escapes f
STOP_IN_F = 'stop_in_f'      # f calls stop() and returns
STOP_IN_F_DONE = 'stop_in_f_done'  # f calls stop(), raises LoopingCallDone
STOP_NOW = 'stop_now'        # stop() right after start()
STOP_OTHER = 'stop_other'    # stop() from another greenthread (or thread)
STOP_OS = 'stop_os'          # stop() from another OS thread (eventlet mode)
STOP_MANY = 'stop_many'      # several stop() calls from several places
KILL = 'kill'                # _thread.kill() from another greenthread
KILL_NOW = 'kill_now'        # _thread.kill() before the first run
TIMEOUT = 'timeout'          # the loop's own timeout (FWT, BackOff)
DYN_ERR = 'dyn_err'          # Dynamic: f returns None, no maximum

ENDING_WEIGHTS = {
    DONE: 18, EXC: 10, BASE: 6, ETIMEOUT: 4, STOP_IN_F: 8,
    STOP_IN_F_DONE: 3, STOP_NOW: 3, STOP_OTHER: 12, STOP_OS: 6,
    STOP_MANY: 5, KILL: 6, KILL_NOW: 2, TIMEOUT: 10, DYN_ERR: 4,
}
F_ENDINGS = (DONE, EXC, BASE, ETIMEOUT, STOP_IN_F, STOP_IN_F_DONE, DYN_ERR)
# Endings used for the first run of each controller: they keep every loop
# running for a while, so that all of them run at once.
RAMP_ENDINGS = (STOP_OTHER, STOP_OS, STOP_MANY, KILL)

P_SWALLOW = 0.15      # f raises, swallowed (stop_on_exception=False)
P_WAIT_IN_F = 0.01    # f calls wait() on its own loop (RuntimeError)
P_YIELD = 0.05        # f yields (or sleeps 1 ms) in the middle of a run
P_NEW_LOOP = 0.15     # a controller drops its loop for a new one
P_STOP_ENDED = 0.05   # stop() on the finished loop before restarting it
P_SECOND_WAIT = 0.05  # wait() again once the run has ended
P_OS_WAITER = 0.03    # (eventlet) an OS thread waits too
# Shortest idle time f asks for. Native threads each wake up on their own
# (and contend for the GIL): their loops idle at least 10 ms.
MIN_IDLE = 0.001 if GREEN else 0.01


class Injected(Exception):
    """An exception f raises on purpose, ending its loop."""


class Swallowed(Exception):
    """Raised by f under stop_on_exception=False: logged, loop goes on."""


class InjectedBase(BaseException):
    """A BaseException that is not an Exception."""


class RetryMe(Exception):
    """Retried by the decorators that list it."""


class RetryMeToo(Exception):
    """Retried by the decorators that list it."""


class NotRetried(Exception):
    """Never retried: reaches the caller at once."""


class Hung(BaseException):
    """Thrown into a waiter still blocked at the round's hard deadline."""


class Token:
    """A unique value: what one run (or one retry call) must give back."""

    __slots__ = ('label',)

    def __init__(self, label):
        self.label = label

    def __repr__(self):
        return f'<Token {self.label}>'


# -- the ERROR log ----------------------------------------------------------

class ErrorLog(logging.Handler):
    """Counts ERROR records and matches each to a failure that happened.

    f registers every exception it raises that must be logged (by
    identity) before raising it; a record whose exception was registered
    consumes the registration. Exceptions the library creates itself
    (LoopingCallTimeOut, the Dynamic RuntimeError) are claimed by the run
    that ended with them, by identity too.
    """

    def __init__(self):
        super().__init__(level=logging.WARNING)
        self.expected = {}      # id -> exception, registered, not yet seen
        self.unclaimed = {}     # id -> exception, logged, not registered
        self.n_expected = 0
        self.errors = 0
        self.warnings = 0
        self.without_exc = 0

    def expect(self, exc):
        with self.lock:
            self.expected[id(exc)] = exc
            self.n_expected += 1

    def claim(self, exc):
        """One ERROR record was due for ``exc``; was it logged?"""
        with self.lock:
            self.n_expected += 1
            return self.unclaimed.pop(id(exc), None) is exc

    def emit(self, record):
        if record.levelno < logging.ERROR:
            self.warnings += 1
            return
        self.errors += 1
        exc = record.exc_info[1] if record.exc_info else None
        if exc is None:
            self.without_exc += 1
        elif self.expected.pop(id(exc), None) is not exc:
            self.unclaimed[id(exc)] = exc

    def verdict(self):
        missing = len(self.expected)
        unexpected = len(self.unclaimed) + self.without_exc
        ok = (missing == 0 and unexpected == 0 and
              self.errors == self.n_expected)
        return ok, missing, unexpected


# -- bookkeeping ------------------------------------------------------------

class Round:
    """State and counters of one round."""

    def __init__(self, name, loops, retry_callers, duration, grace):
        self.name = name
        self.loops = loops
        self.retry_callers = retry_callers
        self.duration = duration
        self.t0 = clock()
        self.t_end = self.t0 + duration
        self.hard = self.t_end + grace
        self.lock = threading.Lock()
        self.counts = collections.Counter()
        self.waiting = {}
        self.hung = 0
        self.hung_labels = []
        self.problems = []
        self.n_problems = 0
        self.running = 0
        self.peak = 0
        self.ramped_at = None
        self.ramped = threading.Event()
        self.abandon = False
        self.over = False
        self.go = threading.Event()
        self.os_retry_done = 0

    def add(self, key, n=1):
        with self.lock:
            self.counts[key] += n

    def problem(self, text):
        with self.lock:
            self.n_problems += 1
            if len(self.problems) < 12:
                self.problems.append(text)

    def started(self):
        with self.lock:
            self.running += 1
            if self.running > self.peak:
                self.peak = self.running
                if self.peak >= self.loops and self.ramped_at is None:
                    self.ramped_at = clock()
                    self.ramped.set()

    def ended(self):
        with self.lock:
            self.running -= 1

    def expire(self):
        """The hard deadline: count (and free) every blocked waiter."""
        self.abandon = True
        for entry in self.waiting.copy().values():
            if entry[2]:
                continue
            entry[2] = True
            with self.lock:
                self.hung += 1
                if len(self.hung_labels) < 12:
                    self.hung_labels.append(entry[0])
            if entry[1] is not None:
                greenthread.kill(entry[1], Hung, Hung(), None)


class Run:
    """One run of one loop: start() to the end, with its planned ending."""

    __slots__ = ('loop', 'body', 'kind', 'label', 'ending', 'k', 'soe',
                 'pim', 'kwargs', 'expect', 'outcomes', 'calls', 'rng',
                 'token', 'exc', 'actions', 'waiters', 'os_waiter',
                 'pending', 'settled', 'n_waits', 'swallow_p', 'ramp', 'rnd',
                 'lock')

    def __init__(self):
        self.outcomes = []
        self.calls = 0
        self.pending = 0
        self.n_waits = 0
        self.expect = None
        self.token = None
        self.exc = None
        self.lock = threading.Lock()
        self.settled = threading.Event()
        self.settled.set()

    def add_pending(self, n=1):
        """Count jobs of OS threads for this run (stop, wait) in and out."""
        with self.lock:
            self.pending += n
            if self.pending:
                self.settled.clear()
            else:
                self.settled.set()


class Body:
    """The f of one loop object, reconfigured for every run."""

    __slots__ = ('suite', 'loop', 'run')

    def __init__(self, suite):
        self.suite = suite
        self.loop = None
        self.run = None

    def __call__(self):
        return self.suite.f(self)


class RetryCall:
    """One call of a RetryDecorator-decorated function, and its plan."""

    __slots__ = ('n_fail', 'classes', 'final', 'attempts', 'caller',
                 'last', 'token', 'final_exc', 'wrong_caller')

    def __init__(self):
        self.attempts = 0
        self.last = None
        self.token = None
        self.final_exc = None
        self.wrong_caller = 0


# -- the suite --------------------------------------------------------------

class Suite:

    def __init__(self, cfg, log):
        self.cfg = cfg
        self.log = log
        self.endings = [e for e in ENDING_WEIGHTS
                        if GREEN or e not in (ETIMEOUT, STOP_OS, KILL,
                                              KILL_NOW)]
        self.decorators = self._make_decorators()
        # OS threads that stop loops and wait for them on behalf of the
        # controllers: in eventlet mode, the cross-thread calls; in
        # native-thread mode, every stop() and wait() from another thread
        # (a pool, since starting threads under load is slow).
        self.pool = []
        self.stop_q = queue.Queue()
        self.wait_q = queue.Queue()
        self.retry_q = queue.Queue()

    # -- helpers of both modes

    def spawn(self, fn, *args):
        if GREEN:
            return eventlet.spawn(fn, *args)
        thread = threading.Thread(target=fn, args=args, daemon=True)
        thread.start()
        return thread

    def join(self, handle, rnd):
        if GREEN:
            try:
                handle.wait()
            except BaseException as exc:  # noqa: B902 - reported
                rnd.problem(f'helper greenthread died: {exc!r}')
            return
        handle.join(max(0.0, rnd.hard + 1 - clock()))

    def sleep(self, seconds):
        if GREEN:
            eventlet.sleep(seconds)
        else:
            time.sleep(seconds)

    # -- pools of OS threads (created once, before the rounds)

    def start_pools(self):
        cfg = self.cfg
        for _ in range(cfg['os_stoppers']):
            self.pool.append(self._thread(self._os_stopper))
        for _ in range(cfg['os_waiters']):
            self.pool.append(self._thread(self._os_waiter))
        for i in range(cfg['os_retry_threads']):
            self.pool.append(self._thread(self._os_retry, i))

    def stop_pools(self, timeout=10):
        for _ in range(self.cfg['os_stoppers']):
            self.stop_q.put(None)
        for _ in range(self.cfg['os_waiters']):
            self.wait_q.put(None)
        for _ in range(self.cfg['os_retry_threads']):
            self.retry_q.put(None)
        deadline = clock() + timeout
        for thread in self.pool:
            thread.join(max(0.0, deadline - clock()))
        return not any(t.is_alive() for t in self.pool)

    @staticmethod
    def _thread(target, *args):
        thread = threading.Thread(target=target, args=args, daemon=True)
        thread.start()
        return thread

    def _os_stopper(self):
        while True:
            item = self.stop_q.get()
            if item is None:
                return
            due, delay, rnd, run = item
            if run.ramp:
                due = self._ramped(rnd, time.sleep) + delay
            delay = due - clock()
            if delay > 0:
                time.sleep(delay)
            try:
                run.loop.stop()
            except BaseException as exc:  # noqa: B902 - reported
                rnd.problem(f'{run.label}: stop() from an OS thread '
                            f'raised {exc!r}')
            rnd.add('did_stop_os' if GREEN else 'did_stop_other')
            run.add_pending(-1)
            # Hold nothing of the run while blocked in get().
            del item, rnd, run

    def _os_waiter(self):
        while True:
            item = self.wait_q.get()
            if item is None:
                return
            rnd, run, delay = item
            if delay:
                time.sleep(delay)
            self.wait_for(rnd, run, os_thread=True)
            run.add_pending(-1)
            del item, rnd, run

    def _os_retry(self, index):
        while True:
            rnd = self.retry_q.get()
            if rnd is None:
                return
            try:
                self.retry_caller(rnd, f'os{index}', True)
            finally:
                with rnd.lock:
                    rnd.os_retry_done += 1
            del rnd

    # -- a round

    def run_round(self, name, loops, retry_callers, duration, grace,
                  endings, ramp=True):
        rnd = Round(name, loops, retry_callers, duration, grace)
        rnd.endings = endings
        rnd.ramp = ramp
        seeds = random.Random(f'{self.cfg["seed"]}:{MODE}:{name}')
        handles = []
        for i in range(loops):
            handles.append(self.spawn(self.controller, rnd, i,
                                      seeds.getrandbits(64)))
        for i in range(retry_callers):
            handles.append(self.spawn(self.retry_caller, rnd,
                                      seeds.getrandbits(64), False))
        if GREEN:
            n_os = self.cfg['os_retry_threads']
            for _ in range(n_os):
                self.retry_q.put(rnd)
            rnd.go.set()
            dog = eventlet.spawn(self.watchdog, rnd)
            for handle in handles:
                self.join(handle, rnd)
            while rnd.os_retry_done < n_os and not rnd.abandon:
                eventlet.sleep(0.01)
            rnd.over = True
            dog.wait()
        else:
            rnd.go.set()
            for handle in handles:
                handle.join(max(0.0, rnd.hard - clock()))
            if any(h.is_alive() for h in handles):
                rnd.expire()
                for handle in handles:
                    handle.join(max(0.0, rnd.hard + 5 - clock()))
            stuck = sum(1 for h in handles if h.is_alive())
            if stuck:
                rnd.problem(f'{stuck} controller threads still blocked '
                            f'after the hard deadline')
            rnd.over = True
        rnd.wall = clock() - rnd.t0
        if os.environ.get('STRESS_DEBUG'):
            ramp = rnd.ramped_at and rnd.ramped_at - rnd.t0
            print(f'round {name}: ramped after {ramp} s, wall {rnd.wall:.1f}'
                  f' s, runs {rnd.counts["runs"]}', flush=True)
        rnd.waiting = {}  # a dict does not shrink: let the big one go
        return rnd

    def watchdog(self, rnd):
        while not rnd.over:
            now = clock()
            if now >= rnd.hard:
                rnd.expire()
                if now >= rnd.hard + 30:
                    print(f'stress: round {rnd.name!r} stuck 30 s after '
                          f'its hard deadline; hung {rnd.hung}; '
                          f'problems {rnd.problems}', flush=True)
                    os._exit(3)
            eventlet.sleep(0.1)

    # -- waiting, with registration

    def wait_for(self, rnd, run, os_thread=False):
        key = object()
        entry = [run.label, None if os_thread or not GREEN
                 else greenlet.getcurrent(), False]
        rnd.waiting[key] = entry
        try:
            try:
                value = run.loop.wait()
            finally:
                rnd.waiting.pop(key, None)
        except Hung:
            return
        except BaseException as exc:  # noqa: B902 - the loop's outcome
            if not entry[2]:
                run.outcomes.append((False, exc))
        else:
            if not entry[2]:
                run.outcomes.append((True, value))
        rnd.add('waits_os' if os_thread and GREEN else 'waits')

    # -- the controller of one loop

    def controller(self, rnd, index, seed):
        rng = random.Random(seed)
        rnd.go.wait()
        loop = body = None
        number = 0
        try:
            while clock() < rnd.t_end and not rnd.abandon:
                fresh = loop is None or rng.random() < P_NEW_LOOP
                if fresh:
                    kind = rng.choice(KINDS)
                    body = Body(self)
                    loop = CLASSES[kind](body)
                    body.loop = loop
                    rnd.add('loops')
                run = self.plan(rnd, rng, loop, body, index, number)
                self.execute(rnd, rng, run, fresh)
                number += 1
        except BaseException as exc:  # noqa: B902 - reported
            rnd.problem(f'controller {index} crashed: {exc!r}')

    def plan(self, rnd, rng, loop, body, index, number):
        run = Run()
        run.loop = loop
        run.body = body
        kind = run.kind = next(k for k, c in CLASSES.items()
                               if type(loop) is c)
        if number == 0 and rnd.ramp:
            choices = [e for e in RAMP_ENDINGS if e in rnd.endings]
        else:
            choices = [e for e in rnd.endings
                       if (e != TIMEOUT or kind in (FWT, BACKOFF)) and
                       (e != DYN_ERR or kind == DYN)]
        ending = run.ending = rng.choices(
            choices, [ENDING_WEIGHTS[e] for e in choices])[0]
        run.label = f'{kind}#{index}.{number}:{ending}'
        run.rng = random.Random(rng.getrandbits(64))
        run.k = rng.randint(0, 6) if rng.random() < 0.9 else \
            rng.randint(7, 15)
        run.ramp = number == 0 and rnd.ramp
        soe = rng.random() < 0.7 or ending == EXC
        pim = None
        interval = MIN_IDLE if rng.random() < 0.2 else \
            rng.uniform(MIN_IDLE, 0.05)
        initial = rng.uniform(0.001, 0.03) if rng.random() < 0.25 else \
            rng.choice([None, 0])
        if kind in (FIXED, FWT):
            kwargs = dict(interval=interval, initial_delay=initial,
                          stop_on_exception=soe)
            if kind == FWT:
                kwargs['timeout'] = (rng.uniform(0.01, 0.15)
                                     if ending == TIMEOUT
                                     else rng.choice([0, -1, 3600]))
        elif kind == DYN:
            if ending == DYN_ERR or (soe and rng.random() < 0.3):
                pim = None
            else:
                pim = rng.uniform(max(0.005, MIN_IDLE), 0.05)
            kwargs = dict(initial_delay=initial,
                          periodic_interval_max=pim,
                          stop_on_exception=soe)
        else:
            soe = True
            kwargs = dict(initial_delay=initial,
                          starting_interval=rng.uniform(MIN_IDLE, 0.02),
                          timeout=(rng.uniform(0.02, 0.2)
                                   if ending == TIMEOUT
                                   else rng.choice([0, 3600])),
                          max_interval=rng.uniform(0.01, 0.05),
                          jitter=rng.choice([0.75, 0.75, None, 0.5, 1.5]),
                          min_interval=MIN_IDLE)
        run.soe = soe
        run.pim = pim
        run.kwargs = kwargs
        # Swallowed failures only where the loop goes on at a short pace.
        run.swallow_p = P_SWALLOW if (not soe and (kind != DYN or pim)) \
            else 0.0
        # Who ends the run from outside, and when.
        actions = []

        def delay():
            if run.ramp:
                return rng.uniform(0.3, 0.6)
            return 0 if rng.random() < 0.1 else rng.uniform(0.001, 0.15)

        if ending == STOP_OTHER:
            actions.append(('other', delay()))
        elif ending == STOP_OS:
            actions.append(('os', delay()))
        elif ending == STOP_MANY:
            for _ in range(rng.randint(2, 4)):
                how = rng.choice(['other', 'os']) if GREEN else 'other'
                actions.append((how, delay()))
        elif ending == KILL:
            actions.append(('kill', delay()))
        run.actions = actions
        # Who waits besides the controller.
        if GREEN:
            n = rng.choices([0, 1, 2, 3], [50, 25, 15, 10])[0]
        else:
            n = rng.choices([0, 1, 2], [60, 30, 10])[0]
        run.waiters = [0 if rng.random() < 0.3 else rng.uniform(0, 0.1)
                       for _ in range(n)]
        run.os_waiter = (GREEN and rng.random() < P_OS_WAITER and
                         rng.uniform(0, 0.05))
        if ending in (DONE, STOP_IN_F_DONE):
            run.token = Token(run.label)
            run.expect = ('ret', run.token)
        elif ending == EXC:
            run.exc = Injected(run.label)
            run.expect = ('raise', run.exc)
        elif ending == BASE:
            run.exc = InjectedBase(run.label)
            run.expect = ('raise', run.exc)
        elif ending in (STOP_IN_F, STOP_NOW, STOP_OTHER, STOP_OS,
                        STOP_MANY):
            run.expect = ('ret', True)
        elif ending in (KILL, KILL_NOW):
            run.expect = ('type', greenlet.GreenletExit)
        elif ending == TIMEOUT:
            run.expect = ('type', loopingcall.LoopingCallTimeOut)
        elif ending == DYN_ERR:
            run.expect = ('type', RuntimeError)
        # ETIMEOUT: set by f when it creates the Timeout.
        return run

    def execute(self, rnd, rng, run, fresh):
        loop = run.loop
        if not fresh:
            rnd.add('restarts')
            if rng.random() < P_STOP_ENDED:
                loop.stop()  # the loop has ended: no effect
                rnd.add('stop_ended')
        run.body.run = run
        run.rnd = rnd
        try:
            event = loop.start(**run.kwargs)
        except Exception as exc:
            rnd.problem(f'{run.label}: start() raised {exc!r}')
            return
        rnd.started()
        rnd.add('runs')
        rnd.add('end:' + run.ending)
        if event is not loop.done:
            rnd.problem(f'{run.label}: start() did not return loop.done')
        if run.ending == STOP_NOW:
            loop.stop()
        elif run.ending == KILL_NOW:
            loop._thread.kill()
        handles = []
        for how, delay in run.actions:
            if how == 'os' or not GREEN:
                run.add_pending()
                self.stop_q.put((clock() + delay, delay, rnd, run))
            else:
                handles.append(self.spawn(self.act, rnd, run, how, delay))
        for delay in run.waiters:
            if GREEN:
                run.n_waits += 1
                handles.append(self.spawn(self.waiter, rnd, run, delay))
            elif self.wait_q.qsize() < self.cfg['os_waiters']:
                run.n_waits += 1
                run.add_pending()
                self.wait_q.put((rnd, run, delay))
        if run.os_waiter is not False and (
                self.wait_q.qsize() < self.cfg['os_waiters']):
            run.n_waits += 1
            run.add_pending()
            self.wait_q.put((rnd, run, run.os_waiter))
        run.n_waits += 1
        self.wait_for(rnd, run)
        rnd.ended()
        for handle in handles:
            self.join(handle, rnd)
        if GREEN:
            while run.pending > 0 and clock() < rnd.hard + 1:
                self.sleep(0.002)
        else:
            run.settled.wait(max(0.0, rnd.hard + 1 - clock()))
        if rng.random() < P_SECOND_WAIT:
            run.n_waits += 1
            rnd.add('second_waits')
            self.wait_for(rnd, run)
        self.check(rnd, run)

    def act(self, rnd, run, how, delay):
        if run.ramp:
            delay = max(0.0, self._ramped(rnd, self.sleep) + delay - clock())
        self.sleep(delay)
        if how == 'kill':
            thread = run.loop._thread
            if thread is None:
                rnd.problem(f'{run.label}: ended before it was killed')
                return
            thread.kill()
            rnd.add('did_kill')
        else:
            run.loop.stop()
            rnd.add('did_stop_other')

    @staticmethod
    def _ramped(rnd, sleep):
        """When all loops of the round first ran at once.

        First runs are ended only after that moment.
        """
        if GREEN and sleep is not time.sleep:
            limit = clock() + 10
            while rnd.ramped_at is None and clock() < limit:
                sleep(0.01)
        else:
            rnd.ramped.wait(10)
        return rnd.ramped_at or clock()

    def waiter(self, rnd, run, delay):
        if delay:
            self.sleep(delay)
        self.wait_for(rnd, run)

    # -- f

    def f(self, body):
        run = body.run
        rnd = run.rnd
        call = run.calls
        run.calls += 1
        rng = run.rng
        rnd.add('f_calls')
        if rng.random() < P_WAIT_IN_F:
            rnd.add('wait_in_f')
            try:
                body.loop.wait()
            except RuntimeError:
                pass
            else:
                rnd.problem(f'{run.label}: wait() inside f returned')
        ending = run.ending
        if call == run.k and ending in F_ENDINGS:
            if ending == DONE:
                raise loopingcall.LoopingCallDone(run.token)
            if ending in (EXC, BASE):
                self.log.expect(run.exc)
                raise run.exc
            if ending == ETIMEOUT:
                timeout = eventlet.Timeout(0.002)
                run.expect = ('raise', timeout)
                self.log.expect(timeout)
                try:
                    eventlet.sleep(0.1)
                finally:
                    timeout.cancel()
                rnd.problem(f'{run.label}: eventlet.Timeout did not fire')
                return None
            if ending in (STOP_IN_F, STOP_IN_F_DONE):
                body.loop.stop()
                if ending == STOP_IN_F_DONE:
                    raise loopingcall.LoopingCallDone(run.token)
                return self._result(run, rng)
            if ending == DYN_ERR:
                return None
        if run.swallow_p and rng.random() < run.swallow_p:
            exc = Swallowed(run.label)
            self.log.expect(exc)
            rnd.add('swallowed')
            raise exc
        if rng.random() < P_YIELD:
            rnd.add('f_yields')
            self.sleep(0 if rng.random() < 0.7 else 0.001)
        return self._result(run, rng)

    @staticmethod
    def _result(run, rng):
        kind = run.kind
        if kind == DYN:
            x = rng.random()
            if run.pim is not None and x < 0.15:
                return None
            if x < 0.2:
                return 0
            if x < 0.25:
                return -0.01  # overdue: no wait (D09)
            return rng.uniform(MIN_IDLE, 0.05)
        if kind == BACKOFF:
            if run.ending == TIMEOUT:
                return False
            return rng.random() < 0.6
        return None

    # -- checking a run

    def check(self, rnd, run):
        expect = run.expect
        outs = run.outcomes
        label = run.label
        if expect is None:
            rnd.problem(f'{label}: never reached its planned end '
                        f'({run.calls} runs of f)')
            return
        if len(outs) != run.n_waits and not rnd.abandon:
            rnd.problem(f'{label}: {run.n_waits} waits, '
                        f'{len(outs)} outcomes')
        how, want = expect
        first = None
        for returned, value in outs:
            if how == 'ret':
                good = returned and value is want
            elif how == 'raise':
                good = not returned and value is want
            else:
                good = not returned and isinstance(value, want)
                if good:
                    if first is None:
                        first = value
                    elif value is not first:
                        good = False
            if not good:
                what = 'returned' if returned else 'raised'
                rnd.problem(f'{label}: expected {how} {want!r}, '
                            f'{what} {value!r}')
                break
        ending = run.ending
        if ending in (TIMEOUT, DYN_ERR) and first is not None:
            if not self.log.claim(first):
                rnd.problem(f'{label}: {first!r} was not logged at ERROR')
        if ending in F_ENDINGS and run.calls != run.k + 1:
            rnd.problem(f'{label}: f ran {run.calls} times, '
                        f'expected {run.k + 1}')
        if ending in (STOP_NOW, KILL_NOW) and GREEN and run.calls:
            rnd.problem(f'{label}: f ran {run.calls} times after an '
                        f'immediate {ending}')
        if how == 'ret' and want is True:
            rnd.add('out:stop')
        elif how == 'ret':
            rnd.add('out:result')
        elif ending in (KILL, KILL_NOW):
            rnd.add('out:kill')
        else:
            rnd.add('out:exception')

    # -- RetryDecorator

    def _make_decorators(self):
        specs = [
            dict(max_retry_count=3, inc_sleep_time=0.001,
                 max_sleep_time=0.004, exceptions=(RetryMe, RetryMeToo)),
            dict(max_retry_count=-1, inc_sleep_time=0.002,
                 max_sleep_time=0.005, exceptions=RetryMe),
            dict(max_retry_count=0, inc_sleep_time=0.001,
                 max_sleep_time=None, exceptions=RetryMe),
            dict(max_retry_count=5, inc_sleep_time=0.001,
                 max_sleep_time=0.01, exceptions=(RetryMe,)),
            dict(max_retry_count=2, inc_sleep_time=0.003,
                 max_sleep_time=0.003),
        ]
        decorators = []
        for spec in specs:
            deco = loopingcall.RetryDecorator(**spec)
            exceptions = spec.get('exceptions', ())
            if not isinstance(exceptions, tuple):
                exceptions = (exceptions,)
            decorators.append((deco(self.retry_target),
                               spec['max_retry_count'], exceptions))
        return decorators

    def retry_target(self, call):
        """The one function every decorator wraps: follows ``call``."""
        call.attempts += 1
        if call.caller is not self._caller_id():
            call.wrong_caller += 1
        if call.attempts <= call.n_fail:
            cls = call.classes[call.attempts % len(call.classes)]
            call.last = cls(call.attempts)
            raise call.last
        final = call.final
        if final == 'ok':
            return call.token
        if final == 'done':
            raise loopingcall.LoopingCallDone(call.token)
        raise call.final_exc

    @staticmethod
    def _caller_id():
        if GREEN:
            return greenlet.getcurrent()
        return threading.current_thread()

    def retry_caller(self, rnd, seed, os_thread):
        rng = random.Random(seed)
        if not os_thread:
            rnd.go.wait()
        number = 0
        try:
            while clock() < rnd.t_end and not rnd.abandon:
                self.retry_call(rnd, rng, f'retry{seed}.{number}',
                                os_thread)
                number += 1
        except BaseException as exc:  # noqa: B902 - reported
            rnd.problem(f'retry caller crashed: {exc!r}')

    def retry_call(self, rnd, rng, label, os_thread):
        fn, max_retry, classes = rng.choice(self.decorators)
        call = RetryCall()
        call.caller = self._caller_id()
        exhaust = False
        if classes:
            cap = max_retry if max_retry >= 0 else 4
            call.n_fail = rng.randint(0, cap + (1 if max_retry >= 0 else 0))
            exhaust = max_retry >= 0 and call.n_fail == max_retry + 1
            call.classes = classes
        else:
            call.n_fail = 0
            call.classes = (RetryMe,)
        call.final = None if exhaust else rng.choices(
            ['ok', 'done', 'other', 'base'], [70, 10, 10, 10])[0]
        if call.final in ('ok', 'done'):
            call.token = Token(label)
        elif call.final == 'other':
            call.final_exc = (NotRetried(label) if classes or
                              rng.random() < 0.5 else RetryMe(label))
        elif call.final == 'base':
            call.final_exc = InjectedBase(label)
        key = object()
        entry = [label, greenlet.getcurrent() if GREEN and not os_thread
                 else None, False]
        rnd.waiting[key] = entry
        try:
            try:
                value = fn(call)
                returned = True
            finally:
                rnd.waiting.pop(key, None)
        except Hung:
            return
        except BaseException as exc:  # noqa: B902 - the call's outcome
            value = exc
            returned = False
        if entry[2]:
            return
        rnd.add('retry_calls_os' if os_thread else 'retry_calls')
        rnd.add('retry_attempts', call.attempts)
        if exhaust:
            rnd.add('retry_exhausted')
            good = not returned and value is call.last
            attempts = max_retry + 1
        else:
            rnd.add('retry_' + call.final)
            if call.final in ('ok', 'done'):
                good = returned and value is call.token
            else:
                good = not returned and value is call.final_exc
            attempts = call.n_fail + 1
        if call.n_fail and not (exhaust and max_retry == 0):
            rnd.add('retry_retried')
        if not good:
            what = 'returned' if returned else 'raised'
            rnd.problem(f'{label}: retry {what} {value!r}, plan '
                        f'{call.n_fail} failures then {call.final}')
        if call.attempts != attempts:
            rnd.problem(f'{label}: {call.attempts} attempts, expected '
                        f'{attempts}')
        if call.wrong_caller:
            rnd.problem(f'{label}: {call.wrong_caller} attempts ran '
                        f'outside the caller')


# -- measurements -----------------------------------------------------------

def fds():
    result = {}
    for name in os.listdir('/proc/self/fd'):
        try:
            result[int(name)] = os.readlink(f'/proc/self/fd/{name}')
        except OSError:
            pass  # the listing's own fd, closed meanwhile
    return result


def hub_timers(hub):
    return len(hub.timers) + len(hub.next_timers)


def settle_timers(hub, baseline, limit=5.0):
    """Let canceled timers expire; return (count, seconds it took)."""
    t0 = clock()
    while True:
        count = hub_timers(hub)
        if count <= baseline or clock() - t0 > limit:
            return count, clock() - t0
        eventlet.sleep(0.05)


def settle_threads(baseline, limit=5.0):
    t0 = clock()
    while threading.active_count() > baseline and clock() - t0 < limit:
        time.sleep(0.01)
    return threading.active_count()


def live_loop_threads():
    gc.collect()
    if GREEN:
        alive = retained = 0
        for obj in gc.get_objects():
            if isinstance(obj, greenthread.GreenThread):
                if not obj.dead:
                    alive += 1
                if isinstance(obj, _eventlet._LoopThread):
                    retained += 1
        return alive, retained
    alive = sum(1 for t in threading.enumerate()
                if t.name.startswith('loopingcall:'))
    return alive, 0


def debug_retained():
    """Print what ended each retained loop greenthread (STRESS_DEBUG)."""
    for obj in gc.get_objects():
        if not isinstance(obj, _eventlet._LoopThread):
            continue
        exc = obj._exit_event._exc
        labels = set()
        tb = exc[2] if exc else None
        while tb is not None:
            run = tb.tb_frame.f_locals.get('self')
            body = getattr(run, 'f', None)
            if isinstance(body, Body) and body.run is not None:
                labels.add(body.run.label)
            tb = tb.tb_next
        print('retained loop greenthread:', exc and exc[1].__class__.__name__,
              obj._exit_event._result, labels, flush=True)


def other_hub_fds(main_hub):
    """The epoll fds of hubs eventlet made for other OS threads."""
    result = set()
    for obj in gc.get_objects():
        if (isinstance(obj, hubs.hub.BaseHub) and obj is not main_hub and
                hasattr(obj, 'poll') and hasattr(obj.poll, 'fileno')):
            try:
                result.add(obj.poll.fileno())
            except (OSError, ValueError):
                pass
    return result


# -- the report -------------------------------------------------------------

def n(value):
    return f'{value:,}'


class Report:

    def __init__(self):
        self.lines = []
        self.checks = []

    def line(self, text=''):
        self.lines.append(text)

    WIDTH = 79

    def row(self, label, value):
        self.lines.append(f'  {label:<40} {value}')

    def check(self, name, ok, detail):
        self.checks.append((name, bool(ok), detail))
        self.status('PASS' if ok else 'FAIL', name, detail)

    def status(self, word, name, detail):
        """One line per invariant, wrapped at '; ' where possible."""
        head = f'  {word} {name:<17} '
        room = self.WIDTH - len(head)
        lines = []
        for chunk in detail.split('; '):
            if lines and len(lines[-1]) + 2 + len(chunk) <= room:
                lines[-1] += '; ' + chunk
            else:
                if lines:
                    lines[-1] += ';'
                lines.extend(textwrap.wrap(chunk, room) or [''])
        pad = ' ' * len(head)
        self.lines.extend((head if i == 0 else pad) + line
                          for i, line in enumerate(lines))

    def text(self):
        return '\n'.join(self.lines)


def describe(report, c, loops, peak):
    report.row('loops (concurrent, peak)', f'{n(loops)} ({n(peak)})')
    report.row('loop objects / runs started / restarts',
               f'{n(c["loops"])} / {n(c["runs"])} / {n(c["restarts"])}')
    report.row('runs of f', n(c['f_calls']))
    if GREEN:
        report.row('wait() calls (from OS threads)',
                   f'{n(c["waits"] + c["waits_os"])} ({n(c["waits_os"])})')
        report.row('RetryDecorator calls (from OS threads)',
                   f'{n(c["retry_calls"] + c["retry_calls_os"])} '
                   f'({n(c["retry_calls_os"])})')
    else:
        report.row('wait() calls', n(c['waits']))
        report.row('RetryDecorator calls', n(c['retry_calls']))
    report.row('RetryDecorator attempts', n(c['retry_attempts']))
    report.line('faults injected (runs ended by each)')
    e = {k[4:]: v for k, v in c.items() if k.startswith('end:')}
    report.row('LoopingCallDone(unique value) from f', n(e.get(DONE, 0)))
    report.row('Exception from f', n(e.get(EXC, 0)))
    report.row('custom BaseException from f', n(e.get(BASE, 0)))
    if GREEN:
        report.row('eventlet.Timeout escaping f', n(e.get(ETIMEOUT, 0)))
    report.row('stop() inside f (then LoopingCallDone)',
               f'{n(e.get(STOP_IN_F, 0) + e.get(STOP_IN_F_DONE, 0))} '
               f'({n(e.get(STOP_IN_F_DONE, 0))})')
    report.row('stop() right after start()', n(e.get(STOP_NOW, 0)))
    other = 'greenthread' if GREEN else 'thread'
    report.row(f'stop() from another {other}', n(e.get(STOP_OTHER, 0)))
    if GREEN:
        report.row('stop() from another OS thread', n(e.get(STOP_OS, 0)))
    report.row('stop() from 2-4 places at once', n(e.get(STOP_MANY, 0)))
    if GREEN:
        report.row('_thread.kill() (before the first run)',
                   f'{n(e.get(KILL, 0) + e.get(KILL_NOW, 0))} '
                   f'({n(e.get(KILL_NOW, 0))})')
    report.row('timeout (FixedWithTimeout, BackOff)', n(e.get(TIMEOUT, 0)))
    report.row('Dynamic f returns None, no maximum', n(e.get(DYN_ERR, 0)))
    report.line('faults injected (loop goes on)')
    report.row('swallowed (stop_on_exception=False)', n(c['swallowed']))
    report.row('wait() inside f (RuntimeError)', n(c['wait_in_f']))
    report.row('f yields mid-run', n(c['f_yields']))
    report.row('stop() of a finished loop (no effect)', n(c['stop_ended']))
    report.row('stop() calls from other greenthreads' if GREEN
               else 'stop() calls from other threads',
               n(c['did_stop_other']))
    if GREEN:
        report.row('stop() calls from OS threads', n(c['did_stop_os']))
        report.row('kill() calls', n(c['did_kill']))
    report.row('RetryDecorator: retried / exhausted',
               f'{n(c["retry_retried"])} / {n(c["retry_exhausted"])}')
    report.row('  other exc / BaseException / LCDone',
               f'{n(c["retry_other"])} / {n(c["retry_base"])} / '
               f'{n(c["retry_done"])}')
    report.line('outcomes (runs)')
    report.row('results / stops / exceptions' +
               (' / kills' if GREEN else ''),
               f'{n(c["out:result"])} / {n(c["out:stop"])} / '
               f'{n(c["out:exception"])}' +
               (f' / {n(c["out:kill"])}' if GREEN else ''))


def retained_mem(mem0, slack_kib):
    """What tracemalloc still finds allocated since ``mem0``.

    Returns the bytes, the number of blocks, the largest site (the tables
    of dicts and sets that churn, such as ``threading._active``, are
    reallocated whole now and then) and, over the limit, the top sites.
    """
    gc.collect()
    gc.collect()
    mem1 = tracemalloc.get_traced_memory()[0]
    stats = tracemalloc.take_snapshot().statistics('lineno')
    blocks = sum(stat.count for stat in stats)
    largest = ''
    if stats:
        frame = stats[0].traceback[0]
        largest = (f'{os.path.basename(frame.filename)}:{frame.lineno}, '
                   f'{stats[0].size / 1024:.0f} KiB')
    top = []
    if mem1 - mem0 > slack_kib * 1024:
        top = [str(stat) for stat in stats[:8]]
    return mem1 - mem0, blocks, largest, top


def main():
    cfg = json.loads(sys.argv[2])
    t_start = clock()
    log = ErrorLog()
    logger = logging.getLogger(LOGGER_NAME)
    logger.addHandler(log)
    logger.propagate = False

    hub = hubs.get_hub() if GREEN else None
    gc.collect()
    threads0 = threading.active_count()
    fds0 = fds()
    timers0 = hub_timers(hub) if GREEN else 0

    suite = Suite(cfg, log)
    suite.start_pools()
    # Killing a loop greenthread while it sleeps makes eventlet (with
    # greenlet, on CPython 3.11) retain the killed greenthread and whatever
    # its frames reference, without our library involved (see the
    # guarantees page): delayed kills get a round of their own, after the
    # memory has been measured.
    endings = [e for e in suite.endings if e != KILL]
    rounds = []

    def run(name, duration, round_endings, ramp=True):
        if any(r.hung for r in rounds):
            duration = 0  # a round hung: report instead of hanging again
        rnd = suite.run_round(name, cfg['loops'], cfg['retry_callers'],
                              duration, cfg['grace'], round_endings, ramp)
        rounds.append(rnd)
        return rnd

    def quiesce():
        if GREEN:
            settle_timers(hub, timers0)
        gc.collect()

    run('warm-up', cfg['warmup'], endings)
    quiesce()
    fds_warm = fds()
    blocks0 = sys.getallocatedblocks()
    main_round = run('main', cfg['duration'], endings)
    quiesce()
    alive, retained = live_loop_threads()
    if retained and os.environ.get('STRESS_DEBUG'):
        debug_retained()
    blocks = sys.getallocatedblocks() - blocks0
    # tracemalloc slows native-thread starts several times over (it takes
    # the GIL for allocations made without it): it traces a round of its
    # own, after the main round has grown every structure to full size.
    tracemalloc.start()
    gc.collect()
    mem0 = tracemalloc.get_traced_memory()[0]
    mem_round = run('memory', cfg['mem_round'], endings, ramp=False)
    quiesce()
    alive2, retained2 = live_loop_threads()
    alive, retained = max(alive, alive2), max(retained, retained2)
    mem_delta, mem_blocks, largest, top = retained_mem(
        mem0, cfg['mem_slack_kib'])
    tracemalloc.stop()
    kill_round = None
    if GREEN and cfg['kill_round'] > 0:
        quiesce()
        blocks_k0 = sys.getallocatedblocks()
        kill_round = run('kills', cfg['kill_round'], suite.endings)
        quiesce()
        k_alive, k_retained = live_loop_threads()
        k_blocks = sys.getallocatedblocks() - blocks_k0
        alive = max(alive, k_alive)
    if GREEN:
        timers1, timers_wait = settle_timers(hub, timers0)
    pools_joined = suite.stop_pools()
    threads1 = settle_threads(threads0)
    if not GREEN:
        alive = max(alive, live_loop_threads()[0])
    gc.collect()
    fds1 = fds()

    counts = collections.Counter()
    for rnd in rounds[1:]:
        counts.update(rnd.counts)
    peak = main_round.peak
    hung = sum(r.hung for r in rounds)
    problems = sum(r.n_problems for r in rounds)
    problem_texts = [t for r in rounds for t in r.problems]
    hung_labels = [t for r in rounds for t in r.hung_labels]
    waits = sum(r.counts['waits'] + r.counts['waits_os'] +
                r.counts['retry_calls'] + r.counts['retry_calls_os']
                for r in rounds)
    runs = sum(r.counts['runs'] for r in rounds)
    retry_calls = sum(r.counts['retry_calls'] + r.counts['retry_calls_os']
                      for r in rounds)
    wall = clock() - t_start

    report = Report()
    report.line(f'oslo_loopingcall stress: mode {MODE}, seed {cfg["seed"]}, '
                f'{"short" if cfg["short"] else "full"}')
    report.line('-' * Report.WIDTH)
    what = 'main, memory' + (' and kill rounds' if kill_round else ' rounds')
    report.line(f'workload ({what})')
    describe(report, counts, cfg['loops'], peak)
    report.line(f'invariants (all {len(rounds)} rounds; memory and load as '
                f'noted)')
    report.check('hung waiters', hung == 0,
                 f'{hung} of {n(waits)} waits and retry calls' +
                 (f' {hung_labels[:3]}' if hung else ''))
    report.check('wrong outcomes', problems == 0,
                 f'{problems}; {n(runs)} runs and {n(retry_calls)} '
                 f'retry calls checked')
    log_ok, missing, unexpected = log.verdict()
    report.check('ERROR records', log_ok,
                 f'{n(log.errors)} seen, {n(log.n_expected)} expected; '
                 f'{unexpected} unexpected, {missing} missing')
    report.check('OS threads', threads1 <= threads0 and pools_joined,
                 f'before {threads0}, after {threads1}')
    if GREEN:
        report.check('greenthreads left', alive == 0 and retained == 0,
                     f'{alive} alive, {retained} loop greenthreads '
                     f'retained')
        report.check('hub timers', timers1 <= timers0,
                     f'baseline {timers0}, after {timers1} '
                     f'(settled in {timers_wait:.1f} s)')
    else:
        report.check('loop threads left', alive == 0, f'{alive} alive')
    extra = sorted(set(fds1) - set(fds0))
    explained = {}
    if GREEN:
        waker = getattr(hub, '_oslo_loopingcall_waker', None)
        pipe = {waker._read, waker._write} if waker else set()
        for fd in extra:
            if fd in pipe:
                explained[fd] = 'waker pipe'
        for fd in other_hub_fds(hub) & set(extra):
            if 'eventpoll' in fds1.get(fd, ''):
                explained[fd] = 'hubs of OS threads'
    unexplained = [f'{fd}={fds1[fd]}' for fd in extra if fd not in explained]
    growth = len(fds1) - len(fds_warm)
    kinds = collections.Counter(explained.values())
    detail = f'before {len(fds0)}, after {len(fds1)}'
    if kinds:
        detail += ' (' + ', '.join(f'{k} {v}' for k, v in kinds.items()) + ')'
    detail += f'; {growth:+d} since the warm-up'
    if unexplained:
        detail += f'; unexplained {unexplained[:4]}'
    report.check('file descriptors', not unexplained and growth <= 0,
                 detail)
    slack = cfg['mem_slack_kib']
    report.check('traced memory', mem_delta <= slack * 1024,
                 f'{mem_delta / 1024:+.1f} KiB, {n(mem_blocks)} blocks '
                 f'(memory round: {n(mem_round.counts["runs"])} runs); '
                 f'limit {slack} KiB; largest: {largest}')
    report.check('memory blocks', blocks <= cfg['blocks_slack'],
                 f'{blocks:+,} after the main round; '
                 f'limit {cfg["blocks_slack"]:,}')
    report.check('load', peak >= cfg['loops'],
                 f'{n(peak)} loops at once; required {n(cfg["loops"])}')
    if kill_round is not None:
        kills = kill_round.counts['did_kill'] + \
            kill_round.counts['end:' + KILL_NOW]
        detail = (f'{n(kills)} kills; {k_alive} greenthreads alive; '
                  f'{n(k_retained)} dead loop greenthreads, '
                  f'{k_blocks:+,} blocks retained')
        if cfg['strict_kills']:
            report.check('kill round leaks', k_retained == 0 and
                         k_blocks <= cfg['blocks_slack'], detail)
        else:
            report.status('INFO', 'kill round', detail + '; an eventlet '
                          'issue, not counted (see --strict-kills)')
    report.line(f'wall time {wall:.1f} s (main round {main_round.wall:.1f} s)')
    for text in problem_texts[:10]:
        report.line(f'  problem: {text}')
    for text in top:
        report.line(f'  memory: {text}')
    ok = all(c[1] for c in report.checks)
    report.line(f'RESULT: {"PASS" if ok else "FAIL"}')
    print(report.text(), flush=True)
    result = dict(mode=MODE, ok=ok, wall=wall,
                  checks=[list(c) for c in report.checks])
    print('STRESS-RESULT ' + json.dumps(result), flush=True)
    return 0 if ok else 1


if __name__ == '__main__':
    code = main()
    sys.stdout.flush()
    # Do not wait for threads left blocked by a failure.
    os._exit(code)
