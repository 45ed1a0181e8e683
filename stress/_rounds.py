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

"""The bookkeeping of the rounds: the ERROR log, one round's counters."""

import collections
import logging
import threading
import time

from _mode import GREEN
from harness.stretch import Stretch

if GREEN:
    from eventlet import event
    from eventlet import greenthread

clock = time.monotonic

#: The latest stop of a first run comes this long after the ramp.
RAMP_STOPS = 0.6
#: Seconds between two looks at the round's CPU stretch.
SAMPLE_EVERY = 0.5

#: The logger of the library's loops.
LOGGER_NAME = 'oslo.loopingcall.loopingcall'


class Hung(BaseException):
    """Thrown into a waiter still blocked at the round's hard deadline."""


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


class Round:
    """State and counters of one round, and its time limits.

    The limits follow the load the machine gives the round: the grace
    after the round's time, and the time allowed for all loops to run at
    once (the *ramp*), are stretched by the round's CPU stretch
    (``harness.stretch``), at most by ``max_stretch``. A waiter still
    blocked at the hard deadline counts as hung.
    """

    def __init__(self, name, cfg, duration, ramp):
        self.name = name
        self.loops = cfg['loops']
        self.retry_callers = cfg['retry_callers']
        self.duration = duration
        self.grace = cfg['grace']
        self.max_stretch = cfg['max_stretch']
        self.ramp_limit = cfg['ramp_limit']
        self.t0 = clock()
        self.t_end = self.t0 + duration
        self.stretch = Stretch()
        #: The stretch measured so far, and the factor of the limits.
        self.measured = self.factor = 1.0
        self._sampled = self.t0
        self.lock = threading.Lock()
        self.counts = collections.Counter()
        self.waiting = {}
        self.hung = 0
        self.hung_labels = []
        self.problems = []
        self.n_problems = 0
        self.running = 0
        self.peak = 0
        self.skipped = None
        self.abandon = False
        self.over = False
        self.go = threading.Event()
        self.os_retry_done = 0
        self._init_ramp(ramp)
        self.hard = self._hard()

    def _init_ramp(self, ramp):
        #: Whether the first run of each loop lasts until all loops ran
        #: at once (or that is given up).
        self.ramp = ramp
        self.ramped_at = None
        #: Why the ramp was given up (None: it happened, or none is due).
        self.ramp_missed = None
        self.ramped = threading.Event()
        self.green_ramped = event.Event() if GREEN else None
        if not ramp:
            self.ramped_at = self.t0
            self.ramped.set()

    @property
    def ramp_pending(self):
        return self.ramped_at is None

    def _ramp_limit(self):
        return self.t0 + self.ramp_limit * self.factor

    def _hard(self):
        """The hard deadline, as far as the round's load is known."""
        end = self.t_end
        if self.ramp:
            ramp_end = self.ramped_at or self._ramp_limit()
            end = max(end, ramp_end + RAMP_STOPS)
        return end + self.grace * self.factor

    def supervise(self):
        """Called often by the thread that runs the round.

        Follows the load, gives the ramp up past its limit; returns
        whether the hard deadline has passed.
        """
        now = clock()
        if self.abandon:
            return True
        if now - self._sampled >= SAMPLE_EVERY:
            self._sampled = now
            self._measure()
        if self.ramp_pending and now >= self._ramp_limit():
            self.give_up_ramp(f'not all {self.loops:,} loops ran at once '
                              f'within {now - self.t0:.1f} s '
                              f'(peak {self.peak:,})')
        # Every bounded wait reads it again: it may move either way.
        self.hard = self._hard()
        return now >= self.hard

    def _measure(self):
        self.measured = self.stretch.sample()
        self.factor = min(self.max_stretch, self.measured)

    def finish(self):
        """The round is over: its last stretch, and no more samples."""
        self._measure()
        self.stretch.close()

    def wait(self, ready, extra=1.0):
        """``ready(timeout)`` until it is true or the deadline (+extra).

        The deadline may move meanwhile: it is read again every half
        second. Returns the last answer of ``ready``.
        """
        while True:
            left = self.hard + extra - clock()
            if left <= 0:
                return False
            if ready(min(left, 0.5)):
                return True

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
            if self.running <= self.peak:
                return
            self.peak = self.running
            reached = self.peak >= self.loops and self.ramp_pending
            if reached:
                self.ramped_at = clock()
        if reached:
            self._ramp_over()

    def give_up_ramp(self, reason):
        """All loops cannot run at once: release the first runs now.

        Called in the thread that runs the controllers (in eventlet mode
        the green event may be sent from that OS thread only).
        """
        with self.lock:
            if not self.ramp_pending:
                return
            self.ramped_at = clock()
            self.ramp_missed = reason
        self._ramp_over()

    def _ramp_over(self):
        self.ramped.set()
        if self.green_ramped is not None:
            self.green_ramped.send()

    def ended(self):
        with self.lock:
            self.running -= 1

    def expire(self):
        """The hard deadline: count (and free) every blocked waiter."""
        self.abandon = True
        self.give_up_ramp('the round reached its hard deadline first')
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
