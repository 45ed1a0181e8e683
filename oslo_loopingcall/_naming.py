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

"""The names logs, threads and reports give a looping call's function."""

from __future__ import annotations

import sys
import types
import typing as ty

from oslo_utils import reflection


def callable_name(f: ty.Any) -> str:
    """The name logs give ``f``: oslo.utils' name, as the reference's.

    Never raises, whatever ``f``'s attributes do: a name is for logs,
    labels and reports, and must not stop a loop from starting or make a
    log record fail. Where oslo.utils cannot name ``f`` (a function whose
    ``__module__`` is None, attributes that raise something other than
    ``AttributeError``...), the reference could not run it at all; the
    name is then the best one at hand.
    """
    try:
        return reflection.get_callable_name(f)
    except Exception:
        return _fallback_name(f)


def _fallback_name(f: ty.Any) -> str:
    qualname = _attribute(f, '__qualname__')
    if isinstance(qualname, str) and qualname:
        return qualname
    # What oslo.utils names an instance by, read from the type itself, so
    # that a metaclass cannot get in the way.
    cls = type(f)
    module = _attribute(cls, '__module__', _TYPE_MODULE)
    qualname = _attribute(cls, '__qualname__', _TYPE_QUALNAME)
    if isinstance(module, str) and isinstance(qualname, str):
        return f'{module}.{qualname}'
    return _object_repr(f)


_TYPE_MODULE = vars(type)['__module__']
_TYPE_QUALNAME = vars(type)['__qualname__']


def _attribute(obj: ty.Any, name: str, descriptor: ty.Any = None) -> ty.Any:
    """``obj.<name>`` (through ``descriptor`` if given); None if it fails."""
    try:
        if descriptor is not None:
            return descriptor.__get__(obj, type(obj))
        return getattr(obj, name, None)
    except Exception:
        return None


def _object_repr(obj: ty.Any) -> str:
    try:
        return object.__repr__(obj)
    except Exception:  # only a MemoryError or so could get here
        return '<unnamed>'


def safe_repr(value: ty.Any) -> str:
    """``repr(value)`` for an error message; never raises."""
    try:
        return repr(value)
    except Exception:
        return _object_repr(value)


# Labelled copies of a function, by the name they carry. Bounded: names
# come from the code of the program (qualified names, or class names for
# callables without one), but a program generating functions could make
# endless names.
_labelled: dict[ty.Any, ty.Any] = {}
_MAX_LABELLED = 512

_Fn = ty.TypeVar('_Fn', bound=ty.Callable[..., ty.Any])


def labelled(fn: _Fn, f: ty.Any) -> _Fn:
    """``fn``, as a copy named ``loopingcall:<f's name>`` in stack dumps.

    A greenthread has no name of its own: what a dump of its stack (a
    Guru Meditation Report's "Green Threads", py-spy, a traceback) shows
    is the names of the functions it runs. The loop's outermost function
    runs under this copy, so that the dump says which loop it is.
    Cheap: one copy per function name, made the first time it is seen.
    Never raises: ``fn`` itself is returned when ``f`` cannot be told
    apart from others (a key that cannot be hashed, say).
    """
    qualname = _attribute(f, '__qualname__')
    if isinstance(qualname, str):
        module = _attribute(f, '__module__')
        key: ty.Any = (module if isinstance(module, str) else None,
                       qualname)
    else:
        key = type(f)
    try:
        copy: _Fn | None = _labelled.get(key)
    except Exception:
        # A metaclass whose __hash__ or __eq__ raises.
        return fn
    if copy is None:
        if len(_labelled) >= _MAX_LABELLED:
            return fn
        if isinstance(key, tuple):
            module, qualname = key
            name = f'{module}.{qualname}' if module else qualname
        else:
            name = callable_name(f)
        copy = _labelled[key] = _renamed(fn, 'loopingcall:' + name)
    return copy


def _renamed(fn: _Fn, label: str) -> _Fn:
    function = ty.cast(types.FunctionType, fn)
    code = function.__code__
    if sys.version_info >= (3, 11):
        # What tracebacks and profilers print.
        code = code.replace(co_name=label, co_qualname=label)
    else:
        code = code.replace(co_name=label)
    copy = types.FunctionType(code, function.__globals__, label,
                              function.__defaults__, function.__closure__)
    copy.__kwdefaults__ = function.__kwdefaults__
    return ty.cast(_Fn, copy)
