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

"""The exceptions of looping calls (public in :mod:`.loopingcall`).

Our ``LoopingCallDone`` and ``LoopingCallTimeOut`` derive from
oslo.service's, so that an ``except`` clause naming either library's class
catches ours (``except`` does not honour ABC registration: only real
subclasses will do), and our loops also accept oslo.service's
``LoopingCallDone``.

Only ``oslo_service.backend._common.loopingcall`` is imported, and only
when the ``oslo_service`` package is installed. That module defines the
exceptions for both of oslo.service's backends; importing it loads neither
eventlet nor a backend, and leaves oslo.service's backend choice open
(about 1-2 ms once oslo.log and oslo.utils, which we load anyway, are in).
"""

from __future__ import annotations

import importlib
import importlib.util
import logging
import types
import typing as ty

__all__ = ['DONE_TYPES', 'LoopingCallDone', 'LoopingCallTimeOut']

LOG = logging.getLogger(__name__)

#: The module of oslo.service that defines its looping-call exceptions.
EXCEPTIONS_MODULE = 'oslo_service.backend._common.loopingcall'


def installed() -> bool:
    """Whether the ``oslo_service`` package can be imported (not importing)."""
    try:
        return importlib.util.find_spec('oslo_service') is not None
    except (ImportError, ValueError):
        # A broken or deliberately blocked installation counts as absent.
        return False


def _load() -> types.ModuleType | None:
    if not installed():
        return None
    try:
        return importlib.import_module(EXCEPTIONS_MODULE)
    except Exception:  # noqa: B902 - any failure means "no interop"
        LOG.debug('oslo.service is installed but %s cannot be imported: '
                  'looping-call exceptions are not shared with it',
                  EXCEPTIONS_MODULE, exc_info=True)
        return None


#: oslo.service's exceptions module, or None without (a usable) oslo.service.
MODULE = _load()


def _base(name: str) -> type[Exception]:
    cls = getattr(MODULE, name, None)
    if isinstance(cls, type) and issubclass(cls, Exception):
        return cls
    return Exception


#: The base of our LoopingCallDone: oslo.service's, or Exception.
DONE_BASE = _base('LoopingCallDone')
#: The base of our LoopingCallTimeOut: oslo.service's, or Exception.
TIMEOUT_BASE = _base('LoopingCallTimeOut')

# With oslo.service installed, our exceptions derive from its own (see
# above): ``except`` clauses naming either catch ours.
if ty.TYPE_CHECKING:
    _DoneBase = Exception
    _TimeOutBase = Exception
else:
    _DoneBase = DONE_BASE
    _TimeOutBase = TIMEOUT_BASE


class LoopingCallDone(_DoneBase):
    """Exception to break out and stop a LoopingCallBase.

    The poll-function passed to LoopingCallBase can raise this exception
    to break out of the loop normally. This is somewhat analogous to
    StopIteration.

    An optional return-value can be included as the argument to the
    exception; this return-value will be returned by
    LoopingCallBase.wait()
    """

    def __init__(self, retvalue: ty.Any = True) -> None:
        """:param retvalue: Value that LoopingCallBase.wait() should return."""
        self.retvalue = retvalue


class LoopingCallTimeOut(_TimeOutBase):
    """Exception for a timed out LoopingCall.

    The LoopingCall will raise this exception when a timeout is provided
    and it is exceeded.
    """


#: What ends a loop with its ``retvalue``: our LoopingCallDone and, when
#: oslo.service is installed, its own (whose instances have ``retvalue``
#: too), so that code raising either ends our loops alike.
DONE_TYPES = ty.cast(
    'tuple[type[LoopingCallDone], ...]',
    (LoopingCallDone,) if DONE_BASE is Exception
    else (LoopingCallDone, DONE_BASE))

# Documented and shown where users import them from.
LoopingCallDone.__module__ = 'oslo_loopingcall.loopingcall'
LoopingCallTimeOut.__module__ = 'oslo_loopingcall.loopingcall'
