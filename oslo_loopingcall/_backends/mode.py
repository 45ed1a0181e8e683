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

"""The mode state: which backend loops use, settled by the first loop.

The mode (``eventlet`` or ``threading``) is chosen once per process, before
the first looping call starts: by :data:`ENV_VAR`, read when the package is
imported; by :func:`choose` (the public
:func:`oslo_loopingcall.backend.set_backend`); else oslo.service's own
choice, when it made one; else eventlet, where it is installed.

A test fixture can put another backend in front of the mode's (virtual
time: :func:`put_in_front`) or switch modes regardless of use
(:func:`switch`, :func:`restore`). The concrete backends are imported by
name, here only, so that no module above this one depends on a mode.
"""

from __future__ import annotations

import importlib
import importlib.util
import os
import sys
import threading
import typing as ty

from oslo_loopingcall._backends import forking
from oslo_loopingcall._backends import native
from oslo_loopingcall._backends import virtual

__all__ = ['BACKENDS', 'ENV_VAR', 'check_name', 'choose', 'get', 'in_front',
           'put_in_front', 'restore', 'switch', 'use',
           'virtual_in_front_of']

#: The environment variable read at import time.
ENV_VAR = 'OSLO_LOOPINGCALL_BACKEND'
#: The modes there are.
BACKENDS = ('eventlet', 'threading')

_MODULES = {'eventlet': 'oslo_loopingcall._backends.greenthreads.backend',
            'threading': 'oslo_loopingcall._backends.osthreads.backend'}
_VIRTUAL_MODULES = {
    'eventlet': 'oslo_loopingcall._backends.greenthreads.virtual',
    'threading': 'oslo_loopingcall._backends.osthreads.virtual'}


def _default() -> str:
    """The mode when nothing chooses one: eventlet, if it is installed.

    A process without eventlet has nothing else to run loops on. Looked up
    only when needed: a process that chose native threads never even looks
    for eventlet.
    """
    try:
        installed = importlib.util.find_spec('eventlet') is not None
    except (ImportError, ValueError):
        installed = False
    return 'eventlet' if installed else 'threading'


# Real: set_backend() and a loop's start may come from any OS thread.
_lock = native.allocate_lock()
_chosen: str | None = None
_backend: ty.Any = None
_in_use = False
# A backend a test fixture puts in front of the real one (virtual time).
_override: ty.Any = None


def check_name(name: ty.Any, source: str) -> str:
    if name not in BACKENDS:
        raise ValueError(
            f'{source} must be one of {", ".join(BACKENDS)}, got {name!r}')
    return ty.cast(str, name)


def _from_environment() -> str | None:
    value = os.environ.get(ENV_VAR)
    if value is None or value == '':
        return None
    return check_name(value.strip().lower(), ENV_VAR)


def _oslo_service_choice() -> str | None:
    # Only look: importing oslo.service is not ours to do.
    module = sys.modules.get('oslo_service.backend')
    get_backend_type = getattr(module, 'get_backend_type', None)
    kind = get_backend_type() if get_backend_type is not None else None
    value = getattr(kind, 'value', None)
    return value if value in BACKENDS else None


def _mode() -> str:
    """The mode to use: chosen here, else oslo.service's, else the default."""
    return _chosen or _oslo_service_choice() or _default()


def choose(name: str) -> None:
    """:func:`oslo_loopingcall.backend.set_backend`, which documents it."""
    global _chosen, _backend
    check_name(name, 'backend')
    with _lock:
        current = _backend.name if _backend is not None else _chosen
        if _in_use and current != name:
            raise RuntimeError(
                f'looping calls already run on the {current!r} backend: '
                f'choose {name!r} before the first looping call starts')
        _chosen = name
        if _backend is not None and _backend.name != name:
            _backend = None


def get() -> ty.Any:
    """The backend object as things stand, without settling the choice.

    Until a mode is chosen or a loop starts, the default is looked up
    afresh, so that oslo.service initialising its backend after a looping
    call was merely created is still followed.
    """
    backend = _override or _backend
    if backend is None:
        backend = importlib.import_module(_MODULES[_mode()]).BACKEND
    return backend


def use() -> ty.Any:
    """The backend object for a loop that starts now; settles the mode.

    A loop of the backend in front (a test's virtual clock) settles
    nothing: it ends with its fixture, which puts back what it found.
    """
    global _backend, _in_use
    if _override is not None:
        return _override
    backend = _backend
    if backend is None:
        with _lock:
            if _backend is None:
                _backend = get()
            backend = _backend
    _in_use = True
    return backend


def put_in_front(backend: ty.Any) -> ty.Any:
    """Make loops started from now on use ``backend`` (a test fixture's).

    Returns what was in front before, for :func:`put_in_front` to put
    back.
    """
    global _override
    with _lock:
        previous, _override = _override, backend
    return previous


def in_front() -> ty.Any:
    """The backend a test fixture put in front of the mode's, or None."""
    return _override


def virtual_in_front_of(real: ty.Any, start: float,
                        autojump: bool) -> virtual.VirtualBackend:
    """A virtual-time backend in front of ``real``, of ``real``'s mode."""
    module = importlib.import_module(_VIRTUAL_MODULES[real.name])
    return ty.cast(virtual.VirtualBackend,
                   module.IN_FRONT(real, start, autojump))


class _State(ty.NamedTuple):
    """Everything that says which backend a loop gets (see switch)."""

    chosen: str | None
    backend: ty.Any
    in_use: bool
    override: ty.Any


def switch(name: str) -> _State:
    """Switch to mode ``name`` regardless of use (for tests).

    Nothing is left in front, so that loops run in that mode; and no loop
    has run in it yet. Returns the whole state before, for
    :func:`restore`: the mode chosen, the backend object, whether loops
    have run (``set_backend()`` must refuse afterwards what it refused
    before) and what was in front.
    """
    global _chosen, _backend, _in_use, _override
    with _lock:
        previous = _State(_chosen, _backend, _in_use, _override)
        _chosen, _backend, _in_use, _override = name, None, False, None
    return previous


def restore(state: _State) -> None:
    """Put back a state :func:`switch` returned, exactly."""
    global _chosen, _backend, _in_use, _override
    with _lock:
        _chosen, _backend, _in_use, _override = state


def _forked() -> None:
    # Another thread of the parent may have held it at the fork.
    global _lock
    _lock = native.allocate_lock()


forking.at_fork(forking.LOCKS, _forked)


def _import_eventlet_here() -> None:
    """Import the eventlet mode now, in the main thread, if it is to be it.

    Before CPython 3.13, eventlet's first import in an OS thread that is
    not the main one breaks that thread's shutdown (its copy of the
    threading module takes the thread's shutdown lock over: the thread can
    never be joined, and the interpreter waits for it at exit). A first
    looping call started in such a thread would make that import there.
    """
    if (sys.version_info < (3, 13) and 'eventlet' not in sys.modules and
            threading.current_thread() is threading.main_thread() and
            _mode() == 'eventlet'):
        importlib.import_module(_MODULES['eventlet'])


_chosen = _from_environment()
_import_eventlet_here()
