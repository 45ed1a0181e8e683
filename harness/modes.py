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

"""Sleeping and running siblings in the mode of this process.

In eventlet mode (or in a process whose threads eventlet has patched) a
worker must sleep green, so that the loops of its thread (its hub) run
meanwhile; with native threads it sleeps for real. eventlet is imported
only where the process uses it.
"""

import sys
import threading
import time


def monkey_patched():
    """Whether ``eventlet.monkey_patch()`` patched threads."""
    patcher = sys.modules.get('eventlet.patcher')
    return bool(patcher and patcher.is_monkey_patched('thread'))


def os_threading():
    """The ``threading`` module of real OS threads, even when patched."""
    if monkey_patched():
        from eventlet import patcher
        return patcher.original('threading')
    return threading


class Mode:
    """How the code of a worker waits and runs siblings, in one mode.

    :param name: ``'eventlet'`` (loops in greenthreads) or
        ``'threading'`` (native threads).
    """

    def __init__(self, name):
        self.name = name
        #: Whether loops run in eventlet greenthreads.
        self.green = name == 'eventlet'

    def sleep(self, seconds):
        """Sleep, letting this thread's loops run (its hub, when green)."""
        if self.green or monkey_patched():
            import eventlet
            eventlet.sleep(seconds)
        else:
            time.sleep(seconds)

    def spawn(self, fn, *args):
        """A sibling of the caller: a greenthread, or a (daemon) thread."""
        if self.green:
            import eventlet
            return eventlet.spawn(fn, *args)
        thread = threading.Thread(target=fn, args=args, daemon=True)
        thread.start()
        return thread
