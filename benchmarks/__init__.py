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

"""The benchmark suite (``python -m benchmarks.run``; see README.rst).

``run.py`` drives the rounds; each scenario of each contender runs in a
fresh worker process (``_worker.py``, ``_worker_threading.py``). The rows
of the summary tables are in ``_rows.py``; ``_summary.py`` makes the
tables, for a run and for the docs. ``ab.py`` compares two trees.
"""
