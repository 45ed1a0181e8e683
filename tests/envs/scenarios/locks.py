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

"""The library's locks in a monkey-patched process: real OS locks or not.

Once ``eventlet.monkey_patch()`` has run, ``threading.Lock()``,
``_thread.allocate_lock()`` and everything built on them are green: a real
OS thread that waits on one that another thread holds waits for ever (its
own hub is never told of the release). :func:`green_locks` lists every
lock-like object reachable from the package that is not a real one.
"""

import collections
import importlib
import pkgutil
import sys
import types

from harness import forking
import oslo_loopingcall
from tests.envs.scenarios import common

#: Types walked into: the package's own, and containers.
_CONTAINERS = (dict, list, tuple, set, frozenset)
_SKIPPED = (types.ModuleType, type, types.FunctionType,
            types.BuiltinFunctionType, types.MethodType, property,
            staticmethod, classmethod)


def _modules():
    """Every module of the package and its subpackages, imported.

    Named by their path inside the package (``_backends.mode``).
    """
    names = [info.name for info in pkgutil.walk_packages(
        oslo_loopingcall.__path__, 'oslo_loopingcall.')]
    return {name.split('.', 1)[1]: importlib.import_module(name)
            for name in sorted(names)}


def _patched_threading_classes():
    """The classes of ``threading`` as patched (the original is a copy).

    Their objects make green locks: a Condition of a real lock still
    waits on green ones.
    """
    return {value for value in vars(sys.modules['threading']).values()
            if isinstance(value, type) and value.__module__ == 'threading'}


def _fields(obj):
    """The attribute values of one of our objects (dict and slots)."""
    values = dict(getattr(obj, '__dict__', {}))
    for klass in type(obj).__mro__:
        for name in getattr(klass, '__slots__', ()):
            if name not in values and hasattr(obj, name):
                values[name] = getattr(obj, name)
    return values


def _verdict(obj, green_classes):
    """'real', 'green', 'walk' (look inside) or None (not a lock)."""
    kind = type(obj)
    if kind.__module__ == '_thread':
        return 'real'
    if green_classes.intersection(kind.__mro__):
        return 'green'
    if kind.__module__.startswith('oslo_loopingcall') or (
            kind.__module__ == 'threading'):
        return 'walk'
    lock_like = (callable(getattr(obj, 'acquire', None)) and
                 callable(getattr(obj, 'release', None)))
    if lock_like or kind.__name__ in ('local', '_local'):
        return 'green'
    return None


def locks(roots):
    """The paths of the locks reachable from ``roots`` (name: object).

    Walks the attributes of the package's modules, classes and objects,
    and of ``threading`` objects (a Condition's lock, an Event's
    Condition), through containers.

    :returns: {'green': [paths], 'real': [paths]}
    """
    green_classes = _patched_threading_classes()
    found = {'green': [], 'real': []}
    seen = set()
    # Breadth first: each lock is named by its shortest path.
    todo = collections.deque(roots.items())
    while todo:
        path, obj = todo.popleft()
        if id(obj) in seen:
            continue
        seen.add(id(obj))
        if isinstance(obj, types.ModuleType) or (
                isinstance(obj, type) and
                obj.__module__.startswith('oslo_loopingcall')):
            todo.extend((f'{path}.{name}', value)
                        for name, value in vars(obj).items()
                        if not isinstance(value, types.ModuleType))
            continue
        if isinstance(obj, _CONTAINERS):
            items = obj.items() if isinstance(obj, dict) else enumerate(obj)
            todo.extend((f'{path}[{key!r}]', value) for key, value in items)
            continue
        if isinstance(obj, _SKIPPED):
            continue
        verdict = _verdict(obj, green_classes)
        if verdict == 'green':
            found['green'].append(f'{path}: {type(obj).__module__}.'
                                  f'{type(obj).__qualname__}')
        elif verdict == 'real':
            found['real'].append(path)
        elif verdict == 'walk':
            todo.extend((f'{path}.{name}', value)
                        for name, value in _fields(obj).items())
    return {kind: sorted(paths) for kind, paths in found.items()}


def _made_objects(modules, virtual):
    """Objects the backends make per loop, or virtual time's backends'."""
    made = {}
    for name in ('_backends.greenthreads.backend',
                 '_backends.osthreads.backend'):
        real = modules[name].BACKEND
        if virtual:
            real = modules['_backends.mode'].virtual_in_front_of(
                real, 0.0, True)
            name = f'virtual {name}'
            made[name] = real
        made.update({f'{name}.new_done()': real.new_done(),
                     f'{name}.new_abort()': real.new_abort()})
    return made


def _in_forked_child():
    """locks() of the modules in a forked child.

    Their at-fork handlers made their locks anew there.
    """
    return forking.in_forked_child(
        lambda: locks(_modules()), alarm_after=10,
        seconds=common.BOUND, sleep=common.sleep, poll=0.005)


def escaping():
    """D25: the green locks of the package, here and in a forked child."""
    modules = _modules()
    roots = dict(modules)
    roots.update(_made_objects(modules, virtual=False))
    return {'patched': common.monkey_patched(), 'here': locks(roots),
            'forked child': _in_forked_child()}


def escaping_virtual_time():
    """D25: the green locks of virtual time's backends and their objects.

    Virtual time's loops in native-thread mode are real OS threads.
    """
    return {'patched': common.monkey_patched(),
            'here': locks(_made_objects(_modules(), virtual=True))}


def patched_after_import():
    """D23: the locks a forked child makes anew are real ones.

    The library is imported first, then the process monkey-patched, then
    forked: by then ``threading`` hands out green locks.
    """
    _modules()
    import eventlet
    eventlet.monkey_patch()
    return {'patched': common.monkey_patched(),
            'forked child': _in_forked_child()}


class _Crowded:
    """adopt()'s own lock, held by its first taker until all have come.

    The first holder keeps it until every other caller found it held, so
    that they all wait on it.
    """

    def __init__(self, lock, others):
        self.lock = lock
        self.others = others
        self.crowd = 0
        self.count_lock = common.os_threading().Lock()
        self.first = True

    def __enter__(self):
        if self.lock.acquire(False):
            # The holder's own nested use (adopting a module already
            # imported) finds it free: only the first acquisition waits.
            if self.first:
                self.first = False
                common.wait_until(lambda: self.crowd == self.others)
            return
        with self.count_lock:
            self.crowd += 1
        self.lock.acquire()

    def __exit__(self, *exc_info):
        self.lock.release()


def adopt_from_os_threads(threads=6):
    """D23, D25: adopt() called at once from real OS threads.

    The threads start together; one takes the lock and keeps it until the
    others have arrived, so that they all wait on it.
    """
    from oslo_loopingcall import _adopt
    real = _adopt._lock
    _adopt._lock = crowded = _Crowded(real, threads - 1)
    barrier = common.os_threading().Barrier(threads)

    def adopt():
        barrier.wait(common.BOUND)
        return oslo_loopingcall.adopt()
    started = [common.start_os_thread(adopt) for _ in range(threads)]
    common.wait_until(lambda: all(outcome for _, outcome in started))
    _adopt._lock = real
    return {'lock': f'{type(real).__module__}.{type(real).__qualname__}',
            'found it held': crowded.crowd,
            'outcomes': [outcome[0] if outcome else 'hung'
                         for _, outcome in started]}


def adopt_in_a_child_forked_while_held():
    """D23: adopt() in a child forked while another thread was adopting.

    The child gets a copy of the lock, held by a thread it does not have.
    """
    from oslo_loopingcall import _adopt
    holding = common.os_threading().Event()
    release = common.os_threading().Event()

    def hold():
        with _adopt._lock:
            holding.set()
            release.wait(common.BOUND)
    thread, _ = common.start_os_thread(hold)
    holding.wait(common.BOUND)
    try:
        child = forking.in_forked_child(
            lambda: {'adopt': common.describe(oslo_loopingcall.adopt)},
            alarm_after=5, seconds=common.BOUND, sleep=common.sleep,
            poll=0.005)
    finally:
        release.set()
    return {'forked child': child}
