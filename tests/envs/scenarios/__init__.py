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

"""Scenarios: functions run inside a subprocess by tests.envs.scenario_runner.

One module per environment theme. Every scenario takes keyword arguments
that are JSON values, returns a JSON-serialisable dict, and bounds every
wait of its own, so that it reports a hang (as data) rather than hanging;
the harness's deadline is only the last resort.
"""
