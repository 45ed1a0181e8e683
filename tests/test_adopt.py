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

"""adopt() in this process, undone by AdoptFixture after each test."""

import importlib
import sys
import threading
from unittest import mock

import oslo_loopingcall
from oslo_loopingcall import _adopt
from oslo_loopingcall import fixture
from oslo_loopingcall import loopingcall
from tests import adopt_base
from tests import base

OURS = {name: getattr(loopingcall, name) for name in _adopt.PUBLIC_NAMES}
# The stand-in dependency imports oslo_service.loopingcall, now: before any
# adoption, as a service's dependencies do.
adopt_standin = (None if base.REFERENCE is None
                 else importlib.import_module('tests.adopt_standin'))


class AdoptCase(adopt_base.TestCase):

    def adopt(self):
        self.assertTrue(self.useFixture(fixture.AdoptFixture()).adopted)

    def counter(self, result=None):
        calls = []

        def f():
            calls.append(None)
            return result
        return f, calls


class TestImports(AdoptCase):

    def test_every_import_form_gives_ours(self):
        self.adopt()
        from oslo_service import loopingcall as from_form
        import oslo_service.loopingcall as import_form
        self.assertIs(loopingcall, from_form)
        self.assertIs(loopingcall, import_form)
        self.assertIs(loopingcall,
                      importlib.import_module('oslo_service.loopingcall'))

    def test_module_bound_before_forwards_to_ours(self):
        # base.REFERENCE was imported long before, as a dependency would.
        self.adopt()
        for name, ours in OURS.items():
            self.assertIs(ours, getattr(base.REFERENCE, name), name)
        self.assertRaises(AttributeError, getattr, base.REFERENCE, 'nope')

    def test_standin_imported_before_and_after(self):
        self.adopt()
        for standin in (adopt_standin, adopt_standin.load()):
            f, calls = self.counter()
            timer = standin.poll(f)
            self.assertIsInstance(timer, loopingcall.FixedIntervalLoopingCall)
            self.wait_for(lambda: calls, what='a run')
            timer.stop()
            self.assertIs(True, self.call_bounded(timer.wait))
            # oslo.service's own LoopingCallDone, as the dependency has it.
            done = mock.Mock(side_effect=adopt_base.THEIRS.LoopingCallDone(0))
            self.assertEqual(0, self.call_bounded(
                lambda: standin.wait_for(done, interval=60)))


class TestOsloServiceParts(AdoptCase):

    def test_thread_group_timers_are_ours(self):
        self.adopt()
        group = self.their_threadgroup.ThreadGroup()
        f, calls = self.counter(0.01)
        timers = [group.add_timer(0.01, f),
                  group.add_timer_args(0.01, f),
                  group.add_dynamic_timer(f),
                  group.add_dynamic_timer_args(f, periodic_interval_max=1)]
        for timer, cls in zip(timers, ['FixedIntervalLoopingCall'] * 2 +
                              ['DynamicLoopingCall'] * 2):
            self.assertIs(OURS[cls], type(timer))
        self.wait_for(lambda: len(calls) >= 8, what='runs of every timer')
        self.call_bounded(lambda: group.stop_timers(wait=True))
        self.assertEqual([True] * 4, [t.wait() for t in timers])

    def test_components_are_ours(self):
        # The test process's oslo.service backend, already initialised.
        from oslo_service import backend
        self.adopt()
        for name, ours in OURS.items():
            self.assertIs(ours, backend.get_component(name), name)

    def test_their_loops_started_before_keep_running(self):
        group = self.their_threadgroup.ThreadGroup()
        f, calls = self.counter()
        timer = group.add_timer(0.001, f)
        self.assertIsInstance(timer, self.their_loops.LoopingCallBase)
        self.adopt()
        seen = len(calls)
        self.wait_for(lambda: len(calls) >= seen + 2, what='two more runs')
        timer.stop()
        self.assertIs(True, self.call_bounded(timer.wait))
        group.stop()

    def test_their_retry_decorator_made_before_uses_our_loop(self):
        decorated = self.their_loops.RetryDecorator(
            max_retry_count=1, inc_sleep_time=0, exceptions=(KeyError,))(
                mock.Mock(side_effect=[KeyError(), 'ok']))
        self.adopt()
        with mock.patch.object(loopingcall.DynamicLoopingCall, 'start',
                               autospec=True,
                               side_effect=OURS['DynamicLoopingCall'].start
                               ) as start:
            self.assertEqual('ok', self.call_bounded(decorated))
        self.assertEqual(1, start.call_count)


class TestTestingTools(AdoptCase):

    def test_mock_patch_reaches_code_under_test(self):
        self.adopt()
        for standin in (adopt_standin, adopt_standin.load()):
            with mock.patch('oslo_service.loopingcall.'
                            'FixedIntervalLoopingCall') as cls:
                self.assertIs(cls.return_value, standin.poll(print))
            cls.assert_called_once_with(print)

    def test_mock_patch_of_a_seam(self):
        self.adopt()
        f = mock.Mock(side_effect=[None, None, loopingcall.LoopingCallDone(5)])
        with mock.patch('oslo_service.loopingcall.LoopingCallBase._sleep',
                        autospec=True) as sleep:
            self.assertEqual(5, adopt_standin.wait_for(f, interval=60))
        self.assertEqual(2, sleep.call_count)

    def test_sleep_fixture_is_ours(self):
        self.adopt()
        from oslo_service import fixture as oslo_fixture
        self.assertIs(fixture.SleepFixture, oslo_fixture.SleepFixture)
        sleeps = self.useFixture(oslo_fixture.SleepFixture())
        f = mock.Mock(side_effect=[None, None, loopingcall.LoopingCallDone(5)])
        self.assertEqual(5, self.call_bounded(
            lambda: adopt_standin.wait_for(f, interval=60)))
        self.assertEqual(2, sleeps.mock_wait.call_count)

    def test_fixture_module_imported_after_adopt_is_taken(self):
        import oslo_service.fixture  # noqa: F401 - so that it is restored
        saved = sys.modules.pop('oslo_service.fixture')
        self.addCleanup(sys.modules.__setitem__, 'oslo_service.fixture',
                        saved)
        # Importing it again rebinds the package's attribute too.
        self.addCleanup(setattr, sys.modules['oslo_service'], 'fixture',
                        saved)
        self.adopt()
        fresh = importlib.import_module('oslo_service.fixture')
        self.assertIsNot(saved, fresh)
        self.assertIs(fixture.SleepFixture, fresh.SleepFixture)
        # Its source is still readable (tracebacks, inspect).
        self.assertIn('SleepFixture', fresh.__loader__.get_source(
            'oslo_service.fixture'))


class TestAdoptItself(AdoptCase):

    def test_idempotent(self):
        self.adopt()
        adoption = _adopt._adoption
        self.assertTrue(oslo_loopingcall.adopt())
        self.assertIs(adoption, _adopt._adoption)
        self.assertIn('already adopted', self.log.output)

    def test_thread_safe(self):
        barrier = threading.Barrier(8)
        outcomes = []

        def race():
            barrier.wait(5)
            outcomes.append(_adopt.adopt_undoably())
        threads = [threading.Thread(target=race) for _ in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(5)
        made = [adoption for adopted, adoption in outcomes if adoption]
        self.assertEqual(1, len(made))
        self.addCleanup(_adopt.restore, made[0])
        self.assertEqual([True] * 8, [adopted for adopted, _ in outcomes])
        self.assertEqual(1, self.log.output.count('is now oslo_loopingcall'))

    def test_logs_once_at_info(self):
        self.adopt()
        self.assertIn('INFO oslo_loopingcall.adopt oslo_service.loopingcall '
                      'is now oslo_loopingcall (oslo.service 4.8.0)',
                      self.log.output)

    def test_unsupported_versions_change_nothing(self):
        before = snapshot()
        for version in ('5.0.0', '4.7.1', '3.6.0', '5.0.0rc1', 'x'):
            with mock.patch('importlib.metadata.version',
                            return_value=version):
                error = self.assertRaises(RuntimeError,
                                          oslo_loopingcall.adopt)
            self.assertIn(f'the installed oslo.service is {version}',
                          str(error))
            self.assertIn('4.8.0 up to (not including) 5.0.0', str(error))
            self.assertEqual(before, snapshot())
            self.assertFalse(_adopt.adopted())

    def test_a_failure_half_way_undoes_what_was_done(self):
        before = snapshot()
        with mock.patch.object(_adopt._Adoption, '_take_public_module',
                               side_effect=RuntimeError('boom')):
            self.assertRaises(RuntimeError, oslo_loopingcall.adopt)
        self.assertEqual(before, snapshot())
        self.assertFalse(_adopt.adopted())


class TestAdoptFixture(AdoptCase):

    def test_restores_exactly_what_it_changed(self):
        import oslo_service.fixture  # noqa: F401 - part of the snapshot
        before = snapshot()
        adopt = fixture.AdoptFixture()
        adopt.setUp()
        try:
            during = snapshot()
            self.assertNotEqual(before, during)
        finally:
            adopt.cleanUp()
        self.assertEqual(before, snapshot())
        self.assertFalse(_adopt.adopted())

    def test_leaves_a_later_change_alone(self):
        adopt = fixture.AdoptFixture()
        adopt.setUp()
        replacement = object()
        package = sys.modules['oslo_service']
        self.addCleanup(setattr, package, 'loopingcall', base.REFERENCE)
        package.loopingcall = replacement
        adopt.cleanUp()
        self.assertIs(replacement, package.loopingcall)

    def test_an_earlier_adoption_stays(self):
        self.adopt()
        inner = fixture.AdoptFixture()
        inner.setUp()
        self.assertTrue(inner.adopted)
        inner.cleanUp()
        self.assertTrue(_adopt.adopted())
        self.assertIs(loopingcall, sys.modules['oslo_service.loopingcall'])


def snapshot():
    """Everything of oslo.service's that adopt() may change, by identity."""
    backend = sys.modules['oslo_service.backend']
    state = {
        'sys.modules': sys.modules.get('oslo_service.loopingcall'),
        'package': vars(sys.modules['oslo_service']).get('loopingcall'),
        'old module': dict(vars(base.REFERENCE)),
        'components': dict(backend._cached_components or {}),
        'common': dict(vars(adopt_base.THEIRS)),
        'meta_path': list(sys.meta_path),
    }
    for name in ('oslo_service.fixture',
                 'oslo_service.backend._eventlet.loopingcall',
                 'oslo_service.backend._threading.loopingcall'):
        if name in sys.modules:
            state[name] = dict(vars(sys.modules[name]))
    return state
