"""One connected component of the road graph (geo/rank/passage.py): its distances from the
seats, its pending reopenings, and what reopening a candidate gives back.

Reopening segments only lowers distances, so a reopening is applied — and a candidate evaluated —
by relaxing from its ends outward through the nodes that get closer, never by recomputing the
component (let alone the county). The greedy asks for every candidate's gain after every pick; a
gain is kept until a completion changes what it read.
"""

from __future__ import annotations

import heapq
from collections import deque
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from geo.rank.gain import Change, Gain, Unit

INF = float("inf")
SAME_M = 1.0  # a route within a metre of the best one is no detour (float sums differ slightly)


def passage_loss(now: float, base: float, half_m: float) -> float:
    """Share of passage lost: 0 on the best route, 1 with no route, between them for a detour."""
    if base == INF:
        return 0.0  # no route even with every road open: passage is not the roads' to give
    if now == INF:
        return 1.0
    extra = now - base
    return 0.0 if extra < SAME_M else extra / (extra + half_m)


class RoadComponent:
    """One connected component of the full road graph: its distances and pending reopenings.

    Distances are kept per *tree*: the seats a group of villages may reach (their township seat
    and the county seat), as one multi-source shortest-path tree. A tree's distances are exact up
    to its bound — the longest route any of its villages takes now (unbounded while one of them is
    cut off) — and upper bounds beyond it: nothing beyond the bound can shorten a village's route,
    so relaxing stops there.
    """

    def __init__(self, ends: list[tuple[int, int, float]], edge_task: list[int],
                 is_open: list[bool], trees: list[tuple[int, ...]], half_m: float) -> None:
        n = 1 + max((max(a, b) for a, b, _ in ends), default=-1)
        self.adj: list[list[tuple[int, float, int]]] = [[] for _ in range(n)]
        for e, (a, b, w) in enumerate(ends):
            self.adj[a].append((b, w, e))
            if b != a:
                self.adj[b].append((a, w, e))
        self.ends, self.edge_task, self.is_open = ends, edge_task, is_open
        self.trees, self.half_m = trees, half_m
        self.task_edges: dict[int, list[int]] = {}
        for e, t in enumerate(edge_task):
            if t >= 0 and not is_open[e]:
                self.task_edges.setdefault(t, []).append(e)
        self.pending = set(self.task_edges)
        every = [True] * len(ends)
        found = [_dijkstra(self.adj, sources, every) for sources in trees]
        self.base, self.pred = [d for d, _ in found], [p for _, p in found]
        self.dist = [_dijkstra(self.adj, sources, is_open)[0] for sources in trees]
        self.bound = [0.0] * len(trees)
        self.tree_villages: list[list[int]] = [[] for _ in trees]
        # villages (filled by add_village): node, tree, distances, loss, unit
        self.vnode: list[int] = []
        self.vtree: list[int] = []
        self.vbase: list[float] = []
        self.vdist: list[float] = []
        self.vloss: list[float] = []
        self.units: list[Unit] = []
        self.node_villages: dict[int, list[int]] = {}
        self.chains: list[tuple[int, ...]] = []
        self._gains: dict[tuple[int, ...], _Kept] = {}
        self._pieces: _Pieces | None = None  # made when first asked (only cut-off pieces need it)

    def add_village(self, node: int, tree: int, unit: Unit) -> None:
        v = len(self.vnode)
        now = self.dist[tree][node]
        self.node_villages.setdefault(node, []).append(v)
        self.tree_villages[tree].append(v)
        self.vnode.append(node)
        self.vtree.append(tree)
        self.vbase.append(self.base[tree][node])
        self.vdist.append(now)
        self.vloss.append(passage_loss(now, self.vbase[v], self.half_m))
        self.units.append(unit)
        self.bound[tree] = max(self.bound[tree], now)

    def copy(self) -> RoadComponent:
        """The same component with its own state (the graph and villages are shared)."""
        other = object.__new__(RoadComponent)
        other.__dict__.update(self.__dict__)
        other.is_open = list(self.is_open)
        other.pending = set(self.pending)
        other.dist = [list(d) for d in self.dist]
        other.bound = list(self.bound)
        other.vdist, other.vloss = list(self.vdist), list(self.vloss)
        other._gains = {}
        other._pieces = None
        return other

    # --- what reopening gives back ---------------------------------------------------------
    def gain(self, tasks: tuple[int, ...]) -> Gain:
        """What reopening ``tasks`` gives back now. Kept until a completion changes what it read
        (``_forget``): the greedy asks for every candidate after every pick, and most picks
        leave most candidates' figures as they were."""
        kept = self._gains.get(tasks)
        if kept is not None:
            return kept.gain
        edges = {e for t in tasks for e in self.task_edges.get(t, ())}
        closer = self._closer(edges)
        gain = Gain("passage")
        for v, new in self._moved(closer):
            before, after = self.vloss[v], passage_loss(new, self.vbase[v], self.half_m)
            gain.add_unit(self.units[v], before - after, after)
            if before - after <= 0:
                continue
            if self.vdist[v] == INF:
                gain.reconnected.extend(self.units[v].villages)
            else:
                gain.detour_villages += 1
                gain.detour_households += self.units[v].count
                gain.detour_saved_m += (self.vdist[v] - new) * self.units[v].count
        if gain.detour_households:
            gain.detour_saved_m /= gain.detour_households
        self._gains[tasks] = _Kept(gain, closer, self._ends_of(edges))
        return gain

    def complete(self, tasks: Iterable[int]) -> list[Change]:
        done = [t for t in tasks if t in self.pending]
        edges = {e for t in done for e in self.task_edges[t]}
        closer = self._closer(edges)
        for e in edges:
            self.is_open[e] = True
            if self._pieces is not None:
                self._pieces.join(self.ends[e][0], self.ends[e][1])
        self.pending.difference_update(done)
        for i, found in enumerate(closer):
            for node, d in found.items():
                self.dist[i][node] = d
        changes = []
        for v, new in self._moved(closer):
            self.vdist[v] = new
            loss = passage_loss(new, self.vbase[v], self.half_m)
            if loss != self.vloss[v]:
                self.vloss[v] = loss
                changes.append(Change(self.units[v].households, "passage", loss))
        for i, found in enumerate(closer):
            if found:
                self.bound[i] = max((self.vdist[v] for v in self.tree_villages[i]), default=0.0)
        if done:
            self._forget(set(done), closer, self._ends_of(edges))
        return changes

    def _ends_of(self, edges: set[int]) -> set[int]:
        return {n for e in edges for n in self.ends[e][:2]}

    def _forget(self, done: set[int], closer: list[dict[int, float]], opened: set[int]) -> None:
        """Drop the kept gains a completion may have changed: it brought the nodes of ``closer``
        closer (per tree) and opened edges ending at ``opened``. A candidate's gain read, per
        tree, the distances at its own segments' ends and at the nodes its relaxation brought
        closer, and whether their edges are open. A node it did not bring closer that the
        completion brings closer stays out of its reach, and a lower bound changes no gain (a
        village moves only below its own route, which the bound is at least)."""
        if self._gains:
            near = [set(found) | opened for found in closer]
            self._gains = {c: kept for c, kept in self._gains.items()
                           if done.isdisjoint(c) and not kept.stale(near)}

    def current(self) -> list[Change]:
        return [Change(unit.households, "passage", loss)
                for unit, loss in zip(self.units, self.vloss, strict=True) if loss > 0]

    def _moved(self, closer: list[dict[int, float]]) -> list[tuple[int, float]]:
        """Villages whose route gets shorter with the relaxed distances ``closer``."""
        out = []
        for i, found in enumerate(closer):
            for node, d in found.items():
                for v in self.node_villages.get(node, ()):
                    if self.vtree[v] == i and d < self.vdist[v]:
                        out.append((v, d))
        return sorted(out)

    def _closer(self, edges: set[int]) -> list[dict[int, float]]:
        """Per tree, the nodes that get closer once ``edges`` are open. A tree's distances change
        only if some new edge is shorter than what its ends have now (else no path through new
        edges can be shorter either): that cheap test skips most trees."""
        ends = [self.ends[e] for e in edges]
        out: list[dict[int, float]] = []
        for i, dist in enumerate(self.dist):
            tense = any(dist[a] + w < dist[b] or dist[b] + w < dist[a] for a, b, w in ends)
            out.append(self._relax(i, edges) if tense else {})
        return out

    def _relax(self, tree: int, edges: set[int]) -> dict[int, float]:
        """Nodes that get closer to ``tree``'s seats once ``edges`` are open, with their new
        distance, up to the tree's bound."""
        dist, bound = self.dist[tree], self.bound[tree]
        found: dict[int, float] = {}
        heap: list[tuple[float, int]] = []
        for e in edges:
            a, b, w = self.ends[e]
            for x, y in ((a, b), (b, a)):
                d = dist[x] + w
                if d < bound and d < found.get(y, dist[y]):
                    found[y] = d
                    heap.append((d, y))
        heapq.heapify(heap)
        while heap:
            d, node = heapq.heappop(heap)
            if d > found.get(node, dist[node]):
                continue
            for nb, w, e in self.adj[node]:
                nd = d + w
                if nd < bound and nd < found.get(nb, dist[nb]) and (self.is_open[e] or e in edges):
                    found[nb] = nd
                    heapq.heappush(heap, (nd, nb))
        return found

    # --- candidates: single segments, chains, the way out for a cut-off piece -------------------
    def candidates(self) -> list[tuple[int, ...]]:
        out: dict[frozenset[int], tuple[int, ...]] = {frozenset([t]): (t,) for t in sorted(self.pending)}
        for chain in self.chains:
            left = tuple(t for t in chain if t in self.pending)
            if len(left) > 1:
                out.setdefault(frozenset(left), left)
        for way in self._ways_out():
            if len(way) > 1:
                out.setdefault(frozenset(way), way)
        return list(out.values())

    def _ways_out(self) -> list[tuple[int, ...]]:
        """For each cut-off piece, the fewest reopenings that link it to its seats again, listed
        from the seat's side outward (several = they must all reopen: a bundle)."""
        cut = [v for v, now in enumerate(self.vdist) if now == INF and self.vbase[v] < INF]
        if not cut:
            return []
        if self._pieces is None:
            self._pieces = _Pieces(len(self.adj), self.ends, self.is_open)
        piece = self._pieces.find
        links: dict[int, list[tuple[int, int]]] = {}
        for t in self.pending:
            for e in self.task_edges[t]:
                a, b = piece(self.ends[e][0]), piece(self.ends[e][1])
                if a != b:
                    links.setdefault(a, []).append((b, t))
                    links.setdefault(b, []).append((a, t))
        ways, seen = [], set()
        for v in cut:
            start = piece(self.vnode[v])
            goals = frozenset(piece(s) for s in self.trees[self.vtree[v]])
            if (start, goals) not in seen:
                seen.add((start, goals))
                ways.append(_shortest_way(links, start, goals))
        return [w for w in ways if w]

    def find_chains(self) -> None:
        """Runs of segments through plain two-way nodes (no village, no seat, no junction): all
        of a run's impassable segments must reopen before anything passes along it."""
        seats = {s for sources in self.trees for s in sources}
        stop = [len(a) != 2 or n in self.node_villages or n in seats for n, a in enumerate(self.adj)]
        seen = [False] * len(self.ends)
        for first in range(len(self.ends)):
            if seen[first]:
                continue
            seen[first] = True
            run = [first]
            for side in (0, 1):
                node, came = self.ends[first][0] if side == 0 else self.ends[first][1], first
                while not stop[node]:
                    step = next((e for _, _, e in self.adj[node] if e != came), None)
                    if step is None or seen[step]:
                        break
                    seen[step] = True
                    run.insert(0, step) if side == 0 else run.append(step)
                    a, b, _ = self.ends[step]
                    node, came = (b if a == node else a), step
            tasks = tuple(dict.fromkeys(self.edge_task[e] for e in run if self.edge_task[e] in self.pending))
            if len(tasks) > 1:
                self.chains.append(tasks)

    def relied_on(self) -> dict[int, list[int]]:
        """Local edge → villages whose best route (every road open) runs over it."""
        out: dict[int, list[int]] = {}
        for v, node in enumerate(self.vnode):
            pred, here, guard = self.pred[self.vtree[v]], node, len(self.ends)
            while pred[here] >= 0 and guard > 0:
                e = pred[here]
                out.setdefault(e, []).append(v)
                a, b, _ = self.ends[e]
                here, guard = (a if b == here else b), guard - 1
        return out


@dataclass(frozen=True)
class _Kept:
    """A candidate's gain with what computing it read: per tree, the nodes its relaxation
    reached, and its own segments' ends."""

    gain: Gain
    reached: list[dict[int, float]]
    ends: set[int]

    def stale(self, near: list[set[int]]) -> bool:
        return any(not hit.isdisjoint(found) or not hit.isdisjoint(self.ends)
                   for hit, found in zip(near, self.reached, strict=True))


def _dijkstra(adj: list[list[tuple[int, float, int]]], sources: tuple[int, ...],
              usable: list[bool]) -> tuple[list[float], list[int]]:
    """Distances from the nearest of ``sources`` over usable edges, and the edge each node is
    reached by."""
    dist, pred = [INF] * len(adj), [-1] * len(adj)
    for s in sources:
        dist[s] = 0.0
    heap = [(0.0, s) for s in sources]
    while heap:
        d, node = heapq.heappop(heap)
        if d > dist[node]:
            continue
        for nb, w, e in adj[node]:
            if usable[e] and d + w < dist[nb]:
                dist[nb], pred[nb] = d + w, e
                heapq.heappush(heap, (d + w, nb))
    return dist, pred


class _Pieces:
    """The pieces the open segments link, labelled by their smallest node as ``components``
    labels them. Reopening only joins pieces, so a completion joins its segments' ends instead
    of labelling the component again."""

    def __init__(self, n: int, ends: list[tuple[int, int, float]], is_open: list[bool]) -> None:
        self.parent = list(range(n))
        for (a, b, _), ok in zip(ends, is_open, strict=True):
            if ok:
                self.join(a, b)

    def find(self, a: int) -> int:
        parent = self.parent
        while parent[a] != a:
            parent[a] = parent[parent[a]]
            a = parent[a]
        return a

    def join(self, a: int, b: int) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.parent[max(ra, rb)] = min(ra, rb)


def _shortest_way(links: Mapping[int, list[tuple[int, int]]], start: int,
                  goals: frozenset[int]) -> tuple[int, ...]:
    """Tasks on a fewest-reopenings path from piece ``start`` to any goal piece (BFS), ordered
    from the goal's side; empty when no pending reopening leads there."""
    came: dict[int, tuple[int, int] | None] = {start: None}
    queue = deque([start])
    while queue:
        here = queue.popleft()
        if here in goals:
            way, step = [], came[here]
            while step is not None:
                way.append(step[1])
                step = came[step[0]]
            return tuple(dict.fromkeys(way))
        for there, task in links.get(here, ()):
            if there not in came:
                came[there] = (here, task)
                queue.append(there)
    return ()
