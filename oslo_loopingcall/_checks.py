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

"""Checking the arguments of looping calls, where they are given.

One rule for every numeric argument: any real number (an ``int`` of any
size, a ``float``, a ``Fraction``, a ``Decimal``) either works the same in
both modes or is rejected here, before anything starts, with a
``TypeError`` or ``ValueError`` naming the parameter and the value. What
is accepted comes back as a ``float`` (or ``int``), so that nothing inside
a running loop can fail on an argument ``start()`` accepted.

``bool`` is rejected: ``start(True)`` is a mistake (a flag given where a
number of seconds belongs), although ``True`` is an ``int`` in Python.
"""

from __future__ import annotations

import decimal
import math
import numbers
import typing as ty

from oslo_loopingcall import _naming

__all__ = ['callable_f', 'retry_count', 'seconds']


def seconds(name: str, value: ty.Any, *, allow_none: bool = False,
            allow_inf: bool = False, negative: bool = False) -> ty.Any:
    """``value`` as a number of seconds, or an error naming ``name``.

    :param allow_none: None is valid (and returned as None).
    :param allow_inf: infinity is valid, and so is an ``int`` too large for
        a float (it is returned as infinity).
    :param negative: values below 0 are valid (for timeouts, where 0 or
        less means no timeout).
    """
    # The common case costs one type check and two comparisons: start()
    # is on the path of every loop started.
    if type(value) is float or type(value) is int:
        if 0 <= value < math.inf and value < _FLOAT_MAX:
            return value
    elif value is None and allow_none:
        return None
    return _slow_seconds(name, value, allow_inf, negative)


# Ints at or above this cannot be converted to float.
_FLOAT_MAX = 2 ** 1024


def _slow_seconds(name: str, value: ty.Any, allow_inf: bool,
                  negative: bool) -> float:
    number = _as_float(name, value)
    if math.isnan(number):
        raise ValueError(f'{name} must be a number, got {value!r}')
    if math.isinf(number) and not allow_inf:
        raise ValueError(f'{name} must be finite, got {value!r}')
    if number < 0 and not negative:
        raise ValueError(
            f'{name} must be greater than or equal to 0, got {value!r}')
    return number


def _as_float(name: str, value: ty.Any) -> float:
    if isinstance(value, bool):
        raise TypeError(
            f'{name} must be a number, not a bool, got {value!r}')
    if not isinstance(value, (numbers.Real, decimal.Decimal)):
        raise TypeError(f'{name} must be a real number, got {value!r}')
    try:
        return float(value)
    except ValueError:
        # A signalling NaN Decimal.
        raise ValueError(f'{name} must be a number, got {value!r}')
    except OverflowError:
        # Only ints (and Fractions of them) can be too large for a float.
        return math.inf if ty.cast(int, value) > 0 else -math.inf


def retry_count(name: str, value: ty.Any) -> int:
    """A whole number of retries, ``-1`` meaning for ever.

    ``3.0`` counts as 3 (the reference accepts it); ``1.5`` is a mistake.
    """
    if type(value) is int and value >= -1:
        return value
    number = _as_float(name, value)
    if isinstance(value, numbers.Integral):
        count = int(value)
    elif math.isnan(number):
        raise ValueError(f'{name} must be a number, got {value!r}')
    elif math.isinf(number):
        raise ValueError(f'{name} must be finite, got {value!r}')
    elif number == int(number):
        count = int(number)
    else:
        raise TypeError(f'{name} must be a whole number, got {value!r}')
    if count < -1:
        raise ValueError(
            f'{name} must be -1 (retry forever) or at least 0, '
            f'got {value!r}')
    return count


def callable_f(f: ty.Any) -> None:
    """Reject an ``f`` the loop could not call."""
    if not callable(f):
        raise TypeError(
            f'f must be callable, got {_naming.safe_repr(f)}')
