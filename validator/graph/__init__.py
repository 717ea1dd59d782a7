"""graph: the organisation's edges as networkx graphs (dependencies, team hierarchy, access)."""

from __future__ import annotations

from collections.abc import Mapping

import networkx as nx


def dependency_graph(services: Mapping) -> nx.DiGraph:
    """service -> the services it depends on (only edges between existing services)."""
    graph = nx.DiGraph()
    graph.add_nodes_from(services)
    for service in services.values():
        for dependency in service.depends_on:
            if dependency in services and dependency != service.id:
                graph.add_edge(service.id, dependency)
    return graph


def dependents(services: Mapping) -> dict[str, list[str]]:
    """service -> the services depending on it directly: `dependency_graph(services).reverse()`'s
    adjacency as plain lists, in the same order (a dependent once, in the order of `services`)."""
    out: dict[str, list[str]] = {}
    for service in services.values():
        for dependency in dict.fromkeys(service.depends_on):
            if dependency in services and dependency != service.id:
                out.setdefault(dependency, []).append(service.id)
    return out


def shortest_paths(adjacency: Mapping[str, list[str]], source: str) -> dict[str, list[str]]:
    """`networkx.single_source_shortest_path` over a plain adjacency: a breadth-first search that
    visits neighbours in the adjacency's order, so the path chosen among equally short ones is
    the same."""
    paths = {source: [source]}
    level = [source]
    while level:
        following = []
        for node in level:
            for neighbour in adjacency.get(node, ()):
                if neighbour not in paths:
                    paths[neighbour] = paths[node] + [neighbour]
                    following.append(neighbour)
        level = following
    return paths


def team_graph(teams: Mapping) -> nx.DiGraph:
    """team -> its parent team."""
    graph = nx.DiGraph()
    graph.add_nodes_from(teams)
    for team in teams.values():
        if team.parent and team.parent in teams:
            graph.add_edge(team.id, team.parent)
    return graph


def team_parent_cycles(teams: Mapping) -> list[list[str]]:
    """Every cycle of parent links, each once, in a stable order."""
    cycles = [list(c) for c in nx.simple_cycles(team_graph(teams))]
    return sorted(cycles, key=lambda c: min(c))
