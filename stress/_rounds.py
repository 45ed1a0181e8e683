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

if GREEN:
    from eventlet import greenthread

clock = time.monotonic

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
