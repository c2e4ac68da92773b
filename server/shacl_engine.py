"""pyshacl, told its focus nodes: the same validation report, found several times faster.

pyshacl spends most of its time on two things that do not depend on the constraints:
parsing and running the SPARQL queries of SPARQL-based targets (rdflib parses a query in
tens of milliseconds and runs FILTER NOT EXISTS slowly), and evaluating every shape on
every node it targets, including nodes whose results are not wanted (when only a part of
the graph is being checked, see server/partitions.py). So here the targets are found
first, and pyshacl is given a copy of the shapes graph in which each shape's targets
(sh:targetClass, sh:targetNode, sh:targetSubjectsOf, sh:targetObjectsOf and SPARQL-based
sh:target) are replaced by the sh:targetNode list of its focus nodes. pyshacl still
evaluates every constraint, so the report is pyshacl's own.

- Class, subject-of and object-of targets are found in the rdflib graph exactly as pyshacl
  finds them (rdf:type, with the rdfs:subClassOf closure).
- SPARQL targets run on an Oxigraph store of the same triples, which answers them in a
  fraction of the time. Oxigraph keeps some literals by value ("01"^^xsd:integer as "1");
  when the data has such a literal whose text would change, or whose datatype would
  change and the query looks at datatypes, the query runs on rdflib instead, as pyshacl
  runs it.
- Shapes with targets this does not know (implicit class targets, SPARQL target types)
  make it step aside: pyshacl then runs as it is.

While pyshacl runs here it is tuned, without changing what it reports (tests/test_build.py
compares the report graphs): rdflib keeps each SPARQL query it has parsed (by its text),
so that a constraint run for many focus nodes, or in many validations in one process, is
parsed once; a shape's property shapes are evaluated for all its focus nodes at once
rather than set up anew for each; the text descriptions of results, which are not part
of the report graph, are not written; and constraint parameters are looked up by hash.
"""

from __future__ import annotations

import re
import threading
from contextlib import contextmanager
from typing import Callable, Iterable

import pyoxigraph as ox
import pyshacl
from rdflib import Graph, URIRef
from rdflib.namespace import RDF, RDFS, SH
from rdflib.term import Node

from .rdfio import _from_ox, literal_forms, split_line

TARGET_PREDICATES = (SH.targetNode, SH.targetClass, SH.targetSubjectsOf, SH.targetObjectsOf, SH.target)
DATATYPE_WORDS = re.compile(r"\b(datatype|sameterm|strdt|isnumeric)\s*\(", re.IGNORECASE)


# --- pyshacl, tuned while it runs here ---------------------------------------------------------

class _ScopedPatch:
    """Replaces an attribute of a class while any thread is inside `active()`, and puts
    the original back when the last one leaves."""

    def __init__(self, owner_of: Callable[[], type], name: str, replacement_for: Callable):
        self.owner_of = owner_of
        self.name = name
        self.replacement_for = replacement_for  # the original -> its replacement
        self.lock = threading.Lock()
        self.users = 0
        self.original = None

    @contextmanager
    def active(self):
        with self.lock:
            if self.users == 0:
                owner = self.owner_of()
                self.original = getattr(owner, self.name)
                setattr(owner, self.name, self.replacement_for(self.original))
            self.users += 1
        try:
            yield
        finally:
            with self.lock:
                self.users -= 1
                if self.users == 0:
                    setattr(self.owner_of(), self.name, self.original)


_query_cache: dict = {}


def _sparql_processor() -> type:
    from rdflib.plugins.sparql import processor
    return processor.SPARQLProcessor


def _query_parsing_once(original):
    """rdflib's query, parsing each query text once (rdflib takes tens of milliseconds to
    parse one, and pyshacl runs the same few for many focus nodes)."""
    from rdflib.plugins.sparql.algebra import translateQuery
    from rdflib.plugins.sparql.parser import parseQuery

    def query(self, strOrQuery, initBindings={}, initNs=None, base=None, DEBUG=False):  # noqa: B006, N803
        if isinstance(strOrQuery, str):
            key = (strOrQuery, base, tuple(sorted((initNs or {}).items())))
            prepared = _query_cache.get(key)
            if prepared is None:
                prepared = translateQuery(parseQuery(strOrQuery), base, initNs or {})
                if len(_query_cache) < 4096:
                    _query_cache[key] = prepared
            strOrQuery = prepared
        return original(self, strOrQuery, initBindings, initNs or {}, base, DEBUG)
    return query


_parsed_queries = _ScopedPatch(_sparql_processor, "query", _query_parsing_once)


def parsed_queries_kept():
    """While inside, rdflib parses each SPARQL query text once (per process)."""
    return _parsed_queries.active()


def _constraint_component() -> type:
    from pyshacl.constraints.constraint_component import ConstraintComponent
    return ConstraintComponent


def _no_description(original):
    """pyshacl writes a text description of every result it makes, including the many
    results of nested shapes (sh:qualifiedValueShape, sh:or, sh:node) that only tell it
    whether a value conforms: a tenth of its time at scale. Only its report graph is used
    here, whose triples the description is not part of."""
    def describe(self, *args, **kwargs):
        return ""
    return describe


_descriptions_skipped = _ScopedPatch(_constraint_component, "make_v_result_description", _no_description)


def _property_constraint() -> type:
    from pyshacl.constraints.core.shape_based_constraints import PropertyConstraintComponent
    return PropertyConstraintComponent


def _property_shape_once(original):
    """pyshacl evaluates a shape's sh:property shape once per focus node, each time
    setting the shape up anew (its parameters, its constraint objects): at scale that set-up
    costs more than the checks. The property shape is given all the focus nodes at once
    instead, as pyshacl gives a shape's own targets; each constraint still reports on each
    focus node. A focus node met twice is evaluated again on its own, as pyshacl would, and
    anything unusual (a recursive or missing shape) goes to pyshacl's own code."""

    def evaluate(self, executor, prop_shape, target_graph, focus_value_nodes, potentially_recursive,
                 _evaluation_path):
        found = self.shape.get_other_shape(prop_shape)
        if not found or not found.is_property_shape or (potentially_recursive and found in potentially_recursive):
            return original(self, executor, prop_shape, target_graph, focus_value_nodes,
                            potentially_recursive, _evaluation_path)
        first, again, seen = [], [], set()
        for values in focus_value_nodes.values():
            for value in values:
                (again if value in seen else first).append(value)
                seen.add(value)
        non_conformant, reports = False, []
        for focus in [first, *([value] for value in again)]:
            if focus:
                conforms, found_reports = found.validate(executor, target_graph, focus=focus,
                                                         _evaluation_path=_evaluation_path[:])
                non_conformant = non_conformant or not conforms
                reports.extend(found_reports)
        return non_conformant, reports
    return evaluate


_property_shapes_at_once = _ScopedPatch(_property_constraint, "_evaluate_property_shape", _property_shape_once)


def _pyshacl_as_expected() -> bool:
    """The patches above replace pyshacl methods by name; they apply only to the
    signatures they were written for."""
    import inspect

    try:
        evaluate = inspect.signature(_property_constraint()._evaluate_property_shape)
        describe = inspect.signature(_constraint_component().make_v_result_description)
    except (ImportError, AttributeError):
        return False
    return (list(evaluate.parameters) == ["self", "executor", "prop_shape", "target_graph", "focus_value_nodes",
                                          "potentially_recursive", "_evaluation_path"]
            and list(describe.parameters)[:3] == ["self", "datagraph", "focus_node"])


_TUNED = _pyshacl_as_expected()


@contextmanager
def pyshacl_tuned():
    """While inside, pyshacl runs with the patches above (where they fit its version)."""
    with parsed_queries_kept():
        if not _TUNED:
            yield
            return
        with _descriptions_skipped.active(), _property_shapes_at_once.active():
            yield


# --- pyshacl's list of constraint parameters, as a set -------------------------------------------

class _ParameterList(list):
    """pyshacl looks up each of a shape's predicates in its list of constraint parameters
    (about forty) for every shape it evaluates on every focus node: at a million triples,
    millions of comparisons, nearly half its time. The same list, looked up by hash."""

    def __init__(self, items=()):
        super().__init__(items)
        self._set = set(self)

    def __contains__(self, item) -> bool:
        return item in self._set

    def copy(self) -> "_ParameterList":
        return _ParameterList(self)

    def append(self, item) -> None:
        super().append(item)
        self._set.add(item)


def _faster_parameter_lookup() -> None:
    try:
        from pyshacl import shape as shape_module
        from pyshacl.constraints import ALL_CONSTRAINT_PARAMETERS, CONSTRAINT_PARAMETERS_MAP
    except ImportError:  # another pyshacl: it runs as it is
        return
    current = getattr(shape_module, "CONSTRAINT_PARAMS", None)
    if current is None or not isinstance(current[0], _ParameterList):
        shape_module.CONSTRAINT_PARAMS = (_ParameterList(ALL_CONSTRAINT_PARAMETERS),
                                          CONSTRAINT_PARAMETERS_MAP)


_faster_parameter_lookup()


# --- The plan: each shape's targets, and the shapes graph without them ---------------------------

class Targets:
    """One shape's target declarations."""

    def __init__(self, node: Node):
        self.node = node
        self.nodes: list[Node] = []
        self.classes: list[Node] = []
        self.subjects_of: list[Node] = []
        self.objects_of: list[Node] = []
        self.queries: list[str] = []  # SPARQL targets, with pyshacl's PREFIX lines


class Plan:
    """How to find every shape's focus nodes, and the shapes graph to give pyshacl."""

    def __init__(self, shapes: Graph):
        from pyshacl.consts import SH_SPARQLTarget
        from pyshacl.shapes_graph import ShapesGraph

        self.shapes = shapes
        self.supported = True
        self.targets: list[Targets] = []
        with_targets = set()
        shapes_graph = ShapesGraph(shapes)
        for shape in shapes_graph.shapes:
            target_nodes, classes, implicit, objects_of, subjects_of = (list(x) for x in shape.target())
            if implicit:
                self.supported = False  # a shape that is a class targets its instances
            spec = Targets(shape.node)
            spec.nodes, spec.classes = target_nodes, classes
            spec.objects_of, spec.subjects_of = objects_of, subjects_of
            custom = set(shapes.objects(shape.node, SH.target))
            if custom:
                for info in shape.advanced_target().values():
                    if info.get("type") != SH_SPARQLTarget or "qh" not in info:
                        self.supported = False
                        continue
                    helper = info["qh"]
                    spec.queries.append(helper.apply_prefixes(helper.select_text))
                if len(spec.queries) != len(custom):
                    self.supported = False
            if spec.nodes or spec.classes or spec.subjects_of or spec.objects_of or spec.queries:
                self.targets.append(spec)
                with_targets.add(shape.node)
        self.base = Graph()
        for prefix, namespace in shapes.namespaces():
            self.base.bind(prefix, namespace, override=True, replace=True)
        self.base += ((s, p, o) for s, p, o in shapes
                      if not (s in with_targets and p in TARGET_PREDICATES))

    # --- finding focus nodes ------------------------------------------------------------

    def focus_nodes(self, graph: Graph, lines: Iterable[str] | None = None,
                    eligible: Callable[[Node], bool] | None = None) -> dict[Node, set]:
        """Each shape's focus nodes in `graph` (whose triples are `lines`, in N-Triples,
        when given: the SPARQL targets then run on Oxigraph), kept if `eligible`."""
        runner = _SparqlTargets(graph, lines)
        found: dict[Node, set] = {}
        for spec in self.targets:
            nodes = set(spec.nodes)
            for cls in spec.classes:
                nodes.update(graph.subjects(RDF.type, cls))
                for subclass in graph.transitive_subjects(RDFS.subClassOf, cls):
                    if subclass != cls:
                        nodes.update(graph.subjects(RDF.type, subclass))
            for predicate in spec.subjects_of:
                nodes.update(s for s, _ in graph.subject_objects(predicate))
            for predicate in spec.objects_of:
                nodes.update(o for _, o in graph.subject_objects(predicate))
            for query in spec.queries:
                nodes.update(runner.run(query))
            nodes.discard(None)
            if eligible is not None:
                nodes = {n for n in nodes if eligible(n)}
            found[spec.node] = nodes
        return found

    def shapes_graph(self, focus: dict[Node, set]) -> Graph:
        """A copy of the shapes graph whose shapes target exactly the nodes given."""
        copy = Graph()
        for prefix, namespace in self.base.namespaces():
            copy.bind(prefix, namespace, override=True, replace=True)
        copy += self.base
        copy += ((shape, SH.targetNode, node) for shape, nodes in focus.items() for node in nodes)
        return copy


class _SparqlTargets:
    """Runs SPARQL target queries on Oxigraph when that gives what rdflib would."""

    def __init__(self, graph: Graph, lines: Iterable[str] | None):
        self.graph = graph
        self.store = None
        self.lexical_changes = False
        self.datatype_changes = False
        if lines is not None:
            lines = list(lines)
            changed = literal_forms(split_line(line)[2] for line in lines)
            for original, stored in changed.items():
                if original.rsplit('"^^<', 1)[0] != stored.rsplit('"^^<', 1)[0]:
                    self.lexical_changes = True
                else:
                    self.datatype_changes = True
            if not self.lexical_changes:
                self.store = ox.Store()
                if lines:
                    self.store.bulk_load("\n".join(lines).encode("utf-8"), ox.RdfFormat.N_TRIPLES,
                                         lenient=True)

    def run(self, query: str) -> set:
        if self.store is not None and not (self.datatype_changes and DATATYPE_WORDS.search(query)):
            solutions = self.store.query(query)
            iris: dict = {}
            datatypes: dict = {}
            return {_from_ox(s["this"], iris, datatypes) for s in solutions if s["this"] is not None}
        with parsed_queries_kept():
            return {row["this"] for row in self.graph.query(query) if row["this"] is not None}


# --- Running pyshacl --------------------------------------------------------------------------

def run_pyshacl(graph: Graph, shapes: Graph) -> Graph:
    """pyshacl's report graph for `graph` against `shapes`, as the project runs it: no
    inference, SHACL-SPARQL on, warnings and infos allowed, the data graph used in place.
    Raises pyshacl's errors, and returns its ValidationFailure, as pyshacl.validate does."""
    with pyshacl_tuned():
        _, report, _ = pyshacl.validate(graph, shacl_graph=shapes, inference="none", advanced=True,
                                        allow_warnings=True, inplace=True)
    return report


def validate_graph(graph: Graph, shapes: Graph, lines: Iterable[str] | None = None,
                   eligible: Callable[[Node], bool] | None = None, plan: Plan | None = None):
    """pyshacl's report for `graph`, its focus nodes found first (only those `eligible`)."""
    plan = plan or Plan(shapes)
    if not plan.supported:
        if eligible is not None:
            raise ValueError("these shapes have targets that cannot be found ahead of pyshacl")
        return run_pyshacl(graph, shapes)
    focus = plan.focus_nodes(graph, lines, eligible)
    return run_pyshacl(graph, plan.shapes_graph(focus))


def is_uri(node: Node) -> bool:
    return isinstance(node, URIRef)
