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
    """The name logs give ``f``: oslo.utils' name, as the reference's."""
    try:
        return reflection.get_callable_name(f)
    except (TypeError, AttributeError):
        # Callables oslo.utils cannot name (e.g. a function whose
        # __module__ is None) must not stop a loop from starting.
        return getattr(f, '__qualname__', None) or repr(f)


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
    """
    qualname = getattr(f, '__qualname__', None)
    key: ty.Any = ((getattr(f, '__module__', None), qualname)
                   if isinstance(qualname, str) else type(f))
    copy: _Fn | None = _labelled.get(key)
    if copy is None:
        if len(_labelled) >= _MAX_LABELLED:
            return fn
        if isinstance(qualname, str):
            module = key[0]
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
