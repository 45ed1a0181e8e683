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

"""The bare-eventlet floor: the least code that does the job.

One greenthread per loop (``eventlet.spawn``) that sleeps until each due
time (``eventlet.sleep``) and calls ``f``; nothing else runs per period.
``stop()`` kills the greenthread (which ends its sleep at once), the
result comes from the greenthread's ``wait()``. No stop flag, no argument
checking, no logging, no test seams, no statistics, no
``stop_on_exception``, no protection against a killed greenthread.

It mirrors the subset of the ``loopingcall`` API that the benchmarks use.
"""

import functools
import time

import eventlet
import greenlet


class LoopingCallDone(Exception):
    def __init__(self, retvalue=True):
        self.retvalue = retvalue


class _Loop:
    def __init__(self, f, *args, **kw):
        self.f = f
        self.args = args
        self.kw = kw

    def stop(self):
        self._gt.kill()

    def wait(self):
        try:
            return self._gt.wait()
        except greenlet.GreenletExit:
            return True

    def _spawn(self, *args):
        self._gt = eventlet.spawn(self._run, *args)
        return self._gt


class FixedIntervalLoopingCall(_Loop):
    def start(self, interval, initial_delay=None):
        return self._spawn(interval, initial_delay)

    def _run(self, interval, initial_delay):
        f, args, kw = self.f, self.args, self.kw
        clock, sleep = time.monotonic, eventlet.sleep
        try:
            if initial_delay:
                sleep(initial_delay)
            due = clock()
            while True:
                f(*args, **kw)
                due += interval
                now = clock()
                if due < now:
                    due = now
                sleep(due - now)
        except LoopingCallDone as done:
            return done.retvalue


class DynamicLoopingCall(_Loop):
    def start(self, initial_delay=None):
        return self._spawn(initial_delay)

    def _run(self, initial_delay):
        f, args, kw = self.f, self.args, self.kw
        sleep = eventlet.sleep
        try:
            if initial_delay:
                sleep(initial_delay)
            while True:
                sleep(f(*args, **kw))
        except LoopingCallDone as done:
            return done.retvalue


def RetryDecorator(max_retry_count=-1, inc_sleep_time=10, max_sleep_time=60,
                   exceptions=()):
    """Retry on ``exceptions`` with a growing sleep; no loop, no logging."""
    def decorator(f):
        @functools.wraps(f)
        def wrapper(*args, **kwargs):
            retries = 0
            while True:
                try:
                    return f(*args, **kwargs)
                except exceptions:
                    if retries == max_retry_count:
                        raise
                    retries += 1
                    eventlet.sleep(min(retries * inc_sleep_time,
                                       max_sleep_time))
        return wrapper
    return decorator
