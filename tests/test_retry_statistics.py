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

"""RetryDecorator statistics: one record per call, in virtual time."""

import collections.abc
import operator
import threading

import eventlet
import fixtures

from oslo_loopingcall import fixture
from oslo_loopingcall import loopingcall
from tests import base


def failing(times, exc=KeyError, then='ok', seen=None, retry=None):
    """A function raising ``exc`` ``times`` times, then returning ``then``.

    With ``seen`` (a list), each attempt appends the statistics the
    decorator shows at that moment (a plain dict).
    """
    calls = []

    def f():
        calls.append(None)
        if seen is not None:
            seen.append(dict(retry.statistics))
        if len(calls) <= times:
            raise exc()
        if isinstance(then, type):
            raise then()
        return then

    return f


def stats(attempts, slept, exc):
    return {'attempts': attempts, 'slept_seconds': slept,
            'last_exception_type': exc}


class TestRetryStatistics(base.TestCase):

    def setUp(self):
        super().setUp()
        self.clock = self.useFixture(fixture.VirtualTimeFixture())
        self.retry = loopingcall.RetryDecorator(
            max_retry_count=4, inc_sleep_time=10, max_sleep_time=25,
            exceptions=(KeyError,))

    def test_before_any_call(self):
        decorated = self.retry(failing(0))
        self.assertEqual(stats(0, 0, None), dict(self.retry.statistics))
        self.assertEqual(stats(0, 0, None), dict(decorated.statistics))
        self.assertEqual(0, self.retry._retry_count)

    def test_a_read_only_mapping(self):
        self.retry(failing(1))()
        view = self.retry.statistics
        self.assertIsInstance(view, collections.abc.Mapping)
        self.assertRaises(TypeError, operator.setitem, view, 'attempts', 0)
        self.assertEqual(['attempts', 'slept_seconds', 'last_exception_type'],
                         list(view))
        self.assertRaises(KeyError, operator.getitem, view, 'retry_count')

    def test_success_at_once(self):
        decorated = self.retry(failing(0))
        self.assertEqual('ok', decorated())
        self.assertEqual(stats(1, 0, None), dict(self.retry.statistics))
        self.assertIs(self.retry.statistics, decorated.statistics)

    def test_success_after_retries(self):
        self.assertEqual('ok', self.retry(failing(4))())
        # Sleeps 10, 20, then capped at 25.
        self.assertEqual([10, 20, 25, 25], self.clock.idle_times)
        self.assertEqual(stats(5, 80, KeyError), dict(self.retry.statistics))
        self.assertEqual((4, 40), (self.retry._retry_count,
                                   self.retry._sleep_time))

    def test_retries_exhausted(self):
        self.assertRaises(KeyError, self.retry(failing(9)))
        self.assertEqual(stats(5, 80, KeyError), dict(self.retry.statistics))
        self.assertEqual(4, self.retry._retry_count)

    def test_another_exception_at_once(self):
        self.assertRaises(ValueError, self.retry(failing(1, exc=ValueError)))
        self.assertEqual(stats(1, 0, ValueError),
                         dict(self.retry.statistics))
        self.assertEqual(0, self.retry._retry_count)

    def test_another_exception_after_retries(self):
        self.assertRaises(ValueError, self.retry(failing(2, then=ValueError)))
        self.assertEqual(stats(3, 30, ValueError),
                         dict(self.retry.statistics))

    def test_looping_call_done_is_a_success(self):
        self.assertIs(True, self.retry(failing(
            1, then=loopingcall.LoopingCallDone))())
        self.assertEqual(stats(2, 10, KeyError), dict(self.retry.statistics))

    def test_the_call_in_progress(self):
        seen = []
        self.retry(failing(2, seen=seen, retry=self.retry))()
        self.assertEqual([stats(1, 0, None), stats(2, 10, KeyError),
                          stats(3, 30, KeyError)], seen)

    def test_each_call_its_own_record(self):
        decorated = self.retry(failing(2))
        decorated()
        first = decorated.statistics
        self.assertEqual('ok', decorated())
        self.assertEqual(stats(1, 0, None), dict(decorated.statistics))
        # The first call's record still says what that call did.
        self.assertEqual(stats(3, 30, KeyError), dict(first))

    def test_functions_sharing_a_decorator(self):
        one = self.retry(failing(1))
        two = self.retry(failing(0))
        one()
        two()
        self.assertEqual(stats(2, 10, KeyError), dict(one.statistics))
        self.assertEqual(stats(1, 0, None), dict(two.statistics))
        self.assertIs(two.statistics, self.retry.statistics)


class TestConcurrentCalls(base.TestCase):

    def test_concurrent_calls_never_share_counts(self):
        # Four calls retrying at once, each failing twice: a record shared
        # between calls would count their attempts together.
        retry = loopingcall.RetryDecorator(
            max_retry_count=2, inc_sleep_time=10, exceptions=(KeyError,))
        decorated = retry(_fails_twice_per_call())
        self.assertEqual(['ok'] * 4, self.call_bounded(
            lambda: self.concurrently(decorated, 4)))
        self.assertEqual(stats(3, 30, KeyError), dict(retry.statistics))

    def concurrently(self, decorated, n):
        """Call ``decorated(i)`` for each i in n greenthreads or threads.

        Every sleep lets the others run (eventlet) or waits for the other
        calls to sleep too (threads), so that the calls interleave.
        """
        results = [None] * n

        def call(i):
            results[i] = decorated(i)

        if self.green:
            self.useFixture(fixtures.MockPatch(
                'oslo_utils.eventletutils.EventletEvent.wait',
                side_effect=lambda *a, **kw: eventlet.sleep(0)))
            for thread in [eventlet.spawn(call, i) for i in range(n)]:
                thread.wait()
            return results
        barrier = threading.Barrier(n, timeout=5)
        self.useFixture(fixtures.MockPatch(
            'oslo_loopingcall._backends.osthreads.backend.ThreadAbort.wait',
            side_effect=lambda *a, **kw: barrier.wait()))
        threads = [threading.Thread(target=call, args=(i,), daemon=True)
                   for i in range(n)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(10)
        return results


def _fails_twice_per_call():
    counts = {}

    def f(key):
        counts[key] = counts.get(key, 0) + 1
        if counts[key] <= 2:
            raise KeyError(key)
        return 'ok'

    return f
