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

"""The environment matrix: guarantees checked where services really run.

Each test here runs a *scenario* (a function in ``tests/envs/scenarios/``)
in a fresh interpreter set up like a real service (monkey-patched, forked,
on eventlet's asyncio hub, without eventlet installed...), through
:mod:`tests.envs.scenario_runner`. The scenario returns its findings as
JSON; the test asserts on them. A scenario that hangs is killed at its
deadline and the test fails with everything the process printed,
including the stacks of all its threads.

Nothing in this package imports eventlet at module level: the scenarios
must also run where eventlet is not installed.
"""
