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

"""The private names the environment scenarios patch still exist.

The race tests widen their windows by wrapping steps of the library's own
path (tests/envs/scenarios/seams.py). A race test whose seam has moved
would fail for the wrong reason: this test fails plainly, naming the seam
to re-point.
"""

import testtools

from tests.envs.scenarios import seams


class TestSeamsExist(testtools.TestCase):

    def test_every_patched_name_exists(self):
        self.assertEqual([], seams.missing())
