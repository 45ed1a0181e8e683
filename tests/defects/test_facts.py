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

"""Facts are facts (D25).

Naming ``f`` never raises; a failed ``start()`` leaves nothing behind;
statistics keep to what happened.
"""

from unittest import mock

import fixtures

from oslo_loopingcall._backends import loops
from oslo_loopingcall._backends import mode
from oslo_loopingcall import backend as backends
from oslo_loopingcall import fixture
from oslo_loopingcall import loopingcall
from oslo_loopingcall import reports
from tests.defects.base import DefectTestCase
from tests.defects.base import LC
from tests.defects.base import VALID_START


class Outcomes:
    """A callable running through its outcomes, one a call.

    Each call raises the next outcome if it is an exception, calls it if
    it is callable, returns it otherwise.
    """

    def __init__(self, *outcomes):
        self._outcomes = list(outcomes)

    def __call__(self):
        outcome = self._outcomes.pop(0)
        if isinstance(outcome, BaseException):
            raise outcome
        return outcome() if callable(outcome) else outcome


class Proxy(Outcomes):
    """Forwards attributes to a dict: a missing one is a KeyError."""

    def __init__(self, *outcomes):
        super().__init__(*outcomes)
        self._attrs = {}

    def __getattr__(self, name):
        return self._attrs[name]


class _Unnameable(type):
    """A metaclass through which oslo.utils cannot name an instance."""

    def __getattribute__(cls, name):
        if name in ('__module__', '__qualname__'):
            raise KeyError(name)
        return super().__getattribute__(name)

    def __hash__(cls):
        raise KeyError('__hash__')


class Opaque(Outcomes, metaclass=_Unnameable):
    """A callable whose class cannot be named nor hashed."""

    def __repr__(self):
        raise KeyError('__repr__')


class Uncallable(metaclass=_Unnameable):

    def __repr__(self):
        raise KeyError('__repr__')


def moduleless():
    raise loopingcall.LoopingCallDone('ran')


moduleless.__module__ = None

#: What each of them is called in logs, labels and reports.
NAMED = [
    (Proxy, __name__ + '.Proxy'),
    (Opaque, __name__ + '.Opaque'),
]


class TestNamingNeverRaises(DefectTestCase):
    """D25: callables whose attributes raise start, run and are named."""

    def setUp(self):
        super().setUp()
        self.clock = self.useFixture(fixture.VirtualTimeFixture())

    def test_d25_every_kind_runs_and_shows_the_name(self):
        for cls, name in NAMED:
            for kind, kwargs in VALID_START:
                seen = []
                timer = kind(cls(None, lambda: seen.append(repr(timer)),
                                 loopingcall.LoopingCallDone('ran')))
                self.assertIn(f"'{name}' new>", repr(timer))
                self.assertEqual('ran', self.run_until_done(
                    timer.start(**kwargs)), (kind, name))
                self.assertEqual(1, len(seen))
                self.assertTrue(seen[0].startswith(
                    f"<{kind.__name__} '{name}' running"), seen)

    def test_d25_a_function_oslo_utils_cannot_name(self):
        timer = loopingcall.DynamicLoopingCall(moduleless)
        self.assertEqual('ran', self.run_until_done(timer.start()))
        self.assertEqual("<DynamicLoopingCall 'moduleless' done>",
                         repr(timer))

    def test_d25_named_in_the_trace_and_error_logs(self):
        kind = 'Fixed interval looping call'
        for cls, name in NAMED:
            timer = loopingcall.FixedIntervalLoopingCall(
                cls(None, ValueError('boom')))
            self.assertRaises(ValueError, self.run_until_done,
                              timer.start(interval=30))
            self.assertEqual(
                [f"TRACE oslo.loopingcall.loopingcall {kind} '{name}' "
                 f"sleeping for 30.00 seconds",
                 f"ERROR oslo.loopingcall.loopingcall {kind} '{name}' "
                 f"failed"],
                [line for line in self.records(5) if f"'{name}'" in line])

    def test_d25_named_in_reports_and_thread_names(self):
        for cls, name in NAMED:
            seen = []
            timer = loopingcall.DynamicLoopingCall(cls(
                lambda: seen.append((_report(), timer._thread)),
                loopingcall.LoopingCallDone()))
            self.run_until_done(timer.start(periodic_interval_max=1))
            (report, thread), = seen
            self.assertIn(f"DynamicLoopingCall '{name}'\n    running",
                          report)
            if not self.green:
                self.assertEqual('loopingcall:' + name, thread.name)

    def test_d25_retry_decorator_names_it_in_its_debug_logs(self):
        # (functools.wraps refuses a Proxy, as in the reference: P39.)
        retry = loopingcall.RetryDecorator(1, 1, 10, (ValueError,))
        self.assertEqual('ok', retry(Opaque(ValueError(), 'ok'))())
        self.assertEqual('ran', retry(moduleless)())
        self.assertEqual(
            [f'Waiting for function {NAMED[1][1]} to return.',
             'Exception which is in the suggested list of exceptions '
             f'occurred while invoking function: {NAMED[1][1]}.',
             f'Invoking {NAMED[1][1]}; retry count is 1.',
             'Waiting for function moduleless to return.'],
            self.debug_messages('oslo.loopingcall.loopingcall'))

    def test_d25_a_non_callable_with_a_failing_repr(self):
        timer = loopingcall.FixedIntervalLoopingCall(Uncallable())
        error = self.assertRaises(TypeError, timer.start, 1)
        self.assertRegex(str(error), r'^f must be callable, got <')

    def test_d25_reference_refuses_what_oslo_utils_cannot_name(self):
        ref = self.reference()
        # Its looping calls would start, then die before the first run
        # (wait() hangs): only its decorator says so.
        self.assertRaises(KeyError, ref.RetryDecorator(), Opaque('ok'))
        self.assertRaises(TypeError, ref.RetryDecorator(), moduleless)


def _report():
    """The text of the Guru Meditation section, made now."""
    model = reports.LoopingCallsReportGenerator()()
    model.set_current_view_type('text')
    return str(model)


def cannot_start(loop, run, args):
    """A spawn() failing as the native-thread one does without threads.

    It raises after publishing the thread that the OS could not start.
    """
    loop.thread = object()
    raise RuntimeError("can't start new thread")


class TestAFailedStartLeavesNothing(DefectTestCase):
    """D25: a start() that raises leaves the loop as it was."""

    def failing_spawn(self):
        return fixtures.MockPatchObject(mode.use(), 'spawn',
                                        side_effect=cannot_start)

    def assertUntouched(self, timer, backend, abort, stopped):
        self.assertNotIn(timer, reports.running_loops())
        self.assertNotIn(timer, [handle.owner
                                 for handle in loops._loops.values()])
        self.assertIsNone(timer._thread)
        self.assertNotIn('_run_args', vars(timer))
        self.assertIs(backend, timer._backend)
        self.assertIs(abort, timer._abort)
        self.assertIs(stopped, abort.is_set())

    def test_d25_a_new_loop_stays_new_and_can_start_later(self):
        for kind, kwargs in VALID_START:
            timer = kind(Outcomes(loopingcall.LoopingCallDone('ran')))
            backend, abort = timer._backend, timer._abort
            with self.failing_spawn():
                self.assertRaises(RuntimeError, timer.start, **kwargs)
            self.assertUntouched(timer, backend, abort, False)
            self.assertIsNone(timer.done)
            self.assertNotIn('_stats', vars(timer))
            self.assertEqual('new', timer.statistics['state'])
            self.assertEqual('ran', self.run_until_done(
                timer.start(**kwargs)), kind)

    def test_d25_a_stopped_loop_keeps_its_last_run(self):
        for kind, kwargs in VALID_START:
            timer = kind(Outcomes(None, None))
            done = timer.start(**kwargs)
            timer.stop()
            self.assertIs(True, self.run_until_done(done))
            stats = _facts(timer)
            with self.failing_spawn():
                self.assertRaises(RuntimeError, timer.start, **kwargs)
            self.assertUntouched(timer, timer._backend, timer._abort, True)
            self.assertIs(done, timer.done)
            self.assertEqual(stats, _facts(timer))
            self.assertIs(True, timer.wait())

    def test_d25_a_loop_built_before_virtual_time_keeps_its_backend(self):
        timer = LC.FixedIntervalLoopingCall(Outcomes())
        backend, abort = timer._backend, timer._abort
        self.useFixture(fixture.VirtualTimeFixture())
        with self.failing_spawn():
            self.assertRaises(RuntimeError, timer.start, 1)
        self.assertUntouched(timer, backend, abort, False)

    def test_d25_a_bad_argument_settles_no_mode(self):
        timer = LC.FixedIntervalLoopingCall(Outcomes())
        self.assertRaises(ValueError, timer.start, 1, initial_delay=-1)
        # No loop ever ran: the other mode may still be chosen.
        backends.set_backend('threading' if self.green else 'eventlet')


def _facts(timer):
    """The statistics but those that move with the clocks."""
    return {key: value for key, value in timer.statistics.items()
            if key != 'now' and not key.endswith('_wall')}


class TestStatisticsKeepToTheClock(DefectTestCase):
    """D25: a patched _elapsed tells the policy, not the statistics."""

    def test_d25_a_mock_elapsed_seam_ends_no_loop(self):
        self.useFixture(fixture.VirtualTimeFixture())
        with mock.patch.object(LC.LoopingCallBase, '_elapsed'):
            timer = LC.DynamicLoopingCall(
                Outcomes(0, 0, LC.LoopingCallDone('ran')))
            self.assertEqual('ran', self.run_until_done(timer.start()))
        self.assertEqual(0, timer.statistics['total_run_seconds'])

    def test_d25_reference_runs_with_a_mock_elapsed_seam(self):
        ref = self.reference()
        with mock.patch.object(ref.LoopingCallBase, '_elapsed'), \
                mock.patch.object(ref.LoopingCallBase, '_sleep'):
            timer = ref.DynamicLoopingCall(
                Outcomes(0, 0, ref.LoopingCallDone('ran')))
            self.assertEqual('ran', self.run_until_done(timer.start()))

    def test_d25_run_times_are_the_clock_s(self):
        clock = self.useFixture(fixture.VirtualTimeFixture())
        with mock.patch.object(LC.LoopingCallBase, '_elapsed',
                               return_value=5):
            timer = LC.FixedIntervalLoopingCall(Outcomes(
                lambda: clock.spend(2), LC.LoopingCallDone()))
            self.run_until_done(timer.start(10))
        stats = timer.statistics
        self.assertEqual((2, 2), (stats['max_run_seconds'],
                                  stats['total_run_seconds']))
        # The policy saw the seam's 5 s: it idled the 5 s left.
        self.assertEqual([5], clock.idle_times_of(timer))
