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

"""adopt() in real services: each in its own bounded subprocess.

oslo.service's launchers install signal handlers and fork, and its backend
is chosen once per process, so every case runs in a fresh interpreter with
oslo.service's eventlet or threading backend.
"""

import importlib.util
import json
import os
import signal
import subprocess
import sys
import time

import testscenarios
import testtools

from harness import procs
from tests import base

ROOT = procs.ROOT
OURS = 'oslo_loopingcall.loopingcall.'
#: Seconds a subprocess may take to reach each expected point.
DEADLINE = 60

OSLO_BACKENDS = [('eventlet', {'oslo_backend': 'eventlet'}),
                 ('threading', {'oslo_backend': 'threading'})]


def skip_without(test, oslo_backend):
    if base.REFERENCE is None:
        test.skipTest('oslo.service is not installed (needs Python 3.11+)')
    if oslo_backend == 'threading':
        for name in ('futurist', 'cotyledon'):
            if importlib.util.find_spec(name) is None:
                test.skipTest(f"oslo.service's threading backend needs "
                              f'{name}')


def python(*args, **kw):
    """Run ``python args`` from the project root; bounded."""
    return subprocess.run([sys.executable, *args], cwd=ROOT, text=True,
                          capture_output=True, timeout=DEADLINE, **kw)


def run_service(test, argv, ticks, is_tick):
    """Run ``python argv`` until ``ticks`` lines pass ``is_tick``.

    Then SIGTERM it and wait for it to exit; returns its outcome
    (``harness.procs.Outcome``) and its other stdout lines. Its session is
    killed when it is done, or at the deadline.
    """
    others, seen = [], 0
    with procs.Child([sys.executable, *argv], cwd=ROOT,
                     session=True) as child:
        child.deadline = time.monotonic() + DEADLINE
        for line in child.lines():
            if not is_tick(line):
                others.append(line)
                continue
            seen += 1
            if seen == ticks:
                os.kill(child.proc.pid, signal.SIGTERM)
        if child.timed_out:
            test.fail(f'no end within {DEADLINE} s; got {others}')
        outcome = child.wait()
    test.assertGreaterEqual(seen, ticks, outcome.stderr)
    return outcome, others


class TestLaunchedService(testscenarios.WithScenarios, testtools.TestCase):
    """A Service with timers under ServiceLauncher and ProcessLauncher."""

    scenarios = testscenarios.multiply_scenarios(
        OSLO_BACKENDS,
        [('service', {'launcher': 'ServiceLauncher'}),
         ('process', {'launcher': 'ProcessLauncher'})])

    def setUp(self):
        super().setUp()
        skip_without(self, self.oslo_backend)

    def run_service(self, ticks=3):
        """Start the service, SIGTERM it after ``ticks`` runs; its events."""
        started = []

        def is_tick(line):
            # Timers run at once, maybe before 'started' is printed: count
            # the ticks after it, so that SIGTERM never comes before it.
            event = json.loads(line)['event']
            started.extend(['yes'] if event == 'started' else [])
            return event == 'tick' and bool(started)

        outcome, lines = run_service(
            self, ['-m', 'tests.adopt_service', self.oslo_backend,
                   self.launcher], ticks, is_tick)
        events = [json.loads(line) for line in lines]
        return outcome, {event['event']: event for event in events}

    def test_timers_are_ours_run_and_stop(self):
        outcome, events = self.run_service()
        started = events['started']
        self.assertEqual(OURS + 'FixedIntervalLoopingCall', started['fixed'])
        self.assertEqual(OURS + 'DynamicLoopingCall', started['dynamic'])
        # Our mode follows oslo.service's backend choice.
        self.assertEqual(self.oslo_backend, started['mode'])
        # The service's stop() stopped both timers and waited for them.
        self.assertEqual([True, True], events['stopped']['results'])
        self.assertEqual(started['pid'], events['stopped']['pid'])
        self.assertEqual(0, outcome.returncode, outcome.stderr)

    def test_worker_is_a_forked_process(self):
        if self.launcher != 'ProcessLauncher' and (
                self.oslo_backend == 'eventlet'):
            self.skipTest("eventlet's ServiceLauncher runs in-process")
        outcome, events = self.run_service(ticks=1)
        self.assertNotEqual(events['launched']['pid'],
                            events['started']['pid'])


class TestWhichClass(testscenarios.WithScenarios, testtools.TestCase):
    """Every way of making a loop, before and after adopt()."""

    scenarios = OSLO_BACKENDS

    def setUp(self):
        super().setUp()
        skip_without(self, self.oslo_backend)

    def probe(self, order):
        out = python('-m', 'tests.adopt_probe', self.oslo_backend, order)
        self.assertEqual(0, out.returncode, out.stderr)
        return json.loads(out.stdout)

    def assert_all(self, prefix, classes):
        self.assertEqual([True] * 6, classes.pop('results'))
        for way, cls in classes.items():
            self.assertTrue(cls.startswith(prefix), f'{way}: {cls}')

    def test_adopting_a_running_process(self):
        probe = self.probe('late')
        self.assert_all(f'oslo_service.backend._{self.oslo_backend}.',
                        probe['before'])
        self.assert_all(OURS, probe['after'])
        self.assertEqual(self.oslo_backend, probe['mode'])

    def test_adopting_before_oslo_service_chose_its_backend(self):
        # Backend modules imported after adopt() are taken as they load.
        probe = self.probe('early')
        self.assert_all(OURS, probe['after'])
        self.assertEqual(self.oslo_backend, probe['mode'])


class TestWithoutOsloService(testtools.TestCase):
    """oslo.service absent (hidden from a fresh interpreter)."""

    CODE = '''
import json, logging, sys
sys.modules["oslo_service"] = None  # as if not installed
logging.basicConfig(level=logging.DEBUG, stream=sys.stderr,
                    format="%(levelname)s %(name)s %(message)s")
import oslo_loopingcall
from oslo_loopingcall import loopingcall
print(json.dumps([oslo_loopingcall.adopt(), oslo_loopingcall.adopt(),
                  [c.__name__ for c in loopingcall.LoopingCallDone.__mro__],
                  [c.__name__ for c in loopingcall.LoopingCallTimeOut.__mro__],
                  len(loopingcall._DONE_TYPES),
                  [m for m in sys.modules if m.startswith("oslo_service.")]]))
'''

    def test_adopt_is_a_no_op_that_says_so(self):
        out = python('-c', self.CODE)
        self.assertEqual(0, out.returncode, out.stderr)
        self.assertEqual(
            [False, False,
             ['LoopingCallDone', 'Exception', 'BaseException', 'object'],
             ['LoopingCallTimeOut', 'Exception', 'BaseException', 'object'],
             1, []],
            json.loads(out.stdout))
        self.assertIn('DEBUG oslo_loopingcall.adopt oslo.service is not '
                      'installed: nothing to adopt', out.stderr)


class TestDocExamples(testscenarios.WithScenarios, testtools.TestCase):
    """The services of the "Adopting in a service" page run as shown."""

    scenarios = OSLO_BACKENDS

    def setUp(self):
        super().setUp()
        skip_without(self, self.oslo_backend)

    def test_runs_with_our_timer_and_stops_on_sigterm(self):
        path = os.path.join('doc', 'source', 'user', 'examples',
                            f'{self.oslo_backend}_service.py')
        outcome, lines = run_service(self, [path], 2,
                                     lambda line: line == 'beat\n')
        # One write: with native threads a beat may come before or after.
        self.assertIn('timer: oslo_loopingcall.loopingcall', ''.join(lines))
        self.assertEqual(0, outcome.returncode, outcome.stderr)
