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

"""Becoming ``oslo_service.loopingcall`` for the whole process.

What :func:`adopt` changes, every change written to a journal so that
:class:`oslo_loopingcall.fixture.AdoptFixture` can undo exactly those:

* ``sys.modules['oslo_service.loopingcall']`` and the ``loopingcall``
  attribute of the ``oslo_service`` package are our module, so every import
  form gives it.
* If oslo.service's own module was imported earlier, its eight public names
  are removed from it and a module ``__getattr__`` forwards them to ours: a
  module-global reference bound before the call sees our classes, and so
  does ``mock.patch('oslo_service.loopingcall.X')``.
* In oslo.service's backend modules (``oslo_service.backend._eventlet`` and
  ``._threading``, ``.loopingcall``), the looping-call classes and
  ``LoopingCallTimeOut`` are ours: ``ThreadGroup`` timers and the backend
  components built from them create our loops. Their ``LoopingCallDone``
  stays theirs, because the threading backend's loop catches that name (our
  class derives from it, so both are caught either way).
* ``_cached_components`` of ``oslo_service.backend``, if already built.
* ``oslo_service.backend._common.loopingcall.LoopingCallTimeOut``: loops of
  oslo.service's that were already running raise our timeout too.
* ``oslo_service.fixture.SleepFixture`` is ours.

Backend modules and ``oslo_service.fixture`` that are not imported yet are
changed when they are, by a finder on ``sys.meta_path`` that watches those
three names only: adopting imports nothing of oslo.service's that the
process would not have imported, and chooses no backend for it.

Names bound with ``from oslo_service.loopingcall import X`` before the call
keep oslo.service's classes (reaching them would mean walking every module);
those classes keep working, and their exceptions interoperate with ours.
"""

from __future__ import annotations

import importlib
import importlib.abc
import importlib.machinery
import importlib.metadata
import logging
import re
import sys
import types
import typing as ty

from oslo_loopingcall._backends import forking
from oslo_loopingcall._backends import native
from oslo_loopingcall import _exceptions
from oslo_loopingcall import loopingcall

__all__ = ['SUPPORTED', 'adopt', 'adopted']

LOG = logging.getLogger('oslo_loopingcall.adopt')

#: The oslo.service releases :func:`adopt` supports: from the first up to,
#: not including, the second (4.8.0 is the one it was built and tested
#: against; a new major release may move what it changes).
SUPPORTED = ((4, 8, 0), (5, 0, 0))

PUBLIC_MODULE = 'oslo_service.loopingcall'
_BACKEND_MODULES = ('oslo_service.backend._eventlet.loopingcall',
                    'oslo_service.backend._threading.loopingcall')
_FIXTURE_MODULE = 'oslo_service.fixture'

#: The looping-call classes (no exceptions) of oslo_service.loopingcall.
LOOP_NAMES = ('LoopingCallBase', 'FixedIntervalLoopingCall',
              'FixedIntervalWithTimeoutLoopingCall', 'DynamicLoopingCall',
              'BackOffLoopingCall', 'RetryDecorator')
#: All public names of oslo_service.loopingcall.
PUBLIC_NAMES = LOOP_NAMES + ('LoopingCallDone', 'LoopingCallTimeOut')

_MISSING = object()
# Real: adopt() may be called from any OS thread of a monkey-patched
# process, and a green lock cannot make one OS thread wait for another.
# Reentrant: adopting changes modules already imported under it, and an
# import it makes may reach the watcher below. Nothing under it yields to
# the hub (no logging either): greenthreads of one OS thread count as one
# owner.
_lock = native.rlock()


def _forked() -> None:
    # Another thread of the parent may have held it at the fork.
    global _lock
    _lock = native.rlock()


forking.at_fork(forking.LOCKS, _forked)


class _Journal:
    """The changes of one adoption, undone in reverse order."""

    def __init__(self) -> None:
        self._undo: list[ty.Callable[[], None]] = []

    def on_undo(self, action: ty.Callable[[], None]) -> None:
        self._undo.append(action)

    def set(self, mapping: dict[str, ty.Any], key: str,
            value: ty.Any) -> None:
        """``mapping[key] = value``, undone only while it still holds."""
        old = mapping.get(key, _MISSING)
        mapping[key] = value

        def undo() -> None:
            if mapping.get(key, _MISSING) is not value:
                return  # changed again since: not ours to put back
            if old is _MISSING:
                del mapping[key]
            else:
                mapping[key] = old
        self.on_undo(undo)

    def pop(self, mapping: dict[str, ty.Any], key: str) -> None:
        """``del mapping[key]`` (if there), put back on undo."""
        old = mapping.pop(key, _MISSING)
        if old is not _MISSING:
            def undo() -> None:
                mapping.setdefault(key, old)
            self.on_undo(undo)

    def undo(self) -> None:
        while self._undo:
            self._undo.pop()()


class _PatchingLoader(importlib.abc.Loader):
    """Runs a module as its own loader would, then changes it."""

    def __init__(self, loader: ty.Any,
                 patch: ty.Callable[[types.ModuleType], None]) -> None:
        self._loader = loader
        self._patch = patch

    def create_module(self, spec: importlib.machinery.ModuleSpec
                      ) -> types.ModuleType | None:
        return ty.cast('types.ModuleType | None',
                       self._loader.create_module(spec))

    def exec_module(self, module: types.ModuleType) -> None:
        self._loader.exec_module(module)
        self._patch(module)

    def __getattr__(self, name: str) -> ty.Any:
        # get_source(), get_filename()...: what tracebacks and inspect use.
        return getattr(self._loader, name)


class _Watcher(importlib.abc.MetaPathFinder):
    """Changes a few named modules right after they are first imported."""

    def __init__(self, patches: dict[
            str, ty.Callable[[types.ModuleType], None]]) -> None:
        self.patches = patches

    def find_spec(self, fullname: str, path: ty.Any,
                  target: types.ModuleType | None = None
                  ) -> importlib.machinery.ModuleSpec | None:
        patch = self.patches.get(fullname)
        if patch is None:
            return None
        for finder in sys.meta_path:
            find = getattr(finder, 'find_spec', None)
            if finder is self or find is None:
                continue
            spec = find(fullname, path, target)
            if spec is not None:
                break
        else:
            return None
        if spec.loader is not None and hasattr(spec.loader, 'exec_module'):
            spec.loader = _PatchingLoader(spec.loader, patch)
        return ty.cast(importlib.machinery.ModuleSpec, spec)


class _Adoption:
    """One adoption of oslo.service's looping calls by this library."""

    def __init__(self) -> None:
        self.journal = _Journal()
        # False once undone: a module whose import was under way then is
        # left as oslo.service made it.
        self.active = False

    def apply(self) -> None:
        self.active = True
        journal = self.journal
        # Registered first so that it runs last, once the backend modules
        # have their own classes back: components built while adopted were
        # copied from them.
        journal.on_undo(_restore_components)
        patches: dict[str, ty.Callable[[types.ModuleType], None]] = {
            name: self._take_backend_module for name in _BACKEND_MODULES}
        patches[_FIXTURE_MODULE] = self._take_fixture_module
        watcher = _Watcher(patches)
        sys.meta_path.insert(0, watcher)
        journal.on_undo(lambda: sys.meta_path.remove(watcher))
        for name, patch in patches.items():
            module = sys.modules.get(name)
            if module is not None:
                patch(module)
        self._take_public_module()
        common = sys.modules[_exceptions.EXCEPTIONS_MODULE]
        journal.set(vars(common), 'LoopingCallTimeOut',
                    loopingcall.LoopingCallTimeOut)
        components = getattr(sys.modules['oslo_service.backend'],
                             '_cached_components', None)
        if components is not None:
            for name in PUBLIC_NAMES:
                journal.set(components, name, getattr(loopingcall, name))

    def _take_public_module(self) -> None:
        journal = self.journal
        old = sys.modules.get(PUBLIC_MODULE)
        if old is not None and old is not loopingcall:
            namespace = vars(old)
            for name in PUBLIC_NAMES:
                journal.pop(namespace, name)
            journal.set(namespace, '__getattr__', _forward_to_ours)
        journal.set(ty.cast('dict[str, ty.Any]', sys.modules),
                    PUBLIC_MODULE, loopingcall)
        package = importlib.import_module('oslo_service')
        journal.set(vars(package), 'loopingcall', loopingcall)

    def _take_backend_module(self, module: types.ModuleType) -> None:
        with _lock:
            if not self.active:
                return
            for name in LOOP_NAMES + ('LoopingCallTimeOut',):
                self.journal.set(vars(module), name,
                                 getattr(loopingcall, name))

    def _take_fixture_module(self, module: types.ModuleType) -> None:
        # Only now: importing it loads fixtures and testtools, which a
        # service that never imports oslo_service.fixture does not need.
        from oslo_loopingcall import _sleep_fixture
        with _lock:
            if not self.active:
                return
            self.journal.set(vars(module), 'SleepFixture',
                             _sleep_fixture.SleepFixture)


def _forward_to_ours(name: str) -> ty.Any:
    """``__getattr__`` of oslo.service's own module, once adopted."""
    if name in PUBLIC_NAMES:
        return getattr(loopingcall, name)
    raise AttributeError(
        f'module {PUBLIC_MODULE!r} has no attribute {name!r}')


def _restore_components() -> None:
    # Put oslo.service's classes back into components built while adopted.
    backend = sys.modules.get('oslo_service.backend')
    components = getattr(backend, '_cached_components', None)
    kind = getattr(getattr(backend, '_cached_backend_type', None),
                   'value', None)
    source = sys.modules.get(f'oslo_service.backend._{kind}.loopingcall')
    if components is None or source is None:
        return
    for name in PUBLIC_NAMES:
        if components.get(name) is getattr(loopingcall, name):
            components[name] = getattr(source, name)


_adoption: _Adoption | None = None


def _version() -> str:
    try:
        return importlib.metadata.version('oslo.service')
    except importlib.metadata.PackageNotFoundError:
        return 'unknown'


def _release(version: str) -> tuple[int, ...] | None:
    """(major, minor, patch) of a version string; None if it has none."""
    match = re.match(r'(\d+)\.(\d+)(?:\.(\d+))?', version)
    if match is None:
        return None
    return tuple(int(part or 0) for part in match.groups())


def _check(version: str) -> None:
    """Refuse, before changing anything, what adopt() was not built for."""
    low, high = SUPPORTED
    release = _release(version)
    supported = '.'.join(map(str, low)) + ' up to (not including) ' + (
        '.'.join(map(str, high)))
    if release is None or not low <= release < high:
        raise RuntimeError(
            f'oslo_loopingcall.adopt() supports oslo.service {supported}; '
            f'the installed oslo.service is {version}. Nothing was '
            f'changed: use oslo_loopingcall directly, or install a '
            f'supported oslo.service.')
    if _exceptions.MODULE is None:
        raise RuntimeError(
            f'oslo_loopingcall.adopt(): oslo.service {version} is '
            f'installed but {_exceptions.EXCEPTIONS_MODULE} could not be '
            f'imported (see the DEBUG log of {_exceptions.__name__}). Nothing '
            f'was changed.')


def adopt() -> bool:
    """Make this library ``oslo_service.loopingcall`` for the whole process.

    Call it once, early at service start, where the service monkey-patches
    eventlet or chooses its oslo.service backend (after that choice). From
    then on every import of ``oslo_service.loopingcall`` gives
    :mod:`oslo_loopingcall.loopingcall`, oslo.service's ``ThreadGroup``
    timers and backend components create this library's looping calls,
    and ``oslo_service.fixture.SleepFixture`` is
    :class:`oslo_loopingcall.fixture.SleepFixture`. Loops that oslo.service
    started before the call keep running, and can be stopped and waited
    for as before.

    Calling it again, from any thread, does nothing more. Without
    oslo.service installed it does nothing (and says so at DEBUG level).
    Tests undo it with :class:`oslo_loopingcall.fixture.AdoptFixture`.

    :returns: True if the process is adopted, False when oslo.service is
        not installed.
    :raises RuntimeError: if the installed oslo.service is not one of the
        releases in :data:`SUPPORTED` (naming its version); nothing is
        changed then.
    """
    return adopt_undoably()[0]


def adopt_undoably() -> tuple[bool, _Adoption | None]:
    """adopt(), also giving the adoption if this very call made it."""
    global _adoption
    adoption = None
    with _lock:
        installed = _adoption is not None or _exceptions.installed()
        if installed and _adoption is None:
            version = _version()
            _check(version)
            _adoption = adoption = _apply()
    # Logged once the lock is released (see _lock).
    if not installed:
        LOG.debug('oslo.service is not installed: nothing to adopt')
    elif adoption is None:
        LOG.debug('oslo_service.loopingcall is already adopted')
    else:
        LOG.info('oslo_service.loopingcall is now oslo_loopingcall '
                 '(oslo.service %s)', version)
    return installed, adoption


def _apply() -> _Adoption:
    """Adopt oslo.service, all of it or nothing (under _lock)."""
    adoption = _Adoption()
    try:
        adoption.apply()
    except BaseException:
        adoption.active = False
        adoption.journal.undo()  # never leave half of it done
        raise
    return adoption


def adopted() -> bool:
    """Whether :func:`adopt` is in force."""
    return _adoption is not None


def restore(adoption: _Adoption) -> None:
    """Undo ``adoption`` if it is still in force (tests only)."""
    global _adoption
    with _lock:
        if _adoption is not adoption:
            return
        _adoption = None
        adoption.active = False
        adoption.journal.undo()
    LOG.debug("oslo_service.loopingcall is oslo.service's own again")
