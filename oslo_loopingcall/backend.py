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

"""Choosing how looping calls run: eventlet greenthreads or native threads.

The mode is chosen once per process, before the first looping call starts:

* the environment variable ``OSLO_LOOPINGCALL_BACKEND`` (``eventlet`` or
  ``threading``), read when :mod:`oslo_loopingcall` is imported;
* or :func:`set_backend`, called before the first looping call starts;
* otherwise, if oslo.service is loaded and its backend was initialised to
  ``threading``, that choice is followed;
* otherwise ``eventlet``, or ``threading`` where eventlet is not
  installed.

Changing the mode once a looping call has started raises
:class:`RuntimeError` rather than leaving loops of two kinds to deadlock
on each other.
"""

from __future__ import annotations

import typing as ty

from oslo_loopingcall._backends import mode

__all__ = ['BACKENDS', 'ENV_VAR', 'get_backend', 'set_backend']

#: The environment variable read at import time.
ENV_VAR = mode.ENV_VAR
#: The modes there are.
BACKENDS = mode.BACKENDS


def set_backend(name: str) -> None:
    """Choose how looping calls run: ``'eventlet'`` or ``'threading'``.

    Call it once, before the first looping call starts (for example where
    the service chooses its oslo.service backend). Choosing the mode already
    in force is harmless.

    :raises ValueError: for an unknown name.
    :raises RuntimeError: if looping calls already run in the other mode.
    """
    mode.choose(name)


def get_backend() -> str:
    """The name of the mode looping calls run (or will run) in."""
    return ty.cast(str, mode.get().name)
