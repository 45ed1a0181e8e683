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

"""The RetryDecorator load: callers sharing a few decorators meanwhile.

Every call follows a plan made before it (how many failures, of which
classes, then which end), so its outcome and its number of attempts are
known in advance.
"""

import random
import threading
import time

from _mode import GREEN
from _plan import InjectedBase
from _plan import Token
from _rounds import Hung
from oslo_loopingcall import loopingcall

if GREEN:
    import greenlet

clock = time.monotonic


class RetryMe(Exception):
    """Retried by the decorators that list it."""


class RetryMeToo(Exception):
    """Retried by the decorators that list it."""


class NotRetried(Exception):
    """Never retried: reaches the caller at once."""


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


class Retries:
    """The decorated functions, and the callers that call them."""

    def __init__(self):
        self.decorators = self._make_decorators()

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
            decorators.append((deco(self.target),
                               spec['max_retry_count'], exceptions))
        return decorators

    def target(self, call):
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

    def caller(self, rnd, seed, os_thread):
        """Call decorated functions until the round's time is up."""
        rng = random.Random(seed)
        if not os_thread:
            rnd.go.wait()
        number = 0
        try:
            while clock() < rnd.t_end and not rnd.abandon:
                self.call(rnd, rng, f'retry{seed}.{number}', os_thread)
                number += 1
        except BaseException as exc:  # noqa: B902 - reported
            rnd.problem(f'retry caller crashed: {exc!r}')

    def call(self, rnd, rng, label, os_thread):
        """One call, checked against its plan."""
        fn, max_retry, classes = rng.choice(self.decorators)
        call, exhaust = self._plan(rng, label, max_retry, classes)
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
        self._judge(rnd, label, call, exhaust, max_retry, returned, value)

    def _plan(self, rng, label, max_retry, classes):
        """A call's plan, and whether it exhausts its retries."""
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
        return call, exhaust

    @staticmethod
    def _judge(rnd, label, call, exhaust, max_retry, returned, value):
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
