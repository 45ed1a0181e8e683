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

"""A stand-in for a dependency of a service (os-brick, oslo.vmware...).

It imports ``oslo_service.loopingcall`` at import time and keeps the module
in a global, as such libraries do. Tests import it before or after adopt()
(``importlib.reload`` or ``load()`` gives a fresh copy).
"""

import importlib.util

from oslo_service import loopingcall


def poll(f, interval=0.01):
    """Start a fixed-interval loop, as a connector polls a device."""
    timer = loopingcall.FixedIntervalLoopingCall(f)
    timer.start(interval=interval)
    return timer


def wait_for(f, interval=0.01, timeout=5):
    """Poll until ``f`` raises LoopingCallDone, or time out."""
    timer = loopingcall.FixedIntervalWithTimeoutLoopingCall(f)
    return timer.start(interval=interval, timeout=timeout).wait()


def load(name='adopt_standin_copy'):
    """A fresh copy of this module, imported now under ``name``."""
    spec = importlib.util.spec_from_file_location(name, __file__)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module
