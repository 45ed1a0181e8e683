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

"""Scaffolding of the in-process tests of adopt() and the interop.

Each test runs in both modes; oslo.service's backend module of the same
kind (eventlet or threading) stands for the service's, imported directly
so that the test process's own oslo.service backend choice is untouched.
"""

import importlib
import importlib.util
import sys

from tests import base


def oslo_backend_module(kind, name):
    """oslo_service.backend._<kind>.<name>, or None if it cannot load."""
    if base.REFERENCE is None:
        return None
    if kind == 'threading' and not all(
            importlib.util.find_spec(dep) for dep in ('futurist',
                                                      'cotyledon')):
        return None
    return importlib.import_module(f'oslo_service.backend._{kind}.{name}')


#: oslo.service's own exceptions (None without oslo.service).
THEIRS = (sys.modules['oslo_service.backend._common.loopingcall']
          if base.REFERENCE is not None else None)


class TestCase(base.TestCase):
    """Both modes; skipped without oslo.service (and its threading deps)."""

    def setUp(self):
        super().setUp()
        if base.REFERENCE is None:
            self.skipTest('oslo.service is not installed (Python 3.11+)')
        self.their_loops = oslo_backend_module(self.backend_name,
                                               'loopingcall')
        if self.their_loops is None:
            self.skipTest(f"oslo.service's {self.backend_name} backend "
                          f'needs futurist and cotyledon')
        self.their_threadgroup = oslo_backend_module(self.backend_name,
                                                     'threadgroup')
