"""The plain-dict dependents and breadth-first paths give networkx's paths exactly (same ties)."""

from __future__ import annotations

from types import SimpleNamespace

import networkx as nx
from hypothesis import given, settings
from hypothesis import strategies as st

from validator.graph import dependency_graph, dependents, shortest_paths

IDS = ("a", "b", "c", "d", "e", "f", "g")

services = st.dictionaries(
    st.sampled_from(IDS),
    st.lists(st.sampled_from((*IDS, "missing")), max_size=5),  # self, unknown and repeated dependencies
    max_size=len(IDS),
).map(lambda deps: {ident: SimpleNamespace(id=ident, depends_on=on) for ident, on in deps.items()})


@settings(max_examples=300, deadline=None)
@given(services)
def test_shortest_paths_over_dependents_are_networkx_paths_over_the_reversed_graph(found):
    reversed_graph = dependency_graph(found).reverse(copy=False)
    depending = dependents(found)
    for source in found:
        ours = shortest_paths(depending, source)
        theirs = nx.single_source_shortest_path(reversed_graph, source)
        assert ours == theirs
        assert list(ours) == list(theirs)  # the same visiting order as well


def test_diamond_takes_the_dependent_listed_first():
    found = {ident: SimpleNamespace(id=ident, depends_on=on)
             for ident, on in {"top": ["left", "right"], "left": ["base"], "right": ["base"], "base": []}.items()}
    assert shortest_paths(dependents(found), "base")["top"] == ["base", "left", "top"]
