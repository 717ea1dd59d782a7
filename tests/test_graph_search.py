"""The graph searches a validation runs without networkx give exactly what networkx gives."""

from __future__ import annotations

import subprocess
import sys
from types import SimpleNamespace

import networkx as nx
from hypothesis import given, settings
from hypothesis import strategies as st

from validator.graph import dependency_graph, dependents_of, shortest_paths, team_graph, team_parent_cycles

NODES = st.sampled_from([f"n{i}" for i in range(9)])


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(NODES, NODES), max_size=30), NODES)
def test_shortest_paths_are_networkxs_even_among_equally_short_ones(edges, source):
    graph = nx.DiGraph()
    graph.add_node(source)
    adjacency: dict[str, dict[str, None]] = {}
    for a, b in edges:
        graph.add_edge(a, b)
        adjacency.setdefault(a, {})[b] = None
    assert list(shortest_paths(adjacency, source).items()) == list(nx.single_source_shortest_path(graph,
                                                                                                  source).items())


@settings(max_examples=200, deadline=None)
@given(st.dictionaries(NODES, st.lists(st.sampled_from([f"n{i}" for i in range(11)]), max_size=4), max_size=9))
def test_who_depends_on_a_service_as_networkx_finds_it(depends):
    services = {ident: SimpleNamespace(id=ident, depends_on=wanted) for ident, wanted in depends.items()}
    reverse = dependency_graph(services).reverse(copy=False)
    dependents = dependents_of(services)
    for bad in services:
        assert list(shortest_paths(dependents, bad).items()) == list(nx.single_source_shortest_path(reverse,
                                                                                                    bad).items())


@settings(max_examples=300, deadline=None)
@given(st.dictionaries(NODES, st.one_of(st.none(), st.sampled_from([f"n{i}" for i in range(11)])), max_size=9))
def test_team_cycles_are_networkxs(parents):
    teams = {ident: SimpleNamespace(id=ident, parent=parent) for ident, parent in parents.items()}
    expected = sorted([list(c) for c in nx.simple_cycles(team_graph(teams))], key=lambda c: min(c))
    assert team_parent_cycles(teams) == expected


def test_the_graph_package_does_not_import_networkx_until_a_caller_needs_it():
    code = ("import sys, validator.graph, validator.graph.access, validator.rules.registry as r; r.load_all(); "
            "print('networkx' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.split() == ["False"]
