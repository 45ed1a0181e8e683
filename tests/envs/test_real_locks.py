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

"""Every lock real OS threads may take is a real OS lock, patched or not.

Monkey patching makes ``threading``'s and ``_thread``'s locks green, also
those of the modules eventlet patched in place after the library binds
them: a real OS thread (tpool, libvirt's event thread, native-thread mode's
loops, a service's own threads) waiting on a green lock that another OS
thread holds is never woken. See :mod:`oslo_loopingcall._backends.native`.
"""

import testscenarios

from oslo_loopingcall import _exceptions
from tests.envs import scenario_runner as runner


#: Locks the walk must find (as real ones), or it walked past them.
KNOWN = ['_adopt._lock', '_backends.greenthreads.backend._foreign_lock',
         '_backends.mode._lock', '_backends.osthreads.backend._lock',
         '_backends.loops._lock']


class TestNoGreenLockEscapes(testscenarios.WithScenarios,
                             runner.EnvTestCase):

    scenarios = runner.MODES

    def assertAllReal(self, found):
        self.assertEqual([], found['green'])
        missed = sorted(set(KNOWN) - set(found['real']))
        self.assertEqual([], missed, 'the walk missed them')

    # Imported after monkey_patch(), as services import it: a lock made
    # from the patched threading (backend._lock was, and adopt()'s) or
    # remade from it in a forked child would be listed as green.
    def test_d25_d23_every_lock_reachable_is_real_patched_and_forked(self):
        result = self.scenario('locks', 'escaping', monkey_patch=True)
        self.assertTrue(result['patched'])
        self.assertAllReal(result['here'])
        self.assertIn(
            '_backends.osthreads.backend.new_done()._event._cond._lock',
            result['here']['real'])
        self.assertAllReal(result['forked child'])

    # Loops under virtual time in native-thread mode are OS threads too.
    def test_d25_virtual_time_locks_are_real(self):
        result = self.scenario('locks', 'escaping_virtual_time',
                               monkey_patch=True)
        self.assertTrue(result['patched'])
        self.assertEqual([], result['here']['green'])
        self.assertIn('virtual _backends.osthreads.backend._lock',
                      result['here']['real'])

    # Imported first, patched after: the locks a forked child makes anew
    # are asked for then, not bound at import (native-thread mode's lock
    # came from the threading module eventlet had patched since).
    def test_d23_locks_made_in_a_child_after_a_late_patch_are_real(self):
        result = self.scenario('locks', 'patched_after_import')
        self.assertTrue(result['patched'])
        self.assertAllReal(result['forked child'])


class TestAdoptFromOsThreads(runner.EnvTestCase):

    # Six OS threads call adopt() at once; one holds its lock until the
    # five others wait on it. With a green lock the five were never woken.
    def test_d23_d25_adopt_from_several_os_threads_at_once(self):
        if not _exceptions.installed():
            self.skipTest('oslo.service is not installed')
        self.assertEqual(
            {'lock': '_thread.RLock', 'found it held': 5,
             'outcomes': ['returned True'] * 6},
            self.scenario('locks', 'adopt_from_os_threads',
                          monkey_patch=True))

    def test_d23_adopt_in_a_child_forked_while_another_thread_adopts(self):
        if not _exceptions.installed():
            self.skipTest('oslo.service is not installed')
        self.assertEqual(
            {'forked child': {'adopt': 'returned True'}},
            self.scenario('locks', 'adopt_in_a_child_forked_while_held'))
