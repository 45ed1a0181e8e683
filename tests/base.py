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

"""Shared test scaffolding."""

import importlib
import logging
import os
import threading
import time

import eventlet
import fixtures
import testscenarios
import testtools

from oslo_loopingcall._backends.osthreads import backend as _threading
from oslo_loopingcall import fixture
from oslo_loopingcall import loopingcall

#: Seconds any single test may take before it is failed as hung. The
#: slowest test takes under 2 s on an idle machine; a CI machine overbooked
#: ten times over must not turn it into a failure.
TEST_TIMEOUT = 60


def _reference():
    try:
        return importlib.import_module('oslo_service.loopingcall')
    except ImportError:
        return None


#: oslo_service.loopingcall when it is installed, else None.
REFERENCE = _reference()

#: The modes every test runs in (attribute ``backend_name``). Setting
#: OSLO_LOOPINGCALL_TEST_BACKENDS (e.g. "threading") narrows the list.
BACKENDS = [(name, {'backend_name': name}) for name in
            os.environ.get('OSLO_LOOPINGCALL_TEST_BACKENDS',
                           'eventlet,threading').split(',')]

#: testscenarios list running a test against this library and, when it is
#: installed, against oslo_service.loopingcall (attribute ``lc``).
IMPLEMENTATIONS = [('ours', {'lc': loopingcall, 'reference': False})]
if REFERENCE is not None:
    IMPLEMENTATIONS.append(('oslo_service', {'lc': REFERENCE,
                                             'reference': True}))


def with_backends(scenarios):
    """Multiply ``scenarios`` by the modes.

    The reference (oslo.service's eventlet backend) is compared in eventlet
    mode only: in native-thread mode only this library runs.
    """
    return [(name, params) for name, params in
            testscenarios.multiply_scenarios(BACKENDS, scenarios)
            if not (params.get('reference') and
                    params['backend_name'] != 'eventlet')]


class TestCase(testscenarios.WithScenarios, testtools.TestCase):
    """Base test case: run in each mode, bounded in time, logs captured."""

    scenarios = BACKENDS
    backend_name = 'eventlet'

    def setUp(self):
        super().setUp()
        # SIGALRM-based, so even a test stuck in the eventlet hub fails.
        self.useFixture(fixtures.Timeout(TEST_TIMEOUT, gentle=True))
        self.useFixture(fixture.BackendFixture(self.backend_name))
        self.log = self.useFixture(fixtures.FakeLogger(
            level=5, format='%(levelname)s %(name)s %(message)s'))

    @property
    def green(self):
        """Whether this test runs in eventlet mode."""
        return self.backend_name == 'eventlet'

    def eventlet_only(self, why):
        """Skip in native-thread mode, saying why the test does not apply."""
        if not self.green:
            self.skipTest(f'eventlet mode only: {why}')

    def yield_(self):
        """Let other greenthreads (or threads) run for a moment."""
        if self.green:
            eventlet.sleep(0)
        else:
            time.sleep(0.0005)

    def wait_for(self, predicate, timeout=10, what='condition'):
        """Yield until ``predicate()`` is true; fail after ``timeout``."""
        deadline = time.monotonic() + timeout
        while not predicate():
            if time.monotonic() > deadline:
                self.fail(f'{what} not reached within {timeout} s')
            self.yield_()

    def records(self, level=logging.WARNING):
        """Log lines at ``level`` or above, as '<LEVEL> <name> <message>'."""
        names = {n: logging.getLevelName(n) for n in range(0, 60)}
        wanted = {names[n] for n in names if n >= level
                  and not names[n].startswith('Level ')}
        return [line for line in self.log.output.splitlines()
                if line.split(' ', 1)[0] in wanted]

    def run_until_done(self, event, timeout=10):
        """Wait for a done event, failing the test rather than hanging.

        The default bound is far above what any loop here needs, so that an
        overbooked CI machine does not fail a test that would pass.

        Returns the loop's result or raises its exception, like ``wait()``.
        """
        if self.green:
            timer = eventlet.Timeout(timeout)
            try:
                return event.wait()
            except eventlet.Timeout as exc:
                if exc is not timer:
                    raise
                self.fail(f'the loop did not end within {timeout} s')
            finally:
                timer.cancel()
        try:
            return event.wait(timeout)
        except RuntimeError:
            # The loop's own RuntimeError, or the wait timing out.
            if event.ready():
                raise
            self.fail(f'the loop did not end within {timeout} s')

    def call_bounded(self, fn, timeout=10):
        """Return ``fn()`` (or raise its error); fail the test if it hangs.

        eventlet.Timeout is a BaseException, which testtools lets through:
        one hung loop would end the run and hide every later result. With
        native threads ``fn`` runs in a helper thread, joined with a
        timeout.
        """
        if self.green:
            guard = eventlet.Timeout(timeout)
            try:
                return fn()
            except eventlet.Timeout as exc:
                if exc is not guard:
                    raise
                self.fail('still blocked after %s seconds' % timeout)
            finally:
                guard.cancel()
        outcome = _threading.ThreadDone()

        def run():
            try:
                result = fn()
            except BaseException as exc:  # noqa: B902 - handed to the test
                outcome.send_exception(exc=exc)
            else:
                outcome.send(result)

        threading.Thread(target=run, daemon=True).start()
        return self.run_until_done(outcome, timeout)


def done_after(n, clock=None, spend=0.0, value='done'):
    """An ``f`` that ends its loop with ``value`` on its ``n``-th run.

    Returns ``(f, runs)``: ``runs`` gets ``clock.now()`` at each run (None
    without a clock); each run spends ``spend`` seconds of ``clock``.
    """
    runs = []

    def f():
        runs.append(clock.now() if clock else None)
        if spend:
            clock.spend(spend)
        if len(runs) == n:
            raise loopingcall.LoopingCallDone(value)

    return f, runs
