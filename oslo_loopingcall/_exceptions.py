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

"""The exceptions of looping calls (public in :mod:`.loopingcall`)."""

from __future__ import annotations

import typing as ty

from oslo_loopingcall import _interop

__all__ = ['DONE_TYPES', 'LoopingCallDone', 'LoopingCallTimeOut']

# With oslo.service installed, our exceptions derive from its own (see
# oslo_loopingcall._interop): ``except`` clauses naming either catch ours.
if ty.TYPE_CHECKING:
    _DoneBase = Exception
    _TimeOutBase = Exception
else:
    _DoneBase = _interop.DONE_BASE
    _TimeOutBase = _interop.TIMEOUT_BASE


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
    (LoopingCallDone,) if _interop.DONE_BASE is Exception
    else (LoopingCallDone, _interop.DONE_BASE))

# Documented and shown where users import them from.
LoopingCallDone.__module__ = 'oslo_loopingcall.loopingcall'
LoopingCallTimeOut.__module__ = 'oslo_loopingcall.loopingcall'
