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

"""Parity with oslo.service 4.8.0: the PARITY rows (P01-P48) of the
behaviour catalogue (doc/source/contributor/behaviour.rst).

Every test runs against this library and, when it is installed, against
``oslo_service.loopingcall`` itself, so each assertion is checked on the
reference too. Where a DEFECT row makes the two differ on purpose, the test
branches on ``self.reference`` and names the row.

Every test also runs in both modes (eventlet and native threads); the
reference is compared in eventlet mode only. In native-thread mode a loop
runs in parallel with the test, so the tests wait for the state they look
at (``wait_for``, ``settle``) instead of yielding once, and ``f`` blocks on
a :class:`Gate` where the test needs the loop held at a given point.

Time is controlled through the seams consumers patch (``_sleep``,
``_elapsed``, ``random.SystemRandom.gauss``, and the abort flag's ``wait``:
``EventletEvent.wait``, or ``ThreadAbort.wait`` with native threads). The
few real waits are either interrupted by ``stop()`` and bounded by
``run_until_done``, or a blocking ``time.sleep`` inside ``f`` that makes a
timeout certain to have passed.
"""
