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

"""Where the scenarios widen race windows: every private name, in one place.

A race that needs luck to show is no test. Each function here wraps one
step on the library's own path so that it pauses for ``delay`` seconds,
after setting ``reached`` (a native event), while the window it names is
open: the scenario then acts inside the window every time.

These are the only private names of oslo_loopingcall the environment
scenarios touch. If the core moves them, :class:`SeamMissing` says which
one to re-point, and the scenario fails loudly rather than passing
without its race.
"""

import sys
import time

from oslo_loopingcall import backend
from tests.envs.scenarios import common


class SeamMissing(AttributeError):
    """A private name a scenario patches no longer exists."""


#: Every private name patched here, per mode: (module, attribute path).
_GREEN = 'oslo_loopingcall._backends.greenthreads.backend'
_THREADS = 'oslo_loopingcall._backends.osthreads.backend'
_LOOPS = 'oslo_loopingcall._backends.loops'
PATCHED = {
    'eventlet': [(_LOOPS, 'Handle.release'),
                 (_GREEN, 'EventletBackend.spawn')],
    'threading': [(_LOOPS, 'Handle.release'),
                  (_THREADS, 'ThreadingBackend.spawn')],
}


def missing():
    """The names in :data:`PATCHED` that no longer exist."""
    gone = []
    for names in PATCHED.values():
        for module_name, path in names:
            __import__(module_name)
            target = sys.modules[module_name]
            for part in path.split('.'):
                target = getattr(target, part, None)
            if target is None:
                gone.append(f'{module_name}.{path}')
    return gone


def native_sleep(seconds):
    """Block this OS thread (its hub too), even when time is patched."""
    if common.monkey_patched():
        from eventlet import patcher
        patcher.original('time').sleep(seconds)
    else:
        time.sleep(seconds)


def _module(mode):
    name = {'eventlet': 'oslo_loopingcall._backends.greenthreads.backend',
            'threading': 'oslo_loopingcall._backends.osthreads.backend'}[mode]
    __import__(name)
    return sys.modules[name]


def _wrap(owner, name, make):
    original = getattr(owner, name, None)
    if original is None:
        raise SeamMissing(
            f'{getattr(owner, "__name__", owner)}.{name} is gone: point '
            f'tests/envs/scenarios/seams.py at its new place')
    setattr(owner, name, make(original))
    return original


def widen_end_of_loop(delay, reached, only=None):
    """Pause a loop between "marked as ended" and "result delivered".

    The window: ``timer._thread`` is already None (so ``start()`` may
    restart the loop, and a waiter may take the short path), but ``done``
    has not fired yet. ``only``: pause only a loop whose ``f`` is this.
    """
    from oslo_loopingcall._backends import loops

    def make(original):
        def release(handle):
            owner = handle.owner
            original(handle)
            if only is None or owner.f is only:
                reached.set()
                native_sleep(delay)
        return release
    _wrap(loops.Handle, 'release', make)


def widen_start(delay, reached, armed):
    """Pause ``start()`` while it holds the lock that serialises starts.

    Pauses only while ``armed()`` is true, in the thread that calls it.
    """
    module = _module(backend.get_backend())
    cls = (module.EventletBackend if backend.get_backend() == 'eventlet'
           else module.ThreadingBackend)

    def make(original):
        def spawn(self, loop, *args):
            if armed():
                reached.set()
                native_sleep(delay)
            return original(self, loop, *args)
        return spawn
    _wrap(cls, 'spawn', make)
