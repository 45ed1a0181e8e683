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
# The documentation's own extension (loopdocs: generated pictures and
# tables), and the Timeline helper of the user guide (user/timeline.py),
# which the examples import as the reader would, from a file beside them.
sys.path.insert(0, os.path.join(_HERE, '_ext'))
sys.path.insert(0, os.path.join(_HERE, 'user'))

# The behaviour catalogue's directive (doc/ext/behaviour_catalogue.py).
sys.path.insert(0, os.path.join(_HERE, '..', 'ext'))

# -- General configuration ---------------------------------------------------

extensions = [
    'sphinx.ext.autodoc',
    'sphinx.ext.doctest',
    'openstackdocstheme',
    'behaviour_catalogue',
    'loopdocs',
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
exclude_patterns = ['_build', '_generated']

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

# Every example group starts from this, and from nothing else: the names
# it uses are deleted again, so that an example that forgets an import
# fails here as it would for a reader pasting it. Eventlet's deprecation
# banner and the library's ERROR records (with tracebacks) would only
# clutter the build output: they go to stderr, which doctest does not
# compare. The Timeline helper (user/timeline.py) is imported by the
# examples themselves, from the directory conf.py adds to sys.path.
doctest_global_setup = '''
# Functions defined in the examples belong to a module named "__main__",
# as in a script (the library names them in its log messages).
__name__ = '__main__'
import logging as _logging
import warnings as _warnings
_warnings.filterwarnings('ignore', message=r'\\s*Eventlet is deprecated')
_logging.getLogger('oslo.loopingcall').addHandler(_logging.NullHandler())
del _logging, _warnings
'''

# -- Options for HTML output -------------------------------------------------

html_theme = 'openstackdocs'
html_theme_options = {'analytics_tracking_code': ''}
html_static_path = ['_static']
# Tables that fit the text column, pictures no wider than it.
html_css_files = ['loopdocs.css']

# -- loopdocs ----------------------------------------------------------------

# The benchmark results the Performance page shows (charts and tables):
# what ``python benchmarks/run.py --json FILE`` writes. See
# benchmarks/README.rst to refresh it.
loopdocs_benchmark_results = 'user/benchmark-results.json'
