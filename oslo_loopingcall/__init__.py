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

"""Looping calls for OpenStack services.

A drop-in replacement for ``oslo_service.loopingcall``: either import the
module, ``from oslo_loopingcall import loopingcall``, or use the package
itself, ``import oslo_loopingcall as loopingcall``.
"""

from oslo_loopingcall._adopt import adopt
from oslo_loopingcall import loopingcall
from oslo_loopingcall.loopingcall import BackOffLoopingCall
from oslo_loopingcall.loopingcall import DynamicLoopingCall
from oslo_loopingcall.loopingcall import FixedIntervalLoopingCall
from oslo_loopingcall.loopingcall import FixedIntervalWithTimeoutLoopingCall
from oslo_loopingcall.loopingcall import LoopingCallBase
from oslo_loopingcall.loopingcall import LoopingCallDone
from oslo_loopingcall.loopingcall import LoopingCallTimeOut
from oslo_loopingcall.loopingcall import RetryDecorator
from oslo_loopingcall import reports
from oslo_loopingcall.reports import log_statistics
from oslo_loopingcall.reports import running_loops

__all__ = [
    'BackOffLoopingCall',
    'DynamicLoopingCall',
    'FixedIntervalLoopingCall',
    'FixedIntervalWithTimeoutLoopingCall',
    'LoopingCallBase',
    'LoopingCallDone',
    'LoopingCallTimeOut',
    'RetryDecorator',
    'adopt',
    'log_statistics',
    'loopingcall',
    'reports',
    'running_loops',
]
