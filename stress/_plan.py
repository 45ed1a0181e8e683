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

"""The plan of one run: how it must end, and who ends it.

Each run of a loop has exactly one cause of its end, chosen at random
(seeded) before it starts, so that its outcome is known in advance: what
``wait()`` must return or raise, to every waiter, by identity.
"""

import random
import threading

from _mode import GREEN
from oslo_loopingcall import loopingcall

if GREEN:
    import greenlet

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


class Token:
    """A unique value: what one run (or one retry call) must give back."""

    __slots__ = ('label',)

    def __init__(self, label):
        self.label = label

    def __repr__(self):
        return f'<Token {self.label}>'


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


def plan(rnd, rng, loop, body, index, number):
    """The plan of run ``number`` of controller ``index``'s loop.

    Every random choice comes from ``rng``, in a fixed order: a seed
    gives the same plans.
    """
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
    _plan_start(run, rng)
    _plan_actions(run, rng)
    _plan_waiters(run, rng)
    _plan_outcome(run)
    return run


def _plan_start(run, rng):
    """The arguments of start(), and how often f fails and goes on."""
    kind, ending = run.kind, run.ending
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


def _plan_actions(run, rng):
    """Who ends the run from outside, and when."""
    actions = []

    def delay():
        if run.ramp:
            return rng.uniform(0.3, 0.6)
        return 0 if rng.random() < 0.1 else rng.uniform(0.001, 0.15)

    ending = run.ending
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


def _plan_waiters(run, rng):
    """Who waits besides the controller, and after what delay."""
    if GREEN:
        n = rng.choices([0, 1, 2, 3], [50, 25, 15, 10])[0]
    else:
        n = rng.choices([0, 1, 2], [60, 30, 10])[0]
    run.waiters = [0 if rng.random() < 0.3 else rng.uniform(0, 0.1)
                   for _ in range(n)]
    run.os_waiter = (GREEN and rng.random() < P_OS_WAITER and
                     rng.uniform(0, 0.05))


def _plan_outcome(run):
    """What every wait() of the run must return or raise."""
    ending = run.ending
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
