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

"""How loops run: the backends, one per mode, behind one contract.

* :mod:`.contract`: what a loop asks of its backend (checked by mypy);
* :mod:`.mode`: which backend is in use, chosen once per process;
* :mod:`.native`: real OS-thread primitives, also under monkey patching;
* :mod:`.virtual`: the virtual clock that test fixtures put in front;
* :mod:`.greenthreads`: eventlet mode (its backend, its cross-thread
  waker, its virtual-time variant), the only place that imports eventlet;
* :mod:`.osthreads`: native-thread mode and its virtual-time variant.

Nothing above this package imports a mode's package: the loop core gets
its backend from :mod:`.mode`.
"""
