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

"""Real OS-thread primitives, also in a process eventlet monkey-patched.

Monkey patching turns ``threading`` and ``_thread`` green: their threads
are greenthreads and their locks green, so no real OS thread (a
``tpool`` or libvirt event thread, or native-thread mode's loop threads)
could share them. The originals are used then, without importing
anything of eventlet when it is not loaded.

Every lock of the package that real OS threads may take comes from
:func:`allocate_lock` or :func:`rlock`, at import and when a forked child
makes its locks anew. They look at the process when called, not when this
module was imported: a library imported before ``eventlet.monkey_patch()``
and forked after it still gets real locks in the child. They take
``_thread``, never ``threading``: importing the original ``threading`` from
an OS thread that is not the main one breaks that thread's shutdown
(before CPython 3.13), and a lock may be made in any thread.
"""

from __future__ import annotations

import _thread
import importlib
import sys
import types


def original(name: str) -> types.ModuleType:
    """Module ``name`` as it was before any monkey patching."""
    patcher = sys.modules.get('eventlet.patcher')
    if patcher is not None and patcher.is_monkey_patched('thread'):
        module: types.ModuleType = patcher.original(name)
        return module
    return importlib.import_module(name)


def allocate_lock() -> _thread.LockType:
    """A new lock of real OS threads, monkey patching or not."""
    lock: _thread.LockType = original('_thread').allocate_lock()
    return lock


def rlock() -> _thread.RLock:
    """A new reentrant lock of real OS threads, monkey patching or not.

    Reentrant per OS thread: greenthreads of one OS thread count as one
    owner, so whatever holds it must not yield to the hub.
    """
    lock: _thread.RLock = original('_thread').RLock()
    return lock
