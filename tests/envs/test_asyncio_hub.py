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

"""(f) eventlet's asyncio hub (``EVENTLET_HUB=asyncio``).

eventlet's own migration path towards asyncio: the hub is an asyncio event
loop. Eventlet mode only (the hub is what runs its loops); with and
without monkey patching.
"""

from tests.envs import scenario_runner as runner
from tests.envs.scenarios import green
from tests.envs.scenarios import kinds


class TestAsyncioHub(runner.EnvTestCase):

    def run_on_asyncio(self, module, scenario, **options):
        return self.scenario(module, scenario, mode='eventlet',
                             hub='asyncio', **options)

    def test_every_kind_and_retry(self):
        self.assertEqual(kinds.EXPECTED,
                         self.run_on_asyncio('kinds', 'every_kind'))

    def test_every_kind_and_retry_monkey_patched(self):
        self.assertEqual(kinds.EXPECTED, self.run_on_asyncio(
            'kinds', 'every_kind', monkey_patch=True))

    def test_stop_and_wait_from_os_threads(self):
        self.assertEqual(green.CROSS_EXPECTED, self.run_on_asyncio(
            'green', 'cross_thread', args={'via': 'os'}))

    def test_stop_and_wait_from_tpool(self):
        self.assertEqual(green.CROSS_EXPECTED, self.run_on_asyncio(
            'green', 'cross_thread', args={'via': 'tpool'}))

    # As with the default hub: the wake-up handler reads its pipe with
    # the unpatched os functions, so monkey patching loses no cross-thread
    # stop (see test_monkey_patched).
    def test_stop_and_wait_from_os_threads_monkey_patched(self):
        self.assertEqual(green.CROSS_EXPECTED, self.run_on_asyncio(
            'green', 'cross_thread', monkey_patch=True, args={'via': 'os'}))
