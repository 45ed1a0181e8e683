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

"""The package's public surface and its independence from oslo.service."""

import json
import os
import subprocess
import sys

import oslo_loopingcall
from oslo_loopingcall import backend
from oslo_loopingcall import loopingcall
from tests import base

PUBLIC = ['BackOffLoopingCall', 'DynamicLoopingCall',
          'FixedIntervalLoopingCall', 'FixedIntervalWithTimeoutLoopingCall',
          'LoopingCallBase', 'LoopingCallDone', 'LoopingCallTimeOut',
          'RetryDecorator']


class TestPublicNames(base.TestCase):

    def test_module_all(self):
        self.assertEqual(sorted(PUBLIC), sorted(loopingcall.__all__))

    def test_package_root_reexports_the_module_names(self):
        for name in PUBLIC:
            self.assertIs(getattr(loopingcall, name),
                          getattr(oslo_loopingcall, name), name)
        self.assertIs(loopingcall, oslo_loopingcall.loopingcall)

    def test_hierarchy(self):
        for name in ('FixedIntervalLoopingCall',
                     'FixedIntervalWithTimeoutLoopingCall',
                     'DynamicLoopingCall', 'BackOffLoopingCall'):
            self.assertTrue(issubclass(getattr(loopingcall, name),
                                       loopingcall.LoopingCallBase), name)
        self.assertTrue(issubclass(loopingcall.LoopingCallDone, Exception))
        self.assertTrue(issubclass(loopingcall.LoopingCallTimeOut,
                                   Exception))
        self.assertFalse(issubclass(loopingcall.LoopingCallDone,
                                    loopingcall.LoopingCallTimeOut))
        self.assertFalse(issubclass(loopingcall.LoopingCallTimeOut,
                                    loopingcall.LoopingCallDone))

    def test_typed(self):
        self.assertTrue(os.path.exists(os.path.join(
            os.path.dirname(oslo_loopingcall.__file__), 'py.typed')))

    def test_oslo_service_backend_is_never_loaded(self):
        # Run in a fresh interpreter, in this test's mode: oslo.service may
        # be installed beside us (the parity tests import it). Using the
        # library then loads only the module that defines oslo.service's
        # looping-call exceptions (ours derive from them), never a backend
        # of oslo.service's, nor its choice of one.
        code = (
            'import json, sys, warnings\n'
            'warnings.simplefilter("ignore")\n'
            'import oslo_loopingcall\n'
            'from oslo_loopingcall import backend, fixture, loopingcall\n'
            'r = loopingcall.RetryDecorator()(lambda: 1)()\n'
            't = loopingcall.FixedIntervalLoopingCall(lambda: 1)\n'
            't.start(0.01); t.stop(); t.wait()\n'
            'b = sys.modules.get("oslo_service.backend")\n'
            'print(json.dumps([backend.get_backend(),\n'
            '                  sorted(m for m in sys.modules\n'
            '                         if m.startswith("oslo_service")),\n'
            '                  getattr(b, "_cached_backend_type", None)]))\n')
        env = dict(os.environ, **{backend.ENV_VAR: self.backend_name})
        out = subprocess.run([sys.executable, '-c', code], check=True,
                             capture_output=True, text=True, timeout=60,
                             env=env)
        loaded = []
        if base.REFERENCE is not None:
            loaded = ['oslo_service', 'oslo_service._i18n',
                      'oslo_service.backend', 'oslo_service.backend._common',
                      'oslo_service.backend._common.loopingcall',
                      'oslo_service.backend.exceptions']
        self.assertEqual([self.backend_name, loaded, None],
                         json.loads(out.stdout))
