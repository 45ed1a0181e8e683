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

"""oslo.service's own looping-call exceptions, when it is installed.

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
