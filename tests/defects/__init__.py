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

"""The DEFECT rows of the behaviour catalogue
(doc/source/contributor/behaviour.rst): our better behaviour, row by row.

Each test names its row (``test_dNN_...``). Where the reference's faulty
behaviour ends by itself, a ``test_dNN_reference_...`` test shows it side
by side (skipped when oslo.service is not installed, and in native-thread
mode: the reference is compared in eventlet mode only); rows where the
reference hangs or busy-loops are never run against it.

Every test runs in both modes; where a row is about eventlet itself (a
killed greenthread, an ``eventlet.Timeout``), it says so and is skipped
with native threads.
"""
