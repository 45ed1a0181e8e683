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

"""The layering of the package, as import-linter checks it in tox -e pep8.

The contracts are in ``.importlinter`` at the root of the repository. A
contract that no import could break would be worth nothing: these tests
show that the one on eventlet does break when the loop core imports it.
"""

import os
import shutil
import subprocess
import sys

import fixtures
import testtools

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CONFIG = os.path.join(ROOT, '.importlinter')
# The command tox -e pep8 runs, with this interpreter.
LINT = ('import sys; from importlinter.cli import lint_imports_command; '
        'sys.exit(lint_imports_command())')


def lint(root):
    """lint-imports on the package under ``root``: (exit code, output)."""
    out = subprocess.run(
        [sys.executable, '-c', LINT, '--no-cache', '--no-logo', CONFIG],
        cwd=root, capture_output=True, text=True, timeout=120,
        env=dict(os.environ, PYTHONPATH=root))
    return out.returncode, out.stdout + out.stderr


class TestLayering(testtools.TestCase):

    def setUp(self):
        super().setUp()
        try:
            import importlinter  # noqa: F401
        except ImportError:
            self.skipTest('import-linter is not installed')

    def copy_of_the_package(self):
        root = self.useFixture(fixtures.TempDir()).path
        shutil.copytree(os.path.join(ROOT, 'oslo_loopingcall'),
                        os.path.join(root, 'oslo_loopingcall'),
                        ignore=shutil.ignore_patterns('__pycache__'))
        return root

    def test_the_package_keeps_its_contracts(self):
        code, output = lint(self.copy_of_the_package())
        self.assertEqual(0, code, output)
        self.assertIn('0 broken', output)

    def test_eventlet_imported_from_the_core_breaks_a_contract(self):
        root = self.copy_of_the_package()
        with open(os.path.join(root, 'oslo_loopingcall', 'loopingcall.py'),
                  'a') as module:
            module.write('\nimport eventlet  # noqa\n')
        code, output = lint(root)
        self.assertEqual(1, code, output)
        self.assertIn(
            'Only the eventlet mode imports eventlet or greenlet BROKEN',
            output)
        self.assertIn('oslo_loopingcall.loopingcall -> eventlet', output)
