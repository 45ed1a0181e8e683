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

"""(a) A fully monkey-patched process, as nova, cinder and neutron run.

``eventlet.monkey_patch()`` runs first thing; then every loop kind and
RetryDecorator, and stop()/wait() from OS threads eventlet does not manage:
threads of ``eventlet.patcher.original('threading')`` and ``eventlet.tpool``
workers (where nova runs its libvirt calls).
"""

import testscenarios

from tests.envs import scenario_runner as runner
from tests.envs.scenarios import green
from tests.envs.scenarios import kinds


class TestEveryKind(testscenarios.WithScenarios, runner.EnvTestCase):

    scenarios = runner.MODES

    def test_every_kind_and_retry_work_and_leave_nothing(self):
        self.assertEqual(kinds.EXPECTED, self.scenario(
            'kinds', 'every_kind', monkey_patch=True))


class TestOtherOsThreads(runner.EnvTestCase):
    """stop() and wait() from real OS threads, in a patched process."""

    def cross_thread(self, mode, via):
        return self.scenario('green', 'cross_thread', mode=mode,
                             monkey_patch=True, args={'via': via})

    # The hub's wake-up handler reads its pipe with the os functions
    # monkey patching leaves alone: a green os.read would trampoline
    # inside the hub and raise, eventlet would then drop the descriptor,
    # and this stop and every later one from another OS thread would be
    # lost (each loop sleeping its 30 s interval).
    def test_eventlet_mode_stop_and_wait_from_original_threads(self):
        """D23: cross-thread stop() and wait(), monkey-patched."""
        self.assertEqual(green.CROSS_EXPECTED,
                         self.cross_thread('eventlet', 'os'))

    # The same wake-up, from tpool's worker threads.
    def test_eventlet_mode_stop_and_wait_from_tpool(self):
        self.assertEqual(green.CROSS_EXPECTED,
                         self.cross_thread('eventlet', 'tpool'))

    # Native-thread mode imported after monkey_patch() takes its threads,
    # events and locks from eventlet's original threading module: with
    # the patched one its "threads" would be greenthreads of the main hub
    # and its events green, and no real OS thread could reach them.
    def test_threading_mode_stop_and_wait_from_original_threads(self):
        """D23: native-thread mode uses real OS threads, patched."""
        self.assertEqual(green.CROSS_EXPECTED,
                         self.cross_thread('threading', 'os'))


class TestUnpatchedControl(testscenarios.WithScenarios, runner.EnvTestCase):
    """The same cross-thread scenario without monkey patching: it holds.

    Shows that what fails above is due to the patching.
    """

    scenarios = runner.MODES

    def test_stop_and_wait_from_other_os_threads(self):
        self.assertEqual(green.CROSS_EXPECTED, self.scenario(
            'green', 'cross_thread', args={'via': 'os'}))
