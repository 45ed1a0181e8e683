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

"""A lost wake-up, made up, to show that the suite catches one.

``run.py --lose-stops N`` (or ``lose_stops`` in a worker's config)
patches the library in the worker process only: every N-th ``stop()``
called from the suite's stopper threads (the OS threads that stop loops
from outside; in eventlet mode the cross-thread wake-up) does nothing.
A loop whose only planned end was that stop then never ends, and its
waiters are blocked until the round's hard deadline: the suite must
report FAIL, whatever the load of the machine.
"""

import itertools
import threading

from _suite import STOPPER
from oslo_loopingcall import loopingcall


def lose_stops(every):
    """Swallow every ``every``-th stop() of the stopper threads."""
    original = loopingcall.LoopingCallBase.stop
    counter = itertools.count(1)
    lock = threading.Lock()

    def stop(self):
        if threading.current_thread().name == STOPPER:
            with lock:
                lost = next(counter) % every == 0
            if lost:
                return
        original(self)

    loopingcall.LoopingCallBase.stop = stop
