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

"""The bare-threading floor: the least code that honestly does the job.

One ``threading.Thread`` per loop, one interruptible wait per period
(``threading.Event.wait(timeout)`` on a per-loop stop event: a thread
cannot be killed, so that wait is the least that lets ``stop()`` end an
idle loop), the result (or the exception that ended the loop) comes from a
small done object. The fixed interval loop sleeps until the next due
time (so it neither drifts nor bursts after an overrun). No argument
checking, no logging, no test seams, no ``stop_on_exception``. Nothing of
eventlet is imported.

It mirrors the subset of the ``loopingcall`` API that the benchmarks use
(``done`` and ``_abort`` are named as in the two other contenders, so that
the benchmarks can reach them the same way).
"""

import functools
import threading
import time


class LoopingCallDone(Exception):
    def __init__(self, retvalue=True):
        self.retvalue = retvalue


class _Done:
    """The outcome of one run of a loop."""

    __slots__ = ('_event', '_result', '_exc')

    def __init__(self):
        self._event = threading.Event()
        self._result = None
        self._exc = None

    def send(self, result=None, exc=None):
        self._result = result
        self._exc = exc
        self._event.set()

    def wait(self, timeout=None):
        if not self._event.wait(timeout):
            raise RuntimeError('Timed out waiting for event')
        if self._exc is not None:
            raise self._exc
        return self._result


class _Loop:
    def __init__(self, f, *args, **kw):
        self.f = f
        self.args = args
        self.kw = kw

    def stop(self):
        self._abort.set()

    def wait(self):
        return self.done.wait()

    def _spawn(self, *args):
        self._abort = threading.Event()
        self.done = _Done()
        threading.Thread(target=self._main, args=args, daemon=True).start()
        return self.done

    def _main(self, *args):
        try:
            result = self._run(*args)
        except BaseException as exc:  # noqa: B902 - delivered to wait()
            self.done.send(None, exc)
        else:
            self.done.send(result)


class FixedIntervalLoopingCall(_Loop):
    def start(self, interval, initial_delay=None):
        return self._spawn(interval, initial_delay)

    def _run(self, interval, initial_delay):
        abort, f, args, kw = self._abort, self.f, self.args, self.kw
        clock = time.monotonic
        try:
            if initial_delay and abort.wait(initial_delay):
                return True
            due = clock()
            while True:
                f(*args, **kw)
                due += interval
                now = clock()
                if due < now:
                    due = now
                if abort.wait(due - now):
                    return True
        except LoopingCallDone as done:
            return done.retvalue


class DynamicLoopingCall(_Loop):
    def start(self, initial_delay=None):
        return self._spawn(initial_delay)

    def _run(self, initial_delay):
        abort, f, args, kw = self._abort, self.f, self.args, self.kw
        try:
            if initial_delay:
                abort.wait(initial_delay)
            while not abort.wait(f(*args, **kw)):
                pass
        except LoopingCallDone as done:
            return done.retvalue
        return True


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
                    time.sleep(min(retries * inc_sleep_time,
                                   max_sleep_time))
        return wrapper
    return decorator
