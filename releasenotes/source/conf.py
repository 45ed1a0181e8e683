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

# -- General configuration ---------------------------------------------------

extensions = [
    'openstackdocstheme',
    'reno.sphinxext',
]

# openstackdocstheme options
openstackdocs_repo_name = 'openstack/oslo.loopingcall'
openstackdocs_bug_project = 'oslo.loopingcall'
openstackdocs_bug_tag = ''
openstackdocs_auto_name = False

project = 'oslo.loopingcall Release Notes'
copyright = '2026, OpenStack Foundation'

source_suffix = '.rst'
master_doc = 'index'
exclude_patterns = []

# The release notes carry no version of their own: reno gives each section
# the version it belongs to.
version = ''
release = ''

pygments_style = 'native'

# -- Options for HTML output -------------------------------------------------

html_theme = 'openstackdocs'
html_theme_options = {'analytics_tracking_code': ''}

# -- Options for Internationalization output ---------------------------------

locale_dirs = ['locale/']
