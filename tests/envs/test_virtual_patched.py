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

"""VirtualTimeFixture with native threads in a monkey-patched process.

The suites of services patch first thing, then move test by test to
native threads. The virtual clock's locks must then be real OS locks:
green ones hung the first wait() (the hub: "Cannot switch to a different
thread").
"""

from tests.envs import scenario_runner as runner
from tests.envs.scenarios import virtual

#: A hang takes this long to fail: far more than the scenario needs
#: (well under a second), far less than the runner's default.
DEADLINE = 30


class TestVirtualTimeInThreadsPatched(runner.EnvTestCase):

    def test_d23_switched_to_threads_by_the_fixture(self):
        self.assertEqual(virtual.EXPECTED, self.scenario(
            'virtual', 'every_use', mode='eventlet', monkey_patch=True,
            args={'via': 'fixture'}, deadline=DEADLINE))

    def test_d23_in_threading_mode_by_the_environment(self):
        self.assertEqual(virtual.EXPECTED, self.scenario(
            'virtual', 'every_use', mode='threading', monkey_patch=True,
            args={'via': 'env'}, deadline=DEADLINE))

    def test_d23_unpatched_control(self):
        """D23: the same scenario without monkey patching."""
        self.assertEqual(virtual.EXPECTED, self.scenario(
            'virtual', 'every_use', mode='threading',
            args={'via': 'env'}, deadline=DEADLINE))
