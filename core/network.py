"""The actor network: ONE derivation of networkx graphs from the RDF facts.

Every analysis (``core.analysis``) and every network export starts from ``actor_graph`` or
``bipartite_graph``; nothing else turns actions into edges.

Actions and participants
------------------------
An *action* is any node that has a participant, i.e. an object of one of the participant
properties (``PARTICIPANT_ROLES``): ``cv:agent``, ``cv:target``, ``cv:party``,
``cv:recipient``, ``cv:spokesperson``, ``cv:court`` and ``cv:scrapedFrom``. Its participants
are those objects; the *role* of a participant is the local name of the property
(``agent``, ``target``, ...; an actor with two roles in one action gets them joined with ``,``
in ``PARTICIPANT_ROLES`` order). An action's ``type`` is its most specific asserted ``cv:``
class (the first in alphabetical order if several are equally specific; ``Action`` if it has
none).

Settlement terms are ordinary actions: their participants are their own ``cv:agent`` only
(not the parties of the settlement they belong to), so a term with one agent gives the
agent a node but no edge.

Besides actions, three kinds of organisational facts link actors; each is treated as an
action with a pseudo type so that it can be filtered, dated and sourced like the others:

=====================  ==================================  ====================================
type                   fact                                participants (role)
=====================  ==================================  ====================================
``Post``               a post with ``org:heldBy`` (or a    the person (``heldBy``) and the
                       person's ``org:holds``) and         organisation (``postIn``)
                       ``org:postIn``
``SubOrganizationOf``  ``S org:subOrganizationOf P``       S (``subOrganization``) and P
                                                           (``parentOrganization``)
``Membership``         ``C cv:member M``                   C (``coalition``) and M (``member``)
=====================  ==================================  ====================================

A post's id is the post's IRI, its label the post's English label, its date ``cv:heldAt``,
its sources and quotes those of the post node. A link has the id ``"<S> org:subOrganizationOf
<P>"`` (or ``"<C> cv:member <M>"``), an English label made of the two labels, no date, and the
sources and quotes of its subject node (where the data model puts the quote behind the link).

Nodes and edges
---------------
``actor_graph`` has one node per actor that takes part in at least one action passing the
filter (keyed by the IRI as a string); every pair of distinct participants of such an action
gets an undirected edge whose ``weight`` is the number of actions connecting the pair and
whose ``actions`` list describes them (see ``action_dict``), ordered by ``(date or "", id)``.
An action's ``roles`` name its participants that are in the network (with an actor-type
filter, the others are left out).
``bipartite_graph`` has the same actor nodes plus one node per action, and an edge with the
participant's ``role`` between each action and each of its participants.

Dates
-----
The datatype of ``cv:date`` (``cv:heldAt`` for posts) is its precision: ``xsd:date`` is a
``day``, ``xsd:gYearMonth`` a ``month``, ``xsd:gYear`` a ``year`` (``xsd:dateTime`` counts as its
day). A date stands for the whole period it names, and a bound of the filter too, so the
comparison is by overlap: an action of ``2021`` (a gYear) passes ``date_to="2021-03"`` and
``date_from="2021-04"``, because it may have happened in either. ``cv:disclosedIn`` is not a
date of the action. When either bound is set, undated actions are left out.

A node's ``first_date`` / ``last_date`` are the smallest and largest ISO strings among the dates
of the passing actions it takes part in (the timeline order, where ``2021`` sorts before
``2021-03`` and that before ``2021-03-05``), or None when none of them is dated.

The derivation reads the graph one property at a time: every (subject, object) of a property,
through rdflib's ``subject_objects``, or through the store's own ``pairs`` where it has one (the
Oxigraph view, core.oxigraph_store.TripleView). So it runs on any ``rdflib.Graph`` whatever its
store. Subclass matching uses the ``rdfs:subClassOf`` triples of that graph: load
the ontology with the facts (``core.store.load_graph`` does) or only asserted types match.
"""

from __future__ import annotations

import calendar
import datetime as _dt
import difflib
import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from itertools import combinations
from typing import NamedTuple

import networkx as nx
from rdflib import BNode, Graph, Literal, Namespace, URIRef
from rdflib.namespace import RDF, RDFS, XSD

from .errors import InputError, NotFoundError
from .namespaces import PREFIXES, local_name

CV = Namespace(PREFIXES["cv"])
SKOS = Namespace(PREFIXES["skos"])
PROV = Namespace(PREFIXES["prov"])
DCTERMS = Namespace(PREFIXES["dcterms"])
ORG = Namespace(PREFIXES["org"])

#: Participant properties of actions, in the order roles are listed.
PARTICIPANT_ROLES: tuple[str, ...] = (
    "agent", "target", "party", "recipient", "spokesperson", "court", "scrapedFrom",
)

POST = "Post"
SUB_ORGANIZATION = "SubOrganizationOf"
MEMBERSHIP = "Membership"
#: Pseudo action types of the organisational links (posts, sub-organisations, memberships).
LINK_TYPES: tuple[str, ...] = (POST, SUB_ORGANIZATION, MEMBERSHIP)

PRECISIONS = {XSD.date: "day", XSD.dateTime: "day", XSD.gYearMonth: "month", XSD.gYear: "year"}

# The properties the derivation reads, as plain URIRefs: a Namespace attribute builds a new
# URIRef on every access, which the per-action loops would pay hundreds of thousands of times.
_CV = str(CV)
_TYPE, _SUBCLASS, _LABEL = URIRef(RDF.type), URIRef(RDFS.subClassOf), URIRef(RDFS.label)
_PREF, _ALT = SKOS.prefLabel, SKOS.altLabel
_IDENTIFIER = DCTERMS.identifier
_DERIVED, _QUALIFIED, _ENTITY = PROV.wasDerivedFrom, PROV.qualifiedDerivation, PROV.entity
_QUOTE, _TRANSLATION, _QUOTE_START = CV.quote, CV.translation, CV.quoteStart
_DATE, _HELD_AT = CV.date, CV.heldAt

_ISO = re.compile(r"^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$")
_TZ = re.compile(r"(Z|[+-]\d{2}:\d{2})$")


# --- dates -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Period:
    """A date of some precision and the days it covers: ``2021-03`` is 1-31 March 2021."""

    iso: str
    precision: str  # "day", "month" or "year"
    start: _dt.date
    end: _dt.date


def parse_period(text: str) -> Period | None:
    """``2021``, ``2021-03`` or ``2021-03-05`` (a real calendar date) as a Period, else None."""
    match = _ISO.match(text.strip())
    if not match:
        return None
    year, month, day = (int(g) if g else None for g in match.groups())
    try:
        if month is None:
            return Period(f"{year:04d}", "year", _dt.date(year, 1, 1), _dt.date(year, 12, 31))
        if day is None:
            last = calendar.monthrange(year, month)[1]
            return Period(f"{year:04d}-{month:02d}", "month",
                          _dt.date(year, month, 1), _dt.date(year, month, last))
        day_date = _dt.date(year, month, day)
        return Period(day_date.isoformat(), "day", day_date, day_date)
    except ValueError:  # month 13, 30 February, year 0
        return None


class Lexical(NamedTuple):
    """A literal as the derivation reads it: lexical form, language tag and datatype (None for
    a plain string, as rdflib has it). Cheaper to make than an rdflib ``Literal`` (no casting, no
    validation), and made alike from rdflib's terms and from the Oxigraph view's (``_pairs``).
    ``str()`` gives the lexical form."""

    value: str
    language: str | None
    datatype: URIRef | None

    def __str__(self) -> str:
        return self.value


def literal_period(term: object) -> tuple[str | None, str | None, Period | None]:
    """(ISO string, precision, Period) of a date literal; the datatype is the precision.

    A literal that does not parse keeps its lexical form as the ISO string, with no
    precision and no period (it then counts as undated for the date filter).
    """
    if term is None:
        return None, None, None
    text = str(term).strip()
    datatype = term.datatype if isinstance(term, (Literal, Lexical)) else None
    if datatype == XSD.dateTime:
        text = text[:10]
    else:
        text = _TZ.sub("", text)
    period = parse_period(text)
    if period is None:
        return str(term), None, None
    expected = PRECISIONS.get(datatype)
    if expected is not None and expected != period.precision:
        return str(term), None, None
    return period.iso, period.precision, period


def _bound(text: str | None, what: str) -> Period | None:
    if text is None or text == "":
        return None
    period = parse_period(str(text))
    if period is None:
        raise InputError(
            f"bad {what} date {text!r}: expected YYYY, YYYY-MM or YYYY-MM-DD (a real calendar date)"
        )
    return period


# --- the filter ------------------------------------------------------------------------------


def _names(value: Iterable[str] | str | None) -> frozenset[str]:
    if value is None:
        return frozenset()
    if isinstance(value, str):
        value = [value]
    return frozenset(str(v).strip() for v in value if str(v).strip())


@dataclass(frozen=True)
class NetworkFilter:
    """Which actors and actions make up the network; the empty filter keeps everything.

    - ``actor_types``: cv class local names ("DataProtectionAuthority", "PublicBody"); an
      actor passes if any of its types, or their ancestors, has one of these names. The
      network is then the one induced on the passing actors.
    - ``action_types``: cv class local names, subclasses included ("EnforcementAction" keeps
      fines, orders, ...), or a pseudo type of ``LINK_TYPES`` (posts and links are not
      cv:Actions, so "Action" keeps every action but none of them).
    - ``sources``: source identifiers ("000".."004"); an action passes if one of its
      ``prov:wasDerivedFrom`` sources has one of them as ``dcterms:identifier``.
    - ``date_from`` / ``date_to``: ISO dates of any precision, compared by overlap (see the
      module docstring); undated actions are left out when either is set.

    Names are matched case-insensitively; ``actor_graph`` raises ``NotFoundError`` for a type
    or source the graph does not know. Bad dates raise ``InputError`` here.
    """

    actor_types: frozenset[str] = field(default_factory=frozenset)
    action_types: frozenset[str] = field(default_factory=frozenset)
    sources: frozenset[str] = field(default_factory=frozenset)
    date_from: str | None = None
    date_to: str | None = None

    def __post_init__(self) -> None:
        for name in ("actor_types", "action_types", "sources"):
            object.__setattr__(self, name, _names(getattr(self, name)))
        for name in ("date_from", "date_to"):
            value = getattr(self, name)
            object.__setattr__(self, name, None if value in (None, "") else str(value).strip())
        start, end = self.period_from, self.period_to
        if start and end and start.start > end.end:
            raise InputError(f"the start date {self.date_from} is after the end date {self.date_to}")

    @property
    def period_from(self) -> Period | None:
        return _bound(self.date_from, "start")

    @property
    def period_to(self) -> Period | None:
        return _bound(self.date_to, "end")

    @property
    def dated(self) -> bool:
        """True when a date bound is set (undated actions are then left out)."""
        return self.date_from is not None or self.date_to is not None

    def admits_period(self, period: Period | None) -> bool:
        """Does an action of this date overlap the filter's date range?"""
        if not self.dated:
            return True
        if period is None:
            return False
        start, end = self.period_from, self.period_to
        if start is not None and period.end < start.start:
            return False
        if end is not None and period.start > end.end:
            return False
        return True


# --- reading the graph -----------------------------------------------------------------------


@dataclass
class Action:
    """One action (or organisational link) as the derivation sees it."""

    id: str
    type: str
    kinds: frozenset[str]  # type local names with their ancestors, for the filter
    label: str
    date: str | None
    precision: str | None
    period: Period | None
    roles: dict[str, str]  # actor key -> role(s)
    sources: list[str]
    quotes: list[dict]


@dataclass
class Actor:
    iri: str
    label: str
    labels: dict[str, list[str]]
    types: list[str]
    kinds: frozenset[str]


def _key(node: object) -> str:
    return str(node)


def _pairs(g: Graph, prop: URIRef) -> Iterable[tuple[object, object]]:
    """(subject, object) of every triple of ``g`` with the predicate ``prop``, literals as
    ``Lexical``: the store's own ``pairs`` scan where it has one (core.oxigraph_store.TripleView,
    which skips rdflib's per-triple wrapping and never builds an rdflib Literal), else rdflib's
    ``subject_objects``."""
    pairs = getattr(g.store, "pairs", None)
    if pairs is not None:
        return pairs(prop, literal=Lexical)
    return ((s, Lexical(str(o), o.language, o.datatype) if isinstance(o, Literal) else o)
            for s, o in g.subject_objects(prop))


def _sorted_terms(terms: Iterable[object]) -> list:
    return sorted(terms, key=lambda t: (type(t).__name__, str(t)))


class _Reader:
    """Cached access to one rdflib graph.

    Values are read one property at a time: the first lookup of a property reads all its
    triples with one ``subject_objects`` scan into a dictionary, and later lookups are
    dictionary hits. On an Oxigraph-backed view a scan per property is far cheaper than one
    index seek per node and property (about 45,000 seeks for 10^5 triples)."""

    def __init__(self, g: Graph, quotes: bool = True) -> None:
        self.g = g
        self.quotes = quotes
        self._index: dict[URIRef, dict[object, list]] = {}
        self._parents: dict[URIRef, set[URIRef]] = defaultdict(set)
        self.classes: set[URIRef] = set()
        for sub, sup in _pairs(g, _SUBCLASS):
            if isinstance(sub, URIRef) and isinstance(sup, URIRef):
                self._parents[sub].add(sup)
                self.classes.update((sub, sup))
        self._ancestors: dict[URIRef, frozenset[URIRef]] = {}
        self._types: dict[object, set[URIRef]] = {}
        self._source_ids: dict[object, str] = {}
        self._kinds: dict[frozenset, frozenset[str]] = {}  # a set of types -> kinds()

    def objects(self, node: object, prop: URIRef) -> list:
        index = self._index.get(prop)
        if index is None:
            index = defaultdict(list)
            for subject, value in _pairs(self.g, prop):
                index[subject].append(value)
            index = self._index[prop] = dict(index)
        return index.get(node, [])

    def typed(self) -> dict[object, list]:
        """Every subject with an ``rdf:type``, and its types (from the one scan of rdf:type)."""
        self.objects(None, _TYPE)
        return self._index[_TYPE]

    # classes
    def ancestors(self, cls: URIRef) -> frozenset[URIRef]:
        """The class and all its superclasses."""
        found = self._ancestors.get(cls)
        if found is None:
            seen = {cls}
            stack = [cls]
            while stack:
                for parent in self._parents.get(stack.pop(), ()):
                    if parent not in seen:
                        seen.add(parent)
                        stack.append(parent)
            found = self._ancestors[cls] = frozenset(seen)
        return found

    def cv_types(self, node: object) -> set[URIRef]:
        found = self._types.get(node)
        if found is None:
            found = {t for t in self.objects(node, _TYPE)
                     if isinstance(t, URIRef) and str.startswith(t, _CV)}
            self.classes.update(found)
            self._types[node] = found
        return found

    def most_specific(self, types: set[URIRef]) -> list[str]:
        keep = [t for t in types if not any(u != t and t in self.ancestors(u) for u in types)]
        return sorted(local_name(str(t)) for t in keep)

    def kinds(self, types: set[URIRef]) -> frozenset[str]:
        key = frozenset(types)
        found = self._kinds.get(key)
        if found is None:
            names: set[str] = set()
            for t in types:
                names.update(local_name(str(a)) for a in self.ancestors(t) if str.startswith(a, _CV))
            found = self._kinds[key] = frozenset(names)
        return found

    # values
    def first(self, node: object, prop: URIRef) -> object | None:
        values = _sorted_terms(self.objects(node, prop))
        return values[0] if values else None

    def preferred_label(self, node: object) -> str | None:
        """English prefLabel, else another prefLabel, else rdfs:label, else None."""
        labels = list(self.objects(node, _PREF))
        english = sorted(str(l) for l in labels if isinstance(l, Lexical) and (l.language or "").lower().startswith("en"))
        if english:
            return english[0]
        others = sorted(str(l) for l in labels) or sorted(str(l) for l in self.objects(node, _LABEL))
        return others[0] if others else None

    def label(self, node: object) -> str:
        return self.preferred_label(node) or local_name(str(node))

    def all_labels(self, node: object) -> dict[str, list[str]]:
        by_lang: dict[str, set[str]] = defaultdict(set)
        for prop in (_PREF, _ALT):
            for lit in self.objects(node, prop):
                lang = lit.language if isinstance(lit, Lexical) and lit.language else ""
                by_lang[lang].add(str(lit))
        return {lang: sorted(values) for lang, values in sorted(by_lang.items())}

    def source_id(self, source: object) -> str:
        found = self._source_ids.get(source)
        if found is None:
            ident = self.first(source, _IDENTIFIER)
            found = str(ident) if ident is not None else local_name(str(source))
            self._source_ids[source] = found
        return found

    def provenance(self, node: object) -> tuple[list[str], list[dict]]:
        sources = sorted({self.source_id(s) for s in self.objects(node, _DERIVED)})
        quotes = []
        for derivation in self.objects(node, _QUALIFIED) if self.quotes else ():
            entity = self.first(derivation, _ENTITY)
            quote = self.first(derivation, _QUOTE)
            translation = self.first(derivation, _TRANSLATION)
            start = self.first(derivation, _QUOTE_START)
            try:
                position = int(str(start)) if start is not None else -1
            except ValueError:
                position = -1
            quotes.append((
                self.source_id(entity) if entity is not None else None,
                position,
                None if quote is None else str(quote),
                None if translation is None else str(translation),
            ))
        quotes.sort(key=lambda q: (q[0] or "", q[1], q[2] or "", q[3] or ""))
        return sources, [{"source": s, "quote": q, "translation": t} for s, _, q, t in quotes]


def _add_role(roles: dict[str, list[str]], actor: object, role: str) -> None:
    key = _key(actor)
    if role not in roles.setdefault(key, []):
        roles[key].append(role)


def _joined(roles: dict[str, list[str]]) -> dict[str, str]:
    order = {r: i for i, r in enumerate(PARTICIPANT_ROLES)}
    return {k: ",".join(sorted(v, key=lambda r: (order.get(r, len(order)), r))) for k, v in sorted(roles.items())}


def _is_actor(term: object) -> bool:
    return isinstance(term, (URIRef, BNode))


def _read_actions(r: _Reader) -> tuple[list[Action], dict[str, object]]:
    """Every action and organisational link of the graph, unfiltered; and actor key -> node."""
    g = r.g
    nodes: dict[str, object] = {}
    participants: dict[object, dict[str, list[str]]] = defaultdict(dict)
    for role in PARTICIPANT_ROLES:
        for action, actor in _pairs(g, CV[role]):
            if _is_actor(actor) and actor != action:
                _add_role(participants[action], actor, role)
                nodes[_key(actor)] = actor

    actions: list[Action] = []
    for node, roles in participants.items():
        asserted = r.cv_types(node)
        specific = r.most_specific(asserted)
        iso, precision, period = literal_period(r.first(node, _DATE))
        sources, quotes = r.provenance(node)
        actions.append(Action(
            id=_key(node), type=specific[0] if specific else "Action",
            kinds=r.kinds(asserted) | {specific[0] if specific else "Action"},
            label=r.label(node), date=iso, precision=precision, period=period,
            roles=_joined(roles), sources=sources, quotes=quotes,
        ))

    # Posts: person (org:heldBy, or org:holds from the person) and organisation (org:postIn).
    holders: dict[object, set[object]] = defaultdict(set)
    for post, person in _pairs(g, ORG.heldBy):
        holders[post].add(person)
    for person, post in _pairs(g, ORG.holds):
        holders[post].add(person)
    organisations: dict[object, set[object]] = defaultdict(set)
    for post, organisation in _pairs(g, ORG.postIn):
        organisations[post].add(organisation)
    for post in _sorted_terms(set(holders) & set(organisations)):
        roles: dict[str, list[str]] = {}
        for person in holders[post]:
            if _is_actor(person):
                _add_role(roles, person, "heldBy")
                nodes[_key(person)] = person
        for organisation in organisations[post]:
            if _is_actor(organisation):
                _add_role(roles, organisation, "postIn")
                nodes[_key(organisation)] = organisation
        iso, precision, period = literal_period(r.first(post, _HELD_AT))
        sources, quotes = r.provenance(post)
        actions.append(Action(
            id=_key(post), type=POST, kinds=frozenset({POST}), label=r.preferred_label(post) or POST,
            date=iso, precision=precision, period=period, roles=_joined(roles),
            sources=sources, quotes=quotes,
        ))

    # Organisational links, backed by the provenance of their subject node.
    links = (
        (ORG.subOrganizationOf, "org:subOrganizationOf", SUB_ORGANIZATION,
         "subOrganization", "parentOrganization", "{s} is part of {o}"),
        (CV.member, "cv:member", MEMBERSHIP, "coalition", "member", "{o} is a member of {s}"),
    )
    for prop, prop_name, kind, subject_role, object_role, text in links:
        for subject, obj in _pairs(g, prop):
            if not (_is_actor(subject) and _is_actor(obj)) or subject == obj:
                continue
            roles = {}
            _add_role(roles, subject, subject_role)
            _add_role(roles, obj, object_role)
            nodes[_key(subject)] = subject
            nodes[_key(obj)] = obj
            sources, quotes = r.provenance(subject)
            actions.append(Action(
                id=f"<{subject}> {prop_name} <{obj}>", type=kind, kinds=frozenset({kind}),
                label=text.format(s=r.label(subject), o=r.label(obj)),
                date=None, precision=None, period=None, roles=_joined(roles),
                sources=sources, quotes=quotes,
            ))
    actions.sort(key=lambda a: (a.date or "", a.id))
    return actions, nodes


def _resolve_names(wanted: frozenset[str], known: Iterable[str], what: str) -> frozenset[str]:
    by_fold: dict[str, str] = {}
    for name in sorted(known):
        by_fold.setdefault(name.casefold(), name)
    resolved = set()
    for name in sorted(wanted):
        hit = by_fold.get(name.casefold())
        if hit is None and name.isdigit():
            hit = by_fold.get(name.zfill(3))
        if hit is None:
            close = difflib.get_close_matches(name, sorted(by_fold.values()), n=3, cutoff=0.6)
            if not close:
                fold = name.casefold()
                close = [v for v in sorted(by_fold.values()) if fold in v.casefold()][:3]
            raise NotFoundError(f"no {what} matches '{name}'", close)
        resolved.add(hit)
    return frozenset(resolved)


@dataclass
class Network:
    """The filtered actors and actions, from which both graphs are built."""

    actors: dict[str, Actor]
    actions: list[Action]  # passing actions, ordered by (date or "", id)


def derive(g: Graph, flt: NetworkFilter | None = None, quotes: bool = True) -> Network:
    """Apply the filter: the passing actions, restricted to the passing actors, and those
    actors. Without a filter on actions (type, source, dates) the actors are every actor of
    the graph (of the wanted actor types), so an actor that takes part in no action is an
    isolated node; with one, only the actors that take part in a passing action.

    ``quotes=False`` leaves the actions' quotes empty (the analyses never show them; reading
    them is a third of the graph)."""
    flt = flt or NetworkFilter()
    r = _Reader(g, quotes)
    actions, nodes = _read_actions(r)

    # Resolve the filter's names against what the graph knows.
    classes = r.classes | {t for types in r.typed().values() for t in types if isinstance(t, URIRef)}
    known_types = {local_name(str(c)) for c in classes if str.startswith(c, _CV)}
    actor_types = _resolve_names(flt.actor_types, known_types, "actor type")
    action_types = _resolve_names(flt.action_types, known_types | set(LINK_TYPES), "action type")
    known_sources = {r.source_id(s) for _, s in _pairs(g, _DERIVED)}
    wanted_sources = _resolve_names(flt.sources, known_sources, "source")

    actors: dict[str, Actor] = {}

    def actor(key: str) -> Actor:
        found = actors.get(key)
        if found is None:
            node = nodes[key]
            types = r.cv_types(node)
            found = actors[key] = Actor(
                iri=key, label=r.label(node), labels=r.all_labels(node),
                types=r.most_specific(types), kinds=r.kinds(types),
            )
        return found

    passing: list[Action] = []
    for action in actions:
        if action_types and not (action.kinds & action_types):
            continue
        if wanted_sources and not (set(action.sources) & wanted_sources):
            continue
        if not flt.admits_period(action.period):
            continue
        roles = {k: v for k, v in action.roles.items()
                 if not actor_types or actor(k).kinds & actor_types}
        if not roles:
            continue
        for key in roles:
            actor(key)
        passing.append(Action(**{**action.__dict__, "roles": roles}))

    used = {key for action in passing for key in action.roles}
    if not (flt.action_types or flt.sources or flt.date_from or flt.date_to):
        for subject in list(r.typed()):
            if isinstance(subject, URIRef) and "Actor" in r.kinds(r.cv_types(subject)):
                key = _key(subject)
                nodes.setdefault(key, subject)
                if not actor_types or actor(key).kinds & actor_types:
                    used.add(key)
    return Network({k: actor(k) for k in sorted(used)}, passing)


# --- graphs ----------------------------------------------------------------------------------


def action_dict(action: Action) -> dict:
    """The description of an action on an edge: a fresh dict of plain values."""
    return {
        "id": action.id,
        "type": action.type,
        "label": action.label,
        "date": action.date,
        "precision": action.precision,
        "roles": dict(action.roles),
        "sources": list(action.sources),
        "quotes": [dict(q) for q in action.quotes],
    }


def _date_range(net: Network) -> dict[str, tuple[str, str]]:
    """actor key -> (first, last) ISO date of the dated actions it takes part in."""
    found: dict[str, tuple[str, str]] = {}
    for action in net.actions:
        if action.date is None:
            continue
        for key in action.roles:
            first, last = found.get(key, (action.date, action.date))
            found[key] = (min(first, action.date), max(last, action.date))
    return found


def _actor_attributes(net: Network, key: str, dates: dict[str, tuple[str, str]]) -> dict:
    a = net.actors[key]
    first, last = dates.get(key, (None, None))
    return {
        "iri": a.iri,
        "label": a.label,
        "labels": {lang: list(v) for lang, v in a.labels.items()},
        "types": list(a.types),
        "first_date": first,
        "last_date": last,
    }


def _graph_info(net: Network, kind: str) -> dict:
    return {
        "name": f"clearview-kg {kind} network",
        "actions": len(net.actions),
        "undated_actions": sum(1 for a in net.actions if a.date is None),
    }


def graph_from_network(net: Network) -> nx.Graph:
    """The actor graph of an already derived ``Network`` (see ``actor_graph``)."""
    G = nx.Graph(**_graph_info(net, "actor"))
    dates = _date_range(net)
    for key in net.actors:  # sorted by IRI
        G.add_node(key, **_actor_attributes(net, key, dates))
    for action in net.actions:  # in (date or "", id) order, so edge lists come out sorted
        for a, b in combinations(sorted(action.roles), 2):
            if G.has_edge(a, b):
                data = G.edges[a, b]
                data["weight"] += 1
                data["actions"].append(action_dict(action))
            else:
                G.add_edge(a, b, weight=1, actions=[action_dict(action)])
    return G


def actor_graph(g: Graph, flt: NetworkFilter | None = None, quotes: bool = True) -> nx.Graph:
    """The undirected actor network of ``g``.

    Nodes: actors (keys are IRI strings) with ``iri``, ``label`` (English prefLabel),
    ``labels`` (language -> sorted prefLabels and altLabels), ``types`` (most specific cv
    classes), ``first_date`` and ``last_date``. Edges: ``weight`` (number of actions) and
    ``actions`` (dicts with id, type, label, date, precision, roles, sources, quotes, ordered
    by ``(date or "", id)``). ``G.graph`` holds ``name``, ``actions`` (the number of passing
    actions) and ``undated_actions``. ``quotes=False``: every action's ``quotes`` is empty
    (faster; for the analyses, which do not show them).
    """
    return graph_from_network(derive(g, flt, quotes))


def bipartite_graph(g: Graph, flt: NetworkFilter | None = None) -> nx.Graph:
    """Actors and actions as two kinds of node, linked by the participant's role.

    Actor nodes carry ``kind="actor"``, ``bipartite=0`` and the attributes of
    ``actor_graph``'s nodes; action nodes ``kind="action"``, ``bipartite=1``, ``iri``,
    ``type``, ``label``, ``date``, ``precision`` and ``sources``. Each edge has ``role``.
    """
    net = derive(g, flt)
    G = nx.Graph(**_graph_info(net, "actor-action"))
    dates = _date_range(net)
    for key in net.actors:
        G.add_node(key, kind="actor", bipartite=0, **_actor_attributes(net, key, dates))
    for action in net.actions:
        G.add_node(action.id, kind="action", bipartite=1, iri=action.id, type=action.type,
                   label=action.label, date=action.date, precision=action.precision,
                   sources=list(action.sources))
        for key, role in action.roles.items():
            G.add_edge(key, action.id, role=role)
    return G
