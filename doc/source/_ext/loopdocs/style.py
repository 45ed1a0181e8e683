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

"""One look for every generated picture: colours, fonts, sizes."""

# Colours that stay apart for the common forms of colour blindness (the
# Okabe-Ito palette), one meaning each across all pictures.
RUN_OK = '#0072B2'       # a run of f that went well
RUN_FAILED = '#D55E00'   # a run that failed (raised, or returned false)
RUN_DONE = '#009E73'     # a run that ended the loop (LoopingCallDone)
IDLE = '#D9DEE5'         # an idle period
IDLE_EDGE = '#8A94A3'
WARNING = '#E69F00'
ERROR = '#CC0000'
TEXT = '#222222'

# The parts of the package on the module map (loopdocs.modulemap.PARTS).
PARTS = ('#F0C987', '#9CCFE8', '#CDE3D6', '#E4E7EC')

# The three contenders of the benchmarks, in table order.
CONTENDERS = {
    'floor': ('bare floor', '#999999'),
    'ours': ('oslo.loopingcall', '#0072B2'),
    'ref': ('oslo.service 4.8.0', '#D55E00'),
}

# Width of every figure, in inches: at 96 px an inch it is about the text
# column of the theme at 1,280 px, and the SVG scales down below that.
WIDTH = 8.4


def pyplot():
    """matplotlib's pyplot, set up for SVG output made the same each time."""
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt
    plt.rcParams.update({
        'svg.hashsalt': 'oslo.loopingcall',
        'font.family': 'DejaVu Sans',
        'font.size': 10,
        'axes.titlesize': 11,
        'axes.spines.top': False,
        'axes.spines.right': False,
        'axes.edgecolor': '#555555',
        'text.color': TEXT,
        'axes.labelcolor': TEXT,
        'legend.frameon': False,
    })
    return plt
