"""graph: the organisation's edges (dependencies, team hierarchy, access) and the searches over them.

The searches a validation needs work on plain adjacency dicts (node -> its successors, in the order
the edges were added): importing networkx costs more CPU than all the graph work of a run, so it is
imported only where its algorithms are needed (the cycles of a team hierarchy that has one, `diff`'s
ancestors, a caller asking for a `networkx.DiGraph`). `shortest_paths` gives exactly networkx's
`single_source_shortest_path` (the same path where several are equally short); a property test checks
it against networkx.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping
from typing import TYPE_CHECKING, TypeVar

if TYPE_CHECKING:
    import networkx as nx

Node = TypeVar("Node", bound=Hashable)
Adjacency = Mapping[Node, Mapping[Node, object] | list[Node]]


def shortest_paths(adjacency: Adjacency, source: Node) -> dict[Node, list[Node]]:
    """Breadth-first from `source`: node -> a shortest path to it (`[source, ..., node]`), as networkx's
    `single_source_shortest_path(G, source)` on the graph whose `G.adj` is `adjacency` (a node missing from
    `adjacency` has no successor)."""
    paths: dict[Node, list[Node]] = {source: [source]}
    level = [source]
    while level:
        following = []
        for node in level:
            path = paths[node]
            for successor in adjacency.get(node, ()):
                if successor not in paths:
                    paths[successor] = [*path, successor]
                    following.append(successor)
        level = following
    return paths


def dependents_of(services: Mapping) -> dict[str, dict[str, None]]:
    """service -> the services that depend on it directly (only existing ones; `dependency_graph`'s
    predecessors, in its order; a service nobody depends on is left out): walk it with `shortest_paths`
    to find who depends on a service."""
    out: dict[str, dict[str, None]] = {}
    for service in services.values():
        if service.depends_on:
            ident = service.id
            for dependency in service.depends_on:
                if dependency != ident and dependency in services:
                    found = out.get(dependency)
                    if found is None:
                        out[dependency] = {ident: None}
                    else:
                        found[ident] = None  # (again: keeps its place)
    return out


def dependency_graph(services: Mapping) -> nx.DiGraph:
    """service -> the services it depends on (only edges between existing services), as a networkx graph."""
    import networkx as nx

    graph = nx.DiGraph()
    graph.add_nodes_from(services)
    graph.add_edges_from((service.id, dependency) for service in services.values()
                         for dependency in service.depends_on if dependency in services and dependency != service.id)
    return graph


def team_graph(teams: Mapping) -> nx.DiGraph:
    """team -> its parent team."""
    import networkx as nx

    graph = nx.DiGraph()
    graph.add_nodes_from(teams)
    for team in teams.values():
        if team.parent and team.parent in teams:
            graph.add_edge(team.id, team.parent)
    return graph


def team_parent_cycles(teams: Mapping) -> list[list[str]]:
    """Every cycle of parent links, each once, in a stable order (networkx finds them, when there are any)."""
    if not _has_parent_cycle(teams):
        return []
    import networkx as nx

    cycles = [list(c) for c in nx.simple_cycles(team_graph(teams))]
    return sorted(cycles, key=lambda c: min(c))


def _has_parent_cycle(teams: Mapping) -> bool:
    """Whether following parent links from some team comes back to a team on the same walk (each team has
    at most one parent, so every team is walked once)."""
    done: set[str] = set()
    for start in teams:
        walk: set[str] = set()
        team = start
        while team in teams and team not in done:
            if team in walk:
                return True
            walk.add(team)
            team = teams[team].parent
        done |= walk
    return False
