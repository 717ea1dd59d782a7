"""graph: the organisation's edges as networkx graphs (dependencies, team hierarchy, access)."""

from __future__ import annotations

from collections.abc import Mapping

import networkx as nx


def dependency_graph(services: Mapping) -> nx.DiGraph:
    """service -> the services it depends on (only edges between existing services)."""
    graph = nx.DiGraph()
    graph.add_nodes_from(services)
    graph.add_edges_from((service.id, dependency) for service in services.values()
                         for dependency in service.depends_on if dependency in services and dependency != service.id)
    return graph


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
