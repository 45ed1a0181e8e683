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

import os
import sys
import warnings

# autodoc imports the library, which imports eventlet: keep its deprecation
# warning out of the build output.
warnings.filterwarnings('ignore', message=r'\s*Eventlet is deprecated')

_HERE = os.path.dirname(os.path.abspath(__file__))

# The behaviour catalogue's directive (doc/ext/behaviour_catalogue.py).
sys.path.insert(0, os.path.join(_HERE, '..', 'ext'))

# -- General configuration ---------------------------------------------------

extensions = [
    'sphinx.ext.autodoc',
    'sphinx.ext.doctest',
    'openstackdocstheme',
    'behaviour_catalogue',
]

# openstackdocstheme options
openstackdocs_repo_name = 'openstack/oslo.loopingcall'
openstackdocs_bug_project = 'oslo.loopingcall'
openstackdocs_bug_tag = ''
openstackdocs_auto_name = False

project = 'oslo.loopingcall'
copyright = '2026, OpenStack Foundation'

source_suffix = '.rst'
master_doc = 'index'
exclude_patterns = ['_build']

add_function_parentheses = True
add_module_names = True
pygments_style = 'native'

# -- autodoc -----------------------------------------------------------------

# Show the class docstring and the __init__ docstring (RetryDecorator and
# LoopingCallDone document their parameters there).
autoclass_content = 'both'
autodoc_member_order = 'bysource'
autodoc_typehints = 'signature'

# -- doctest -----------------------------------------------------------------

# Every example group starts from this: eventlet's deprecation warning is
# silenced, and the Timeline helper of the user guide (user/timeline.py,
# shown in full on the testing page) is defined.
with open(os.path.join(_HERE, 'user', 'timeline.py')) as _f:
    _TIMELINE = _f.read()

doctest_global_setup = '''
# Functions defined in the examples belong to a module named "__main__",
# as in a script (the library names them in its log messages).
__name__ = '__main__'
import logging
import warnings
warnings.filterwarnings('ignore', message=r'\\s*Eventlet is deprecated')
# Examples whose loop fails log an ERROR with a traceback: keep it out of
# the build output (the Timeline helper prints the records it wants).
logging.getLogger('oslo.loopingcall').addHandler(logging.NullHandler())
''' + _TIMELINE

# -- Options for HTML output -------------------------------------------------

html_theme = 'openstackdocs'
html_theme_options = {'analytics_tracking_code': ''}
