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

"""Defects fixed in RetryDecorator (D03, D04, D11, D12).
"""

import collections
import threading
from unittest import mock

import eventlet
from eventlet import corolocal
import fixtures
import greenlet
from oslo_utils import reflection

from oslo_loopingcall import fixture
from tests.defects.base import Boom
from tests.defects.base import DefectTestCase
from tests.defects.base import LC


class TestD03PerCallRetryBudget(DefectTestCase):

    def setUp(self):
        super().setUp()
        self.attempts = collections.Counter()
        self.order = []

    def flaky(self, lc, **kwargs):
        """A decorated function failing ``failures`` times per call id."""
        retry = lc.RetryDecorator(exceptions=(ValueError,), **kwargs)

        @retry
        def call(call_id, failures):
            self.attempts[call_id] += 1
            self.order.append(call_id)
            if self.attempts[call_id] <= failures:
                raise ValueError(call_id)
            return call_id

        return retry, call

    def test_d03_sequential_calls_each_get_the_full_budget(self):
        sleepfx = self.useFixture(fixture.SleepFixture())
        retry, call = self.flaky(LC, max_retry_count=2, inc_sleep_time=1,
                                 max_sleep_time=5)
        for i in range(5):
            self.assertEqual(i, call(i, 1))
            # The compatibility attributes describe this call only.
            self.assertEqual(1, retry._retry_count)
            self.assertEqual(1, retry._sleep_time)
        # Each call restarts the sleep progression at inc_sleep_time.
        self.assertEqual([mock.call(1)] * 5, sleepfx.mock_wait.call_args_list)

        sleepfx.mock_wait.reset_mock()
        self.assertEqual('two', call('two', 2))
        self.assertEqual(2, retry._retry_count)
        self.assertEqual(2, retry._sleep_time)
        self.assertEqual([mock.call(1), mock.call(2)],
                         sleepfx.mock_wait.call_args_list)

        self.assertEqual('none', call('none', 0))
        self.assertEqual(0, retry._retry_count)
        self.assertEqual(0, retry._sleep_time)

        # A call that exhausts its own budget does not spend the next one's.
        self.assertRaises(ValueError, call, 'three', 3)
        self.assertEqual(3, self.attempts['three'])
        self.assertEqual('after', call('after', 2))
        self.assertEqual(3, self.attempts['after'])

    def test_d03_reference_sequential_calls_share_the_budget(self):
        ref = self.reference()
        self.useFixture(fixture.SleepFixture())
        retry, call = self.flaky(ref, max_retry_count=2, inc_sleep_time=1,
                                 max_sleep_time=5)
        self.assertEqual(0, call(0, 1))
        self.assertEqual(1, call(1, 1))
        self.assertRaises(ValueError, call, 2, 1)
        self.assertEqual(1, self.attempts[2])

    def _concurrent(self, lc):
        """Four concurrent calls each failing twice; their outcomes."""
        retry, call = self.flaky(lc, max_retry_count=2, inc_sleep_time=1,
                                 max_sleep_time=5)
        if not self.green:
            return self._concurrent_threads(call)
        # Each sleep yields, so the four calls interleave.
        self.useFixture(fixtures.MockPatch(
            'oslo_utils.eventletutils.EventletEvent.wait',
            side_effect=lambda *a, **kw: eventlet.sleep(0)))
        threads = [eventlet.spawn(call, i, 2) for i in range(4)]
        outcomes = []
        with eventlet.Timeout(5):
            for thread in threads:
                try:
                    outcomes.append(thread.wait())
                except ValueError as exc:
                    outcomes.append(exc)
        return outcomes

    def _concurrent_threads(self, call):
        # Each sleep waits for the other three calls to sleep too, so the
        # four calls interleave (whatever the OS scheduler does).
        barrier = threading.Barrier(4, timeout=5)
        self.useFixture(fixtures.MockPatch(
            'oslo_loopingcall._backends.osthreads.backend.ThreadAbort.wait',
            side_effect=lambda *a, **kw: barrier.wait()))
        outcomes = [None] * 4

        def run(i):
            try:
                outcomes[i] = call(i, 2)
            except Exception as exc:
                outcomes[i] = exc

        threads = [threading.Thread(target=run, args=(i,), daemon=True)
                   for i in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(10)
            self.assertFalse(thread.is_alive(), 'a call hangs')
        return outcomes

    def test_d03_concurrent_calls_each_get_the_full_budget(self):
        self.assertEqual([0, 1, 2, 3], self._concurrent(LC))
        self.assertEqual({0: 3, 1: 3, 2: 3, 3: 3}, dict(self.attempts))
        # The calls really overlapped.
        self.assertNotEqual(sorted(self.order), self.order)

    def test_d03_reference_concurrent_calls_all_fail(self):
        outcomes = self._concurrent(self.reference())
        self.assertEqual(4, len(outcomes))
        for outcome in outcomes:
            self.assertIsInstance(outcome, ValueError)

    def test_d03_two_functions_sharing_one_decorator(self):
        self.useFixture(fixture.SleepFixture())
        retry = LC.RetryDecorator(max_retry_count=1, inc_sleep_time=1,
                                  exceptions=(ValueError,))
        attempts = collections.Counter()

        def flaky(name):
            attempts[name] += 1
            if attempts[name] == 1:
                raise ValueError(name)
            return name

        first = retry(lambda: flaky('first'))
        second = retry(lambda: flaky('second'))
        self.assertEqual('first', first())
        self.assertEqual('second', second())
        self.assertEqual({'first': 2, 'second': 2}, dict(attempts))
        self.assertEqual(1, retry._retry_count)
        self.assertEqual(1, retry._sleep_time)

    def test_d03_recursive_calls_each_get_the_full_budget(self):
        self.useFixture(fixture.SleepFixture())
        attempts = collections.Counter()

        @LC.RetryDecorator(max_retry_count=1, inc_sleep_time=1,
                           exceptions=(ValueError,))
        def descend(depth):
            attempts[depth] += 1
            if attempts[depth] == 1:
                raise ValueError(depth)
            return 0 if depth == 0 else descend(depth - 1) + 1

        self.assertEqual(3, descend(3))
        self.assertEqual({3: 2, 2: 2, 1: 2, 0: 2}, dict(attempts))


class TestD04RetryRunsInTheCallersGreenthread(DefectTestCase):
    """Greenthread-local state in eventlet mode; thread-local natively."""

    def _seen(self, lc):
        self.useFixture(fixture.SleepFixture())
        local = corolocal.local() if self.green else threading.local()
        local.request_id = 'req-1'
        seen = []

        @lc.RetryDecorator(max_retry_count=2, inc_sleep_time=1,
                           exceptions=(ValueError,))
        def f():
            seen.append((getattr(local, 'request_id', None),
                         self.current()))
            if len(seen) < 3:
                raise ValueError()
            return 'ok'

        self.assertEqual('ok', f())
        self.assertEqual(3, len(seen))
        return seen

    def test_d04_local_state_and_identity_visible_on_every_attempt(self):
        me = self.current()
        for request_id, current in self._seen(LC):
            self.assertEqual('req-1', request_id)
            self.assertIs(me, current)

    def test_d04_reference_runs_attempts_in_another_greenthread(self):
        ref = self.reference()
        me = greenlet.getcurrent()
        for request_id, current in self._seen(ref):
            self.assertIsNone(request_id)
            self.assertIsNot(me, current)


class TestD11RetryLogsNothingAboveDebug(DefectTestCase):

    @staticmethod
    def expected_debug(name, max_retry_count):
        lines = ['Waiting for function %s to return.' % name]
        exception = ('Exception which is in the suggested list of exceptions'
                     ' occurred while invoking function: %s.' % name)
        lines.append(exception)
        for count in range(1, max_retry_count + 1):
            lines.append('Invoking %s; retry count is %d.' % (name, count))
            lines.append(exception)
        lines.append('Cannot retry %s upon suggested exception since retry '
                     'count (%d) reached max retry count (%d).'
                     % (name, max_retry_count, max_retry_count))
        return lines

    def _exhaust(self, lc):
        self.useFixture(fixture.SleepFixture())
        last = []

        def f():
            last.append(ValueError(len(last)))
            raise last[-1]

        decorated = lc.RetryDecorator(max_retry_count=2, inc_sleep_time=1,
                                      exceptions=(ValueError,))(f)
        raised = self.assertRaises(ValueError, decorated)
        self.assertIs(last[-1], raised)
        self.assertEqual(3, len(last))
        return reflection.get_callable_name(f)

    def test_d11_exhausted_retries_log_only_the_reference_debug(self):
        name = self._exhaust(LC)
        self.assertEqual([], self.records())
        self.assertEqual(self.expected_debug(name, 2),
                         self.debug_messages('oslo.loopingcall.loopingcall'))

    def test_d11_reference_logs_error_but_same_debug(self):
        name = self._exhaust(self.reference())
        logger = 'oslo.service.backend._common.loopingcall'
        self.assertEqual(self.expected_debug(name, 2),
                         self.debug_messages(logger))
        errors = self.records()
        self.assertEqual(1, len(errors))
        self.assertTrue(errors[0].startswith('ERROR %s Dynamic interval '
                                             'looping call' % logger))

    def test_d11_unexpected_exception_logs_nothing_above_debug(self):
        self.useFixture(fixture.SleepFixture())
        errors = [ValueError('retried'), TypeError('not retried')]

        @LC.RetryDecorator(max_retry_count=5, inc_sleep_time=1,
                           exceptions=(ValueError,))
        def f():
            raise errors.pop(0)

        # Raised by the first attempt, and by a retry.
        self.assertRaises(TypeError, f)
        self.assertRaises(TypeError, LC.RetryDecorator()(
            mock.Mock(side_effect=TypeError('first'))))
        self.assertEqual([], self.records())

    def test_d11_no_retry_allowed_logs_nothing_above_debug(self):
        decorated = LC.RetryDecorator(max_retry_count=0,
                                      exceptions=(ValueError,))(
            mock.Mock(side_effect=ValueError('once')))
        self.assertRaises(ValueError, decorated)
        self.assertEqual([], self.records())


class TestD12RetryDeliversBaseExceptions(DefectTestCase):

    def test_d12_base_exception_reaches_the_caller(self):
        self.useFixture(fixture.SleepFixture())
        kinds = [Boom('boom'), KeyboardInterrupt('ki'), SystemExit(3),
                 greenlet.GreenletExit('bye'), eventlet.Timeout(None)]
        for exc in kinds:
            for failures_first in (0, 1, 2):
                side_effect = [ValueError('retry')] * failures_first + [exc]
                f = mock.Mock(side_effect=side_effect)
                decorated = LC.RetryDecorator(
                    max_retry_count=5, inc_sleep_time=1,
                    exceptions=(ValueError,))(f)
                raised = self.assertRaises(type(exc), self.call_bounded,
                                           decorated)
                self.assertIs(exc, raised)
                self.assertEqual(failures_first + 1, f.call_count)
        self.assertEqual([], self.records())
