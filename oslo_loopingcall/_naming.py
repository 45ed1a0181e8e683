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
