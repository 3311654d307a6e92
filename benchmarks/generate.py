#!/usr/bin/env python3
"""Generate a synthetic, seeded saga graph in the clearview-kg ontology, for benchmarks.

    python benchmarks/generate.py --triples 100000 --seed 1 --out /tmp/bench/g-1e5.ttl
    python benchmarks/generate.py --triples 10000 --violations 12 --out /tmp/bench/bad.ttl

What it writes, next to ``--out FILE.ttl``:

- ``FILE.ttl``            the facts, in Turtle (ontology not included: load it beside them);
- ``FILE.corpus/``        one synthetic text file per source article; every ``cv:quote`` stands
                          verbatim in its source's file at ``cv:quoteStart``/``cv:quoteEnd``
                          (code points), and the file's sha256 is on the source node;
- ``FILE.meta.json``      the triple count, node counts per class, a sample actor for the
                          parameterised query, the corpus folder and the seed;
- ``FILE.violations.json`` the injected violations (empty without ``--violations``): for each,
                          its kind, the node changed, and the validation results it must give
                          (focus node, shape, constraint component; a blank focus is "_:blank").

The world: per *saga* (one vendor of facial-recognition technology in trouble, as in the
Clearview AI saga) a company with its technology and database, 2-5 source articles in the
languages of the countries involved, and the actions of every class of the ontology: data
scraping from platforms, proposed fines superseded by fines (with a disagreement about their
amount or status), orders, investigations, decisions, uses and trials by police, denials
contradicted by a trial (with the spokesperson's post), company statements, business
commitments, calls to action, a complaint by a coalition, a lawsuit and the settlement that
supersedes it with its terms. Actors (data-protection authorities, police, governments and
ministries, courts, legislatures, civil-society organisations, outlets, platforms, coalitions,
persons with posts) come from per-country pools that grow with the graph and are drawn with a
skew, and vendors recur across sagas, so the actor network has hubs. Dates come in all three
precisions (day, month, year), with the source's words for relative ones; money in ISO 4217
currencies with hedges and conversions; labels in English and the local language.

The output conforms to shapes/clearview-shapes.ttl. Writing is streaming: each node is written
when made, sources (whose digest needs their whole text) at the end; memory stays small.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
import sys
import time
from pathlib import Path

GENERATOR_VERSION = 1

PREFIXES = {
    "cv": "https://w3id.org/clearview-kg/ontology#",
    "cvv": "https://w3id.org/clearview-kg/vocab/",
    "src": "https://w3id.org/clearview-kg/id/source/",
    "ido": "https://w3id.org/clearview-kg/id/org/",
    "idp": "https://w3id.org/clearview-kg/id/person/",
    "post": "https://w3id.org/clearview-kg/id/post/",
    "law": "https://w3id.org/clearview-kg/id/law/",
    "place": "https://w3id.org/clearview-kg/id/place/",
    "tech": "https://w3id.org/clearview-kg/id/tech/",
    "act": "https://w3id.org/clearview-kg/id/action/",
    "cfl": "https://w3id.org/clearview-kg/id/conflict/",
    "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
    "skos": "http://www.w3.org/2004/02/skos/core#",
    "dcterms": "http://purl.org/dc/terms/",
    "prov": "http://www.w3.org/ns/prov#",
    "org": "http://www.w3.org/ns/org#",
    "schema": "https://schema.org/",
}
SHAPES_NS = "https://w3id.org/clearview-kg/shapes#"

# --- languages: sentence frames (index-aligned with English), filler, names -------------------

FRAMES = {
    "en": ["{a} imposed a measure on {b} on {d}.",
           "According to {a}, {b} has used the service in {n} cases.",
           "{a} says that {b} must respond within {n} days.",
           "The decision of {a} concerns {b} and about {n} people.",
           "{a} confirmed on {d} the step against {b}.",
           "{b} is responsible for {n} searches, {a} writes."],
    "da": ["{a} pålagde {b} en foranstaltning den {d}.",
           "Ifølge {a} har {b} brugt tjenesten i {n} sager.",
           "{a} siger, at {b} skal svare inden for {n} dage.",
           "Afgørelsen fra {a} vedrører {b} og omkring {n} personer.",
           "{a} bekræftede den {d} skridtet mod {b}.",
           "{b} står bag {n} søgninger, skriver {a}."],
    "sv": ["{a} ålade {b} en åtgärd den {d}.",
           "Enligt {a} har {b} använt tjänsten i {n} fall.",
           "{a} säger att {b} måste svara inom {n} dagar.",
           "Beslutet från {a} gäller {b} och ungefär {n} personer.",
           "{a} bekräftade den {d} åtgärden mot {b}.",
           "{b} står för {n} sökningar, skriver {a}."],
    "nl": ["{a} heeft {b} op {d} een maatregel opgelegd.",
           "Volgens {a} heeft {b} de dienst in {n} zaken gebruikt.",
           "{a} zegt dat {b} binnen {n} dagen moet reageren.",
           "Het besluit van {a} betreft {b} en ongeveer {n} personen.",
           "{a} bevestigde op {d} de stap tegen {b}.",
           "{b} is verantwoordelijk voor {n} zoekopdrachten, schrijft {a}."],
    "de": ["{a} hat {b} am {d} eine Maßnahme auferlegt.",
           "Laut {a} hat {b} den Dienst in {n} Fällen genutzt.",
           "{a} erklärt, dass {b} innerhalb von {n} Tagen antworten muss.",
           "Die Entscheidung von {a} betrifft {b} und etwa {n} Personen.",
           "{a} bestätigte am {d} den Schritt gegen {b}.",
           "{b} ist für {n} Suchanfragen verantwortlich, schreibt {a}."],
    "fr": ["{a} a imposé une mesure à {b} le {d}.",
           "Selon {a}, {b} a utilisé le service dans {n} affaires.",
           "{a} déclare que {b} doit répondre dans les {n} jours.",
           "La décision de {a} concerne {b} et environ {n} personnes.",
           "{a} a confirmé le {d} la démarche contre {b}.",
           "{b} est responsable de {n} recherches, écrit {a}."],
    "it": ["{a} ha imposto una misura a {b} il {d}.",
           "Secondo {a}, {b} ha usato il servizio in {n} casi.",
           "{a} afferma che {b} deve rispondere entro {n} giorni.",
           "La decisione di {a} riguarda {b} e circa {n} persone.",
           "{a} ha confermato il {d} il provvedimento contro {b}.",
           "{b} è responsabile di {n} ricerche, scrive {a}."],
    "es": ["{a} impuso una medida a {b} el {d}.",
           "Según {a}, {b} utilizó el servicio en {n} casos.",
           "{a} afirma que {b} debe responder en un plazo de {n} días.",
           "La decisión de {a} afecta a {b} y a unas {n} personas.",
           "{a} confirmó el {d} la medida contra {b}.",
           "{b} es responsable de {n} búsquedas, escribe {a}."],
    "pl": ["{a} nałożył na {b} środek w dniu {d}.",
           "Według {a} {b} korzystał z usługi w {n} sprawach.",
           "{a} twierdzi, że {b} musi odpowiedzieć w ciągu {n} dni.",
           "Decyzja {a} dotyczy {b} i około {n} osób.",
           "{a} potwierdził {d} krok przeciwko {b}.",
           "{b} odpowiada za {n} wyszukiwań, pisze {a}."],
}
FILLER = {
    "en": ["Read more below.", "The case continues.", "Subscribe to our newsletter."],
    "da": ["Læs mere nedenfor.", "Sagen fortsætter.", "Tilmeld dig vores nyhedsbrev."],
    "sv": ["Läs mer nedan.", "Ärendet fortsätter.", "Prenumerera på vårt nyhetsbrev."],
    "nl": ["Lees hieronder meer.", "De zaak loopt door.", "Abonneer je op onze nieuwsbrief."],
    "de": ["Lesen Sie unten weiter.", "Das Verfahren läuft weiter.", "Abonnieren Sie unseren Newsletter."],
    "fr": ["Lire la suite ci-dessous.", "L’affaire se poursuit.", "Abonnez-vous à notre lettre d’information."],
    "it": ["Leggi di più qui sotto.", "Il caso continua.", "Iscriviti alla nostra newsletter."],
    "es": ["Lea más abajo.", "El caso continúa.", "Suscríbase a nuestro boletín."],
    "pl": ["Czytaj więcej poniżej.", "Sprawa trwa.", "Zapisz się do naszego newslettera."],
}
# Relative date phrases (the source's words), per precision; resolved against the source date.
PHRASES = {
    "en": {"year": "last year", "month": "back in {m}", "day": "on {d}"},
    "da": {"year": "sidste år", "month": "tilbage i {m}", "day": "den {d}"},
    "sv": {"year": "förra året", "month": "i {m}", "day": "den {d}"},
    "nl": {"year": "vorig jaar", "month": "in {m}", "day": "op {d}"},
    "de": {"year": "im vergangenen Jahr", "month": "im {m}", "day": "am {d}"},
    "fr": {"year": "l’an dernier", "month": "en {m}", "day": "le {d}"},
    "it": {"year": "l’anno scorso", "month": "a {m}", "day": "il {d}"},
    "es": {"year": "el año pasado", "month": "en {m}", "day": "el {d}"},
    "pl": {"year": "w zeszłym roku", "month": "w {m}", "day": "{d}"},
}
MONTHS = {
    "en": "January February March April May June July August September October November December",
    "da": "januar februar marts april maj juni juli august september oktober november december",
    "sv": "januari februari mars april maj juni juli augusti september oktober november december",
    "nl": "januari februari maart april mei juni juli augustus september oktober november december",
    "de": "Januar Februar März April Mai Juni Juli August September Oktober November Dezember",
    "fr": "janvier février mars avril mai juin juillet août septembre octobre novembre décembre",
    "it": "gennaio febbraio marzo aprile maggio giugno luglio agosto settembre ottobre novembre dicembre",
    "es": "enero febrero marzo abril mayo junio julio agosto septiembre octubre noviembre diciembre",
    "pl": "styczniu lutym marcu kwietniu maju czerwcu lipcu sierpniu wrześniu październiku listopadzie grudniu",
}
MONTHS = {k: v.split() for k, v in MONTHS.items()}
HEDGES = {
    "en": ["just over", "up to", "more than", "about"],
    "da": ["knap", "op til", "mere end", "omkring"],
    "sv": ["strax över", "upp till", "mer än", "omkring"],
    "nl": ["ruim", "tot", "meer dan", "ongeveer"],
    "de": ["knapp", "bis zu", "mehr als", "etwa"],
    "fr": ["un peu plus de", "jusqu’à", "plus de", "environ"],
    "it": ["poco più di", "fino a", "oltre", "circa"],
    "es": ["algo más de", "hasta", "más de", "unos"],
    "pl": ["nieco ponad", "do", "ponad", "około"],
}
TITLES = {  # post titles in the source's words
    "en": ["press officer", "acting press chief", "head of communications", "chief executive"],
    "da": ["pressemedarbejder", "fungerende pressechef", "kommunikationschef", "administrerende direktør"],
    "sv": ["presstalesperson", "tillförordnad presschef", "kommunikationschef", "vd"],
    "nl": ["woordvoerder", "waarnemend persvoorlichter", "hoofd communicatie", "directeur"],
    "de": ["Pressesprecherin", "kommissarischer Pressechef", "Kommunikationsleiter", "Geschäftsführer"],
    "fr": ["porte-parole", "chef de presse par intérim", "directeur de la communication", "directeur général"],
    "it": ["portavoce", "capo ufficio stampa ad interim", "responsabile comunicazione", "amministratore delegato"],
    "es": ["portavoz", "jefe de prensa en funciones", "director de comunicación", "consejero delegado"],
    "pl": ["rzecznik prasowy", "p.o. szefa biura prasowego", "dyrektor komunikacji", "prezes zarządu"],
}
# Organisation names in the local language: {c} country, {r} region.
LOCAL_ORG = {
    "en": {"dpa": "{c} Data Protection Authority", "police": "{r} Police", "gov": "Government of {c}",
           "ministry": "Ministry of Justice of {c}", "court": "District Court of {r}", "leg": "Parliament of {c}"},
    "da": {"dpa": "Datatilsynet i {c}", "police": "{r} Politi", "gov": "Regeringen i {c}",
           "ministry": "Justitsministeriet i {c}", "court": "Retten i {r}", "leg": "Folketinget i {c}"},
    "sv": {"dpa": "Integritetsskyddsmyndigheten i {c}", "police": "Polisen i {r}", "gov": "Regeringen i {c}",
           "ministry": "Justitiedepartementet i {c}", "court": "Tingsrätten i {r}", "leg": "Riksdagen i {c}"},
    "nl": {"dpa": "Autoriteit Persoonsgegevens {c}", "police": "Politie {r}", "gov": "Regering van {c}",
           "ministry": "Ministerie van Justitie van {c}", "court": "Rechtbank {r}", "leg": "Parlement van {c}"},
    "de": {"dpa": "Datenschutzbehörde {c}", "police": "Polizei {r}", "gov": "Regierung von {c}",
           "ministry": "Justizministerium {c}", "court": "Landgericht {r}", "leg": "Parlament von {c}"},
    "fr": {"dpa": "Autorité de protection des données ({c})", "police": "Police de {r}", "gov": "Gouvernement de {c}",
           "ministry": "Ministère de la Justice ({c})", "court": "Tribunal de {r}", "leg": "Parlement de {c}"},
    "it": {"dpa": "Garante per la protezione dei dati ({c})", "police": "Polizia di {r}", "gov": "Governo di {c}",
           "ministry": "Ministero della Giustizia ({c})", "court": "Tribunale di {r}", "leg": "Parlamento di {c}"},
    "es": {"dpa": "Agencia de Protección de Datos ({c})", "police": "Policía de {r}", "gov": "Gobierno de {c}",
           "ministry": "Ministerio de Justicia ({c})", "court": "Juzgado de {r}", "leg": "Parlamento de {c}"},
    "pl": {"dpa": "Urząd Ochrony Danych ({c})", "police": "Policja {r}", "gov": "Rząd ({c})",
           "ministry": "Ministerstwo Sprawiedliwości ({c})", "court": "Sąd Okręgowy {r}", "leg": "Parlament ({c})"},
}

# slug, English name, local name, language, currency, identifier scheme, in the EU
COUNTRIES = [
    ("united-kingdom", "United Kingdom", "United Kingdom", "en", "GBP", "UKPGA", False),
    ("denmark", "Denmark", "Danmark", "da", "DKK", "LOV", True),
    ("sweden", "Sweden", "Sverige", "sv", "SEK", "SFS", True),
    ("netherlands", "Netherlands", "Nederland", "nl", "EUR", "BWBR", True),
    ("germany", "Germany", "Deutschland", "de", "EUR", "BGBl", True),
    ("france", "France", "France", "fr", "EUR", "JORF", True),
    ("italy", "Italy", "Italia", "it", "EUR", "GU", True),
    ("spain", "Spain", "España", "es", "EUR", "BOE", True),
    ("poland", "Poland", "Polska", "pl", "PLN", "Dz.U.", True),
    ("united-states", "United States", "United States", "en", "USD", "USC", False),
    ("canada", "Canada", "Canada", "en", "CAD", "SC", False),
    ("australia", "Australia", "Australia", "en", "AUD", "ComLaw", False),
    ("austria", "Austria", "Österreich", "de", "EUR", "BGBl", True),
    ("belgium", "Belgium", "België", "nl", "EUR", "BS", True),
    ("switzerland", "Switzerland", "Schweiz", "de", "CHF", "SR", False),
    ("ireland", "Ireland", "Ireland", "en", "EUR", "IRLSI", True),
    ("mexico", "Mexico", "México", "es", "MXN", "DOF", False),
    ("argentina", "Argentina", "Argentina", "es", "ARS", "BORA", False),
    ("new-zealand", "New Zealand", "New Zealand", "en", "NZD", "NZPA", False),
    ("luxembourg", "Luxembourg", "Luxembourg", "fr", "EUR", "Mémorial", True),
]
DIRECTIONS = ["North", "South", "East", "West", "Central", "Upper", "Lower", "Greater"]
FIRST = ["Anna", "Lars", "Sofie", "Jonas", "Maria", "Pieter", "Eva", "Luca", "Marta", "Tomasz",
         "Claire", "Jan", "Ingrid", "Paolo", "Lucía", "Henrik", "Agnieszka", "Olivier", "Emma", "Søren"]
LAST = ["Jensen", "Lindqvist", "de Vries", "Müller", "Rossi", "García", "Nowak", "Dubois", "Smith",
        "Hansen", "Bakker", "Schmidt", "Bianchi", "López", "Kowalski", "Martin", "Brown", "Nielsen",
        "Andersson", "Jørgensen"]
VENDOR_A = ["Face", "Vision", "Bio", "Ident", "Sight", "Neuro", "Deep", "Clear", "True", "Omni", "Pix", "Argus"]
VENDOR_B = ["Metric", "Scan", "Lens", "ID", "Match", "Trace", "Print", "Vue", "Sense", "Search"]
PLATFORMS = ["PhotoBook", "InstaSnap", "FaceSpace", "TubeView", "LinkUp", "ChatterBox", "PicShare", "ClipStream"]
OUTLET_NAMES = ["Tech Herald", "Data Post", "Digital Tribune", "Privacy Weekly", "Net Courier", "Byte Journal"]
CSO_NAMES = ["{c} Civil Liberties Union", "Digital Rights {c}", "{c} Privacy Network", "Citizens' Data Watch {c}"]
LANG_NAMES = {"en": "English", "da": "Danish", "sv": "Swedish", "nl": "Dutch", "de": "German",
              "fr": "French", "it": "Italian", "es": "Spanish", "pl": "Polish"}

# --- injected violations: kind -> expected (shape, component); focus is the changed node ------

SH = "http://www.w3.org/ns/shacl#"
VIOLATION_KINDS: dict[str, list[tuple[str, str, str]]] = {
    # kind: [(focus: "node" or "_:blank", shape local name, component local name), ...]
    "missing-description": [("node", "ActionShape-description", "MinCountConstraintComponent")],
    "bad-status": [("node", "ActionShape-status", "InConstraintComponent")],
    "date-not-a-date": [("node", "ActionShape-date", "OrConstraintComponent")],
    "fine-agent-not-public-body": [("node", "FineShape-agent", "ClassConstraintComponent")],
    "post-holder-mismatch": [("node", "PostShape-holders", "EqualsConstraintComponent")],
    "settlement-one-party": [("node", "SettlementShape-party", "MinCountConstraintComponent")],
    "denial-without-denies": [("node", "DenialShape-denies", "MinCountConstraintComponent")],
    "bad-sha256": [("node", "SourceShape-sha256", "PatternConstraintComponent")],
    "identifier-not-reference-datum": [("node", "LawShape-officialIdentifier", "ClassConstraintComponent")],
    "quote-wrong-language": [("node", "SourceShape", "SPARQLConstraintComponent")],
    "quote-length-mismatch": [("node", "SourceShape", "SPARQLConstraintComponent")],
    "provenance-mismatch": [("node", "ProvenanceShape-sources", "EqualsConstraintComponent")],
    "term-without-settlement": [("node", "SettlementTermShape-termOf", "MinCountConstraintComponent")],
    "fine-without-amount": [("node", "FineShape-amount", "MinCountConstraintComponent")],
    "based-in-not-place": [("node", "ActorShape-basedIn", "ClassConstraintComponent")],
    "count-not-integer": [("node", "ActionShape-count", "DatatypeConstraintComponent")],
    "two-action-kinds": [("node", "ActionShape-kind", "QualifiedMaxCountConstraintComponent")],
    "missing-english-label": [("node", "LabelShape-prefLabel", "QualifiedMinCountConstraintComponent")],
    "currency-not-iso": [("node", "ActionShape-amount", "NodeConstraintComponent"),
                         ("_:blank", "MonetaryAmountShape-currency", "InConstraintComponent")],
}
# Kinds placed on the first eligible node (their nodes are few, or all made early), and kinds
# placed when the sources are written at the end.
EARLY_KINDS = {"identifier-not-reference-datum", "based-in-not-place", "bad-sha256"}
END_KINDS = {"bad-sha256"}

# Every kind of action a saga has: its class, its English label and description (templates:
# ``{name}`` is the English name of the IRI given for it, or the text given), and the violation
# kinds that may be injected into its head (``Generator.action``). Each kind's properties, and
# the random draws that make them, stay with the saga's story in ``Generator.saga_units``.
ACTIONS = {
    "scraping": ("cv:DataScraping", "{company} scrapes pictures from social media",
                 "The vendor collected face pictures from public websites and social media.", ()),
    "proposed-fine": ("cv:ProposedFine", "{dpa} proposes to fine {company}",
                      "A provisional decision to fine the vendor in {country}.", ()),
    "fine": ("cv:Fine", "{dpa} fines {company}",
             "The data-protection authority of {country} fined the vendor.", ()),
    "order": ("cv:Order", "{dpa} orders {company} to delete data",
              "The vendor must delete the data of residents of {country}.", ()),
    "investigation": ("cv:Investigation", "{dpa} investigates {company}",
                      "A supervisory inquiry into the vendor.", ()),
    "trial": ("cv:Trial", "{police} tries {tech}", "A free trial of the search service.", ()),
    "use": ("cv:Use", "{police} uses {tech}", "Use of the search service in investigations.",
            ("bad-status", "date-not-a-date")),
    "denial": ("cv:Denial", "{police} denies using {tech}",
               "The police said they had not used the service.", ("missing-description",)),
    "decision": ("cv:Decision", "{dpa} finds the police use unlawful",
                 "The authority found that the police broke the law by using the service.", ()),
    "government-use": ("cv:Use", "{gov} uses {tech}", "The government began using the service.", ()),
    "statement": ("cv:Statement", "{company} comments on the fines",
                  "The vendor's chief executive told a newspaper that it would appeal.",
                  ("missing-description", "two-action-kinds", "missing-english-label")),
    "commitment": ("cv:BusinessCommitment", "{company} stops selling to private companies",
                   "The vendor undertook to stop selling its service to private companies.", ()),
    "call": ("cv:CallToAction", "{legislature} calls for a ban on facial recognition",
             "The parliament called on the government to ban the technology for the police.", ()),
    "complaint": ("cv:Complaint", "Privacy groups complain about {company}",
                  "A joint complaint lodged with the data-protection authority.", ()),
    "lawsuit": ("cv:Lawsuit", "{cso} sues {company}",
                "A civil-rights group went to court against the vendor.", ()),
    "settlement": ("cv:Settlement", "{company} settles with {cso}",
                   "A settlement entered in court between the vendor and civil-rights groups.", ()),
    "term": ("cv:SettlementTerm", "Term {n}: {company} limits its sales",
             "What the vendor must do under the settlement.", ()),
}


# --- Turtle writing ---------------------------------------------------------------------------

_ESC = {ord("\\"): "\\\\", ord('"'): '\\"', ord("\n"): "\\n", ord("\r"): "\\r"}


def lit(text: str, lang: str | None = None) -> str:
    body = '"' + text.translate(_ESC) + '"'
    return body + "@" + lang if lang else body


def typed(lex: str, dt: str) -> str:
    return '"' + lex.translate(_ESC) + '"^^' + dt


class B:
    """A blank node: a list of (predicate, object) pairs, written inline as [ ... ]."""

    __slots__ = ("po",)

    def __init__(self, po: list):
        self.po = po


def _dedupe(objs: list) -> list:
    """The objects without repeats (a repeated triple would be counted twice)."""
    seen: set = set()
    out = []
    for o in objs:
        if isinstance(o, B):
            out.append(o)
        elif o not in seen:
            seen.add(o)
            out.append(o)
    return out


class Writer:
    def __init__(self, path: Path):
        self.handle = open(path, "w", encoding="utf-8", newline="\n", buffering=1 << 20)
        self.triples = 0
        for prefix, ns in PREFIXES.items():
            self.handle.write(f"@prefix {prefix}: <{ns}> .\n")
        self.handle.write("\n")

    def node(self, subject: str, po: list) -> None:
        out = [subject]
        n = 0
        first = True
        for pred, obj in po:
            if obj is None or obj == []:
                continue
            out.append(" " if first else " ;\n    ")
            first = False
            out.append(pred)
            out.append(" ")
            objs = _dedupe(obj) if isinstance(obj, list) else [obj]
            for i, o in enumerate(objs):
                if i:
                    out.append(" ,\n        ")
                if isinstance(o, B):
                    n += self._blank(o, out)
                else:
                    out.append(o)
                    n += 1
        out.append(" .\n")
        self.handle.write("".join(out))
        self.triples += n

    def _blank(self, b: B, out: list) -> int:
        n = 1
        out.append("[ ")
        first = True
        for pred, obj in b.po:
            if obj is None or obj == []:
                continue
            if not first:
                out.append(" ; ")
            first = False
            out.append(pred)
            out.append(" ")
            objs = _dedupe(obj) if isinstance(obj, list) else [obj]
            for i, o in enumerate(objs):
                if i:
                    out.append(" , ")
                if isinstance(o, B):
                    n += self._blank(o, out)
                else:
                    out.append(o)
                    n += 1
        out.append(" ]")
        return n

    def close(self) -> None:
        self.handle.close()


# --- the world --------------------------------------------------------------------------------


def slugify(text: str) -> str:
    out = []
    for ch in text.lower():
        if "a" <= ch <= "z" or "0" <= ch <= "9":
            out.append(ch)
        elif out and out[-1] != "-":
            out.append("-")
    return "".join(out).strip("-")


class Source:
    __slots__ = ("iri", "ident", "lang", "parts", "length", "date", "saga", "outlet", "cites", "quotes")

    def __init__(self, iri: str, ident: str, lang: str, date: tuple, saga: int, outlet: str, cites: list):
        self.iri, self.ident, self.lang, self.date, self.saga = iri, ident, lang, date, saga
        self.parts: list[str] = []
        self.length = 0
        self.outlet = outlet
        self.cites = cites
        self.quotes = 0


class Generator:
    def __init__(self, target: int, seed: int, violations: int, out: Path):
        self.target = target
        self.rng = random.Random(seed)
        self.seed = seed
        self.out = out
        self.corpus = out.with_suffix(".corpus")
        self.w = Writer(out)
        self.counts: dict[str, int] = {}
        self.sources: list[Source] = []
        self.next_source = 1000
        self.made: set[str] = set()  # actor / place / law IRIs already written
        self.names: dict[str, tuple[str, dict]] = {}  # iri -> (English name, {lang: local name})
        self.pending_source_triples = 0
        self.saga = 0
        self.companies: list[tuple[str, str, str, int]] = []  # (iri, tech, db, country index)
        self.posts_of: dict[str, str] = {}  # organisation -> its spokesperson
        self.sample_actor: str | None = None
        # violations: a queue of kinds, placed one per eligible node, spread over the graph
        kinds = list(VIOLATION_KINDS)
        self.violation_queue = [kinds[i % len(kinds)] for i in range(violations)]
        self.violations: list[dict] = []
        self.used_violation_nodes: set[str] = set()
        self.expected_sagas = max(1, target // 700)
        self.ncountries = max(3, min(len(COUNTRIES), 3 + target // 20000))

    # ----- helpers

    def count(self, cls: str, n: int = 1) -> None:
        self.counts[cls] = self.counts.get(cls, 0) + n

    def want_violation(self, kind: str, node: str) -> bool:
        """True (once) when a queued violation of ``kind`` should be injected at ``node``."""
        if kind not in self.violation_queue or node in self.used_violation_nodes:
            return False
        index = len(self.violations)
        total = len(self.violations) + len(self.violation_queue)
        # spread: the i-th violation waits until saga i * (expected sagas / 2) / total
        if kind not in EARLY_KINDS and self.saga < (index * self.expected_sagas) // (2 * max(1, total)):
            return False
        self.violation_queue.remove(kind)
        self.used_violation_nodes.add(node)
        expected = [
            {"focus": node if focus == "node" else "_:blank",
             "shape": SHAPES_NS + shape, "component": SH + comp}
            for focus, shape, comp in VIOLATION_KINDS[kind]
        ]
        self.violations.append({"kind": kind, "node": node, "expected": expected})
        return True

    def pick(self, n: int) -> int:
        """A skewed index in range(n): low indexes are picked more often (hubs)."""
        return min(n - 1, int(n * self.rng.random() ** 2.2))

    def local(self, iri: str, lang: str) -> str:
        name, locals_ = self.names[iri]
        return locals_.get(lang, name)

    def english(self, iri: str) -> str:
        return self.names[iri][0]

    def date(self, year_lo: int = 2015, year_hi: int = 2025) -> tuple[int, int, int]:
        return (self.rng.randint(year_lo, year_hi), self.rng.randint(1, 12), self.rng.randint(1, 28))

    @staticmethod
    def date_term(d: tuple, precision: str) -> str:
        if precision == "day":
            return typed(f"{d[0]:04d}-{d[1]:02d}-{d[2]:02d}", "xsd:date")
        if precision == "month":
            return typed(f"{d[0]:04d}-{d[1]:02d}", "xsd:gYearMonth")
        return typed(f"{d[0]:04d}", "xsd:gYear")

    # ----- places, laws, actors (made when first used)

    def place(self, ci: int) -> str:
        slug, name, local, lang, *_rest, eu = COUNTRIES[ci]
        iri = f"place:{slug}"
        if iri not in self.made:
            self.made.add(iri)
            self.names[iri] = (name, {lang: local})
            within = None
            if eu:
                within = self.eu()
            self.w.node(iri, [("a", "cv:Place"), ("skos:prefLabel", lit(name, "en")),
                              ("skos:altLabel", lit(local, lang) if lang != "en" else None),
                              ("cv:within", within)])
            self.count("Place")
        return iri

    def eu(self) -> str:
        iri = "place:european-union"
        if iri not in self.made:
            self.made.add(iri)
            self.names[iri] = ("European Union", {"de": "Europäische Union", "fr": "Union européenne"})
            self.w.node(iri, [("a", "cv:Place"), ("skos:prefLabel", lit("European Union", "en")),
                              ("skos:altLabel", [lit("EU", "da"), lit("Europäische Union", "de"),
                                                 lit("Union européenne", "fr")])])
            self.count("Place")
        return iri

    def region(self, ci: int, k: int) -> str:
        slug, name, local, lang, *_ = COUNTRIES[ci]
        direction = DIRECTIONS[k % len(DIRECTIONS)]
        suffix = "" if k < len(DIRECTIONS) else f" {k // len(DIRECTIONS) + 1}"
        english = f"{direction} {name}{suffix}"
        iri = f"place:{slugify(english)}"
        if iri not in self.made:
            self.made.add(iri)
            local_name = f"{direction} {local}{suffix}"
            self.names[iri] = (english, {lang: local_name})
            self.w.node(iri, [("a", "cv:Place"), ("skos:prefLabel", lit(english, "en")),
                              ("skos:altLabel", lit(local_name, lang)),
                              ("cv:within", self.place(ci))])
            self.count("Place")
        return iri

    def national_law(self, ci: int) -> str:
        slug, name, local, lang, cur, scheme, eu = COUNTRIES[ci]
        iri = f"law:{slug}-data-protection-act"
        if iri not in self.made:
            self.made.add(iri)
            english = f"Data Protection Act of {name}"
            self.names[iri] = (english, {})
            year = 2000 + (len(slug) * 7) % 19
            bad = self.want_violation("identifier-not-reference-datum", iri)
            ident = (lit(f"{scheme} {year}:{100 + ci}") if bad else
                     B([("a", "cv:ReferenceDatum"), ("rdf:value", lit(f"{scheme} {year}:{100 + ci}")),
                        ("cv:identifierScheme", lit(scheme))]))
            self.w.node(iri, [("a", "cv:Law"), ("skos:prefLabel", lit(english, "en")),
                              ("skos:altLabel", lit(f"{scheme} {year}:{100 + ci}", lang)),
                              ("cv:jurisdiction", self.place(ci)),
                              ("cv:enactedIn", self.date_term((year, 5, 23), ["year", "month", "day"][ci % 3])),
                              ("cv:officialIdentifier", ident)])
            self.count("Law")
        return iri

    def gdpr(self) -> str:
        iri = "law:gdpr"
        if iri not in self.made:
            self.made.add(iri)
            self.names[iri] = ("General Data Protection Regulation (GDPR)", {})
            self.w.node(iri, [("a", "cv:Law"),
                              ("skos:prefLabel", lit("General Data Protection Regulation (GDPR)", "en")),
                              ("skos:altLabel", [lit("GDPR", "en"), lit("DSGVO", "de"), lit("RGPD", "fr"),
                                                 lit("AVG", "nl"), lit("RODO", "pl")]),
                              ("cv:jurisdiction", self.eu()),
                              ("cv:enactedIn", typed("2016-04-27", "xsd:date")),
                              ("cv:officialIdentifier", B([
                                  ("a", "cv:ReferenceDatum"),
                                  ("rdf:value", lit("http://data.europa.eu/eli/reg/2016/679/oj")),
                                  ("cv:identifierScheme", lit("ELI"))]))])
            self.count("Law")
        return iri

    def biometric_law(self, ci: int, k: int) -> str:
        region = self.region(ci, k)
        iri = "law:" + region.split(":", 1)[1] + "-biometric-privacy-act"
        if iri not in self.made:
            self.made.add(iri)
            english = f"{self.english(region)} Biometric Information Privacy Act"
            self.names[iri] = (english, {})
            self.w.node(iri, [("a", "cv:Law"), ("skos:prefLabel", lit(english, "en")),
                              ("skos:altLabel", lit("BIPA " + self.english(region), "en")),
                              ("cv:jurisdiction", region),
                              ("cv:enactedIn", typed(str(2005 + k % 15), "xsd:gYear")),
                              ("cv:officialIdentifier", B([
                                  ("a", "cv:ReferenceDatum"), ("rdf:value", lit(f"740 ILCS {14 + k}")),
                                  ("cv:identifierScheme", lit("ILCS"))]))])
            self.count("Law")
        return iri

    def org(self, kind: str, cls: str, ci: int, k: int = 0, extra: list | None = None,
            source: Source | None = None) -> str:
        """A public body or group of country ``ci``: kind in dpa, police, gov, ministry, court,
        leg, cso, outlet."""
        slug, name, local, lang, *_ = COUNTRIES[ci]
        if kind in ("police", "court"):
            region = self.region(ci, k % (2 + len(DIRECTIONS)))
            r_en, r_local = self.english(region), self.local(region, lang)
            unit = f", Unit {k // (2 + len(DIRECTIONS)) + 1}" if k >= 2 + len(DIRECTIONS) else ""
            english = (f"{r_en} Police{unit}" if kind == "police" else f"District Court of {r_en}{unit}")
            local_name = LOCAL_ORG[lang][kind].format(c=local, r=r_local) + unit
        elif kind in ("cso", "outlet"):
            names = CSO_NAMES if kind == "cso" else [f"{{c}} {o}" for o in OUTLET_NAMES]
            english = names[k % len(names)].format(c=name)
            if k >= len(names):
                english += f" {k // len(names) + 1}"
            local_name = english
        else:
            english = {"dpa": f"{name} Data Protection Authority", "gov": f"Government of {name}",
                       "ministry": f"Ministry of Justice of {name}", "leg": f"Parliament of {name}"}[kind]
            if k:
                english += f" ({k + 1})"
            local_name = LOCAL_ORG[lang][kind].format(c=local, r=local)
        iri = "ido:" + slugify(english)
        if iri in self.made:
            return iri
        self.made.add(iri)
        self.names[iri] = (english, {lang: local_name})
        po = [("a", cls), ("skos:prefLabel", lit(english, "en")),
              ("skos:altLabel", [lit(local_name, lang)] + ([lit(english.split(" ")[0], "en")] if kind == "dpa" else []))]
        if self.want_violation("based-in-not-place", iri):
            po.append(("cv:basedIn", self.gdpr()))
        else:
            po.append(("cv:basedIn", self.place(ci)))
        if extra:
            po += extra
        if kind == "police" and source is not None:
            # police are part of the ministry; the link is backed by a quote on the police node
            ministry = self.org("ministry", "cv:Government", ci)
            po.append(("org:subOrganizationOf", ministry))
            po += self.provenance(source_list=[source], a=iri, b=ministry)
        self.w.node(iri, po)
        self.count(cls.split(":")[1])
        return iri

    def platform(self, k: int) -> str:
        name = PLATFORMS[k % len(PLATFORMS)] + ("" if k < len(PLATFORMS) else f" {k // len(PLATFORMS) + 1}")
        iri = "ido:" + slugify(name)
        if iri not in self.made:
            self.made.add(iri)
            self.names[iri] = (name, {})
            self.w.node(iri, [("a", "cv:SocialMediaPlatform"), ("skos:prefLabel", lit(name, "en")),
                              ("skos:altLabel", [lit(name, "nl"), lit(name, "sv")]),
                              ("cv:basedIn", self.place(9 if self.ncountries > 9 else 0))])
            self.count("SocialMediaPlatform")
        return iri

    def person_with_post(self, organisation: str, lang: str, source: Source, title_index: int) -> str:
        """A person who holds a post in ``organisation`` (the post quoted from ``source``)."""
        key = organisation
        if key in self.posts_of:
            return self.posts_of[key]
        first, last = self.rng.choice(FIRST), self.rng.choice(LAST)
        name = f"{first} {last}"
        person = f"idp:{slugify(name)}-{len(self.posts_of) + 1}"
        post = f"post:{organisation.split(':', 1)[1]}-{slugify(TITLES['en'][title_index])}"
        self.names[person] = (name, {})
        held = self.date(2016, 2024)
        mismatch = self.want_violation("post-holder-mismatch", post)
        self.w.node(person, [("a", "cv:Person"), ("skos:prefLabel", lit(name, "en")),
                             ("org:holds", None if mismatch else post)])
        title = TITLES[lang][title_index]
        label = f"{TITLES['en'][title_index].capitalize()}, {self.english(organisation)}"
        po = [("a", "cv:Post"), ("skos:prefLabel", lit(label, "en")),
              ("cv:title", [lit(title, lang)] + ([lit(TITLES["en"][title_index], "en")] if lang != "en" else [])),
              ("org:heldBy", person), ("org:postIn", organisation),
              ("cv:heldAt", self.date_term(held, ["day", "month", "year"][title_index % 3]))]
        po += self.provenance([source], a=name, b=organisation)
        self.w.node(post, po)
        self.count("Person")
        self.count("Post")
        self.posts_of[key] = person
        return person

    # ----- sources and quotes

    def new_source(self, lang: str, saga_date: tuple) -> Source:
        ident = str(self.next_source)
        self.next_source += 1
        outlets = [self.org("outlet", "cv:NewsOutlet", self.lang_country(lang), self.pick(2 + self.saga // 40))]
        cites = []
        if self.rng.random() < 0.5:
            cites.append(self.org("outlet", "cv:NewsOutlet", self.rng.randrange(self.ncountries),
                                  self.pick(2 + self.saga // 40)))
        y, m, d = saga_date
        date = (min(2026, y + self.rng.randint(0, 1)), self.rng.randint(1, 12), self.rng.randint(1, 28))
        s = Source(f"src:{ident}", ident, lang, date, self.saga, outlets[0], cites)
        heading = f"{LANG_NAMES[lang]} article {ident}. {self.rng.choice(FILLER[lang])}\n"
        s.parts.append(heading)
        s.length = len(heading)
        self.sources.append(s)
        self.pending_source_triples += 14 + len(cites)
        return s

    def lang_country(self, lang: str) -> int:
        for i in range(self.ncountries):
            if COUNTRIES[i][3] == lang:
                return i
        return 0

    def quote(self, source: Source, a: str, b: str, wrong_lang: bool = False,
              bad_length: bool = False) -> B:
        """Append a sentence to the source's text and return the derivation quoting it."""
        lang = source.lang
        frame = self.rng.randrange(len(FRAMES["en"]))
        n = self.rng.randint(2, 5000)
        d = f"{source.date[0] - 1:04d}-{source.date[1]:02d}-{source.date[2]:02d}"
        a_local = self.local(a, lang) if a in self.names else a
        b_local = self.local(b, lang) if b in self.names else b
        a_en = self.english(a) if a in self.names else a
        b_en = self.english(b) if b in self.names else b
        text = FRAMES[lang][frame].format(a=a_local, b=b_local, n=n, d=d)
        if self.rng.random() < 0.3:
            filler = self.rng.choice(FILLER[lang]) + " "
            source.parts.append(filler)
            source.length += len(filler)
        start = source.length
        source.parts.append(text + ("\n" if self.rng.random() < 0.2 else " "))
        source.length += len(source.parts[-1])
        source.quotes += 1
        end = start + len(text) + (1 if bad_length else 0)
        tag = lang
        if wrong_lang:
            tag = next(x for x in FRAMES if x not in (lang, "en"))
        po = [("a", "prov:Derivation"), ("prov:entity", source.iri), ("cv:quote", lit(text, tag)),
              ("cv:quoteStart", str(start)), ("cv:quoteEnd", str(end))]
        if lang != "en":
            po.append(("cv:translation", lit(FRAMES["en"][frame].format(a=a_en, b=b_en, n=n, d=d), "en")))
        if source.cites and self.rng.random() < 0.3:
            po.append(("cv:reportedVia", source.cites[0]))
        self.count("Derivation")
        return B(po)

    def provenance(self, source_list: list[Source], a: str, b: str, node: str | None = None) -> list:
        """prov:wasDerivedFrom + one quote per source (a few get two); node: for violations."""
        wrong = bad_len = False
        if node is not None:
            cand = [s for s in source_list if s.lang != "en" and s.iri not in self.used_violation_nodes]
            if cand and self.want_violation("quote-wrong-language", cand[0].iri):
                wrong = cand[0].iri
            cand = [s for s in source_list if s.iri not in self.used_violation_nodes]
            if cand and self.want_violation("quote-length-mismatch", cand[0].iri):
                bad_len = cand[0].iri
        derivations = []
        for s in source_list:
            derivations.append(self.quote(s, a, b, wrong_lang=(wrong == s.iri), bad_length=(bad_len == s.iri)))
            if self.rng.random() < 0.15:
                derivations.append(self.quote(s, b, a))
        listed = [s.iri for s in source_list]
        if node is not None and "provenance-mismatch" in self.violation_queue:
            # list a source that is not quoted (one of this saga's, or an earlier one)
            extra = next((s.iri for s in self.sources if s.iri not in listed), None)
            if extra is not None and self.want_violation("provenance-mismatch", node):
                listed = listed + [extra]
        return [("prov:wasDerivedFrom", listed), ("prov:qualifiedDerivation", derivations)]

    def write_sources(self) -> None:
        self.corpus.mkdir(parents=True, exist_ok=True)
        for s in self.sources:
            tail = self.rng.choice(FILLER[s.lang]) + "\n"
            s.parts.append(tail)
            text = "".join(s.parts)
            data = text.encode("utf-8")
            digest = hashlib.sha256(data).hexdigest()
            file_name = f"{s.ident}_{hashlib.sha256(s.iri.encode()).hexdigest()[:16]}.txt"
            (self.corpus / file_name).write_bytes(data)
            bad_sha = self.want_violation("bad-sha256", s.iri) if self.violation_queue else False
            y, m, d = s.date
            bounded = int(s.ident) % 5 == 0
            date_po = ([("cv:publishedNotBefore", typed(f"{y:04d}-{m:02d}", "xsd:gYearMonth")),
                        ("cv:publishedNotAfter", typed(f"{y:04d}", "xsd:gYear"))] if bounded else
                       [("cv:publicationDate", self.date_term(s.date, ["day", "month", "year"][int(s.ident) % 3]))])
            inferred = int(s.ident) % 2 == 0
            self.w.node(s.iri, [
                ("a", "cv:SourceArticle"), ("dcterms:identifier", lit(s.ident)),
                ("cv:fileName", lit(file_name)),
                ("cv:sha256", lit(digest.upper() if bad_sha else digest)),
                ("dcterms:language", typed(s.lang, "xsd:language")),
                ("dcterms:title", lit(f"{LANG_NAMES[s.lang]} article {s.ident} on saga {s.saga}", s.lang)),
                ("skos:prefLabel", lit(f"Source {s.ident} ({LANG_NAMES[s.lang]})", "en")),
                *date_po,
                ("cv:publicationDateClue", lit("Synthetic: the date line of the page.", "en")),
                ("dcterms:publisher", s.outlet),
                ("cv:publisherInferred", "true" if inferred else "false"),
                ("cv:publisherClue", lit("Synthetic: the page's masthead.", "en") if inferred else None),
                ("cv:cites", s.cites or None),
            ])
            self.count("SourceArticle")

    # ----- actions

    def action(self, iri: str, cls: str, label: str, description: str, sources: list[Source],
               a: str, b: str, po: list, kind_violations: tuple = ()) -> None:
        """Write an action with label, description, provenance and the given properties."""
        head = [("a", cls)]
        if "two-action-kinds" in kind_violations and self.want_violation("two-action-kinds", iri):
            head = [("a", [cls, "cv:Use"])]
        if "missing-english-label" in kind_violations and self.want_violation("missing-english-label", iri):
            head.append(("skos:altLabel", lit(label, "en")))
        else:
            head.append(("skos:prefLabel", lit(label, "en")))
        if "missing-description" in kind_violations and self.want_violation("missing-description", iri):
            pass
        else:
            head.append(("dcterms:description", lit(description, "en")))
        if "bad-status" in kind_violations and self.want_violation("bad-status", iri):
            po = [(p, "cvv:rumoured" if p == "cv:status" else o) for p, o in po]
        if "date-not-a-date" in kind_violations and self.want_violation("date-not-a-date", iri):
            po = [(p, lit("some time ago", "en") if p == "cv:date" else o) for p, o in po]
        self.w.node(iri, head + po + self.provenance(sources, a, b, node=iri))
        self.count(cls.split(":")[1])

    def emit(self, kind: str, iri: str, sources: list[Source], a: str, b: str, po: list, **names) -> None:
        """Write an action of ``kind`` (see ACTIONS); ``names`` fill its label and description:
        an IRI stands for its English name, anything else for itself."""
        cls, label, description, kind_violations = ACTIONS[kind]
        words = {k: self.english(v) if isinstance(v, str) and v in self.names else v for k, v in names.items()}
        self.action(iri, cls, label.format(**words), description.format(**words), sources, a, b, po,
                    kind_violations)

    def money(self, value: float, currency: str, lang: str, hedge: bool, equivalent: bool,
              bad_currency: bool = False) -> B:
        po = [("a", "schema:MonetaryAmount"), ("schema:value", f"{value:.1f}"),
              ("schema:currency", lit("BGN" if bad_currency else currency))]
        if hedge:
            po.append(("cv:qualifier", lit(self.rng.choice(HEDGES[lang]), lang)))
        if equivalent and currency != "EUR":
            po.append(("cv:equivalentAmount", B([("a", "schema:MonetaryAmount"),
                                                 ("schema:value", f"{value * 1.1:.1f}"),
                                                 ("schema:currency", lit("EUR"))])))
        return B(po)

    def saga_units(self):
        """Yield once per action written: the caller stops when the budget is spent."""
        rng = self.rng
        s = self.saga
        tag = f"s{s:05d}"
        # the vendor: often one seen before (hubs), else a new one
        if self.companies and rng.random() < 0.35:
            company, tech, db, home = self.companies[self.pick(len(self.companies))]
        else:
            home = rng.randrange(self.ncountries)
            name = f"{rng.choice(VENDOR_A)}{rng.choice(VENDOR_B)}"
            if len(self.companies) >= 10 or "ido:" + slugify(name) in self.made:
                name = f"{name} {len(self.companies) + 1}"
            company = "ido:" + slugify(name)
            tech = "tech:" + slugify(name) + "-search"
            db = "tech:" + slugify(name) + "-database"
            self.companies.append((company, tech, db, home))
            self.names[company] = (name, {})
            self.names[tech] = (f"{name} face search", {})
            self.names[db] = (f"{name} face database", {})
            self.made.add(company)
            based = self.place(home)
            if self.want_violation("based-in-not-place", company):
                based = tech
            self.w.node(company, [("a", "cv:Company"), ("skos:prefLabel", lit(name, "en")),
                                  ("skos:altLabel", [lit(name, COUNTRIES[home][3]), lit(name.split(" ")[0], "en")]),
                                  ("dcterms:description", lit(f"Synthetic vendor of facial recognition, number {len(self.companies)}.", "en")),
                                  ("cv:basedIn", based)])
            self.w.node(tech, [("a", "cv:Technology"), ("skos:prefLabel", lit(f"{name} face search", "en")),
                               ("skos:altLabel", lit("ansigtsgenkendelse", "da")), ("cv:developedBy", company)])
            self.w.node(db, [("a", "cv:Database"), ("skos:prefLabel", lit(f"{name} face database", "en")),
                             ("skos:altLabel", lit("gezichtendatabase", "nl")), ("cv:developedBy", company)])
            self.count("Company")
            self.count("Technology")
            self.count("Database")
        if self.sample_actor is None:
            self.sample_actor = company
        countries = sorted({rng.randrange(self.ncountries) for _ in range(rng.randint(1, 3))} | {home})
        langs = sorted({COUNTRIES[c][3] for c in countries} | {"en"})
        year = rng.randint(2016, 2024)
        saga_date = (year, rng.randint(1, 12), rng.randint(1, 28))
        srcs = [self.new_source(lang, saga_date) for lang in langs]
        while len(srcs) < 2 + (s % 3):
            srcs.append(self.new_source(rng.choice(langs), saga_date))
        self.saga_sources = srcs

        def some(k: int = 2) -> list[Source]:
            return rng.sample(srcs, min(len(srcs), rng.randint(1, k)))

        # 1. scraping from platforms
        platforms = sorted({self.platform(self.pick(3 + s // 50)) for _ in range(rng.randint(1, 3))})
        self.emit("scraping", f"act:{tag}-scraping", some(), company, platforms[0],
                  [("cv:agent", company), ("cv:scrapedFrom", platforms), ("cv:technology", db),
                   ("cv:status", rng.choice(["cvv:confirmed", "cvv:alleged"])),
                   ("cv:date", self.date_term((year - 1, 1, 1), "year"))], company=company)
        yield

        # 2. per country: proposed fine -> fine (+ disagreement), order, investigation
        for ci in countries:
            cslug, cname, clocal, clang, cur, *_ = COUNTRIES[ci]
            dpa = self.org("dpa", "cv:DataProtectionAuthority", ci, self.pick(1 + s // 150))
            law = self.national_law(ci)
            amount = float(rng.randrange(100_000, 30_000_000, 1000))
            d1 = (year, rng.randint(1, 12), rng.randint(1, 28))
            proposed = f"act:{tag}-{cslug}-proposed-fine"
            fine = f"act:{tag}-{cslug}-fine"
            lang_srcs = [x for x in srcs if x.lang == clang] or srcs
            bad_cur = self.want_violation("currency-not-iso", proposed)
            self.emit("proposed-fine", proposed, lang_srcs[:1], dpa, company,
                      [("cv:agent", dpa), ("cv:target", company), ("cv:law", law),
                       ("cv:jurisdiction", self.place(ci)),
                       ("cv:amount", self.money(amount, cur, clang, True, True, bad_currency=bad_cur)),
                       ("cv:date", self.date_term(d1, "day")), ("cv:status", "cvv:provisional"),
                       ("cv:expectedDecision", self.date_term((year + 1, d1[1], 1), "month")),
                       ("cv:finding", lit("Had no lawful basis for processing biometric data", "en"))],
                      dpa=dpa, company=company, country=cname)
            yield
            fine_agent = company if self.want_violation("fine-agent-not-public-body", fine) else dpa
            no_amount = self.want_violation("fine-without-amount", fine)
            resolved = lang_srcs[0]
            phrase_lang = resolved.lang
            self.emit("fine", fine, some(), dpa, company,
                      [("cv:agent", fine_agent), ("cv:target", company), ("cv:law", law),
                       ("cv:jurisdiction", self.place(ci)),
                       ("cv:amount", None if no_amount else self.money(amount * rng.choice([1, 0.9, 1.0]), cur, clang, rng.random() < 0.4, rng.random() < 0.5)),
                       ("cv:date", self.date_term((resolved.date[0] - 1, 1, 1), "year")),
                       ("cv:datePhrase", lit(PHRASES[phrase_lang]["year"], phrase_lang)),
                       ("cv:dateResolvedFrom", resolved.iri),
                       ("cv:status", rng.choice(["cvv:imposed", "cvv:final", "cvv:appealed"])),
                       ("cv:supersedes", proposed),
                       ("cv:editorialNote", lit("Linked to the proposed fine by the editors.", "en"))],
                      dpa=dpa, company=company, country=cname)
            yield
            if len(srcs) >= 2:
                v1, v2 = rng.sample(srcs, 2)
                aspect = rng.choice(["cvv:amount", "cvv:status", "cvv:date"])
                versions = []
                for v, claim in ((v1, "Provisional, a proposed fine"), (v2, "Imposed, a final fine")):
                    versions.append(B([("a", "cv:Version"), ("cv:claim", lit(f"{claim} of {amount:,.0f} {cur}.", "en")),
                                       *self.provenance([v], dpa, company)]))
                    self.count("Version")
                self.w.node(f"cfl:{tag}-{cslug}-fine", [
                    ("a", "cv:Disagreement"),
                    ("skos:prefLabel", lit(f"{aspect.split(':')[1].capitalize()} of the fine in {cname}", "en")),
                    ("dcterms:description", lit("Two sources give different versions of the fine.", "en")),
                    ("cv:about", [proposed, fine]), ("cv:aspect", aspect), ("cv:version", versions)])
                self.count("Disagreement")
                yield
            self.emit("order", f"act:{tag}-{cslug}-order", some(), dpa, company,
                      [("cv:agent", dpa), ("cv:target", company), ("cv:jurisdiction", self.place(ci)),
                       ("cv:technology", db), ("cv:status", rng.choice(["cvv:final", "cvv:imposed"])),
                       ("cv:duration", typed(f"P{rng.randint(1, 5)}Y", "xsd:duration")),
                       ("cv:date", self.date_term(d1, "month"))],
                      dpa=dpa, company=company, country=cname)
            yield
            self.emit("investigation", f"act:{tag}-{cslug}-investigation", some(), dpa, company,
                      [("cv:agent", dpa), ("cv:target", company),
                       ("cv:status", rng.choice(["cvv:pending", "cvv:ended"])),
                       ("cv:disclosedIn", self.date_term((year - 1, 6, 1), "year"))],
                      dpa=dpa, company=company)
            yield

            # 3. police uses, trials, denials, decisions
            for u in range(rng.randint(1, 3)):
                police = self.org("police", "cv:LawEnforcementAgency", ci, self.pick(3 + s // 25), source=some(1)[0])
                use = f"act:{tag}-{cslug}-use-{u}"
                trial = f"act:{tag}-{cslug}-trial-{u}"
                self.emit("trial", trial, some(), police, company,
                          [("cv:agent", police), ("cv:target", company), ("cv:technology", tech),
                           ("cv:status", "cvv:ended"), ("cv:count", str(rng.randint(5, 500))),
                           ("cv:countUnit", lit("searches", "en")),
                           ("cv:date", self.date_term((year - 1, rng.randint(1, 12), 1), "month"))],
                          police=police, tech=tech)
                yield
                count = (lit("dozens", "en") if self.want_violation("count-not-integer", use)
                         else str(rng.randint(10, 5000)))
                denied = rng.random() < 0.4
                self.emit("use", use, some(), police, company,
                          [("cv:agent", police), ("cv:target", company), ("cv:technology", tech),
                           ("cv:jurisdiction", self.place(ci)),
                           ("cv:status", "cvv:denied" if denied else rng.choice(["cvv:confirmed", "cvv:alleged"])),
                           ("cv:count", count), ("cv:countMin", str(rng.randint(1, 9))),
                           ("cv:qualifier", lit(rng.choice(HEDGES[clang]), clang)),
                           ("cv:countUnit", lit("searches", "en")),
                           ("cv:purpose", lit("Identifying suspects from pictures", "en")),
                           ("cv:date", self.date_term((year, rng.randint(1, 12), rng.randint(1, 28)), rng.choice(["day", "month"])))],
                          police=police, tech=tech)
                yield
                if denied:
                    src = some(1)[0]
                    speaker = self.person_with_post(police, src.lang, src, 1)
                    no_denies = self.want_violation("denial-without-denies", f"act:{tag}-{cslug}-denial-{u}")
                    month = MONTHS[src.lang][src.date[1] - 1]
                    self.emit("denial", f"act:{tag}-{cslug}-denial-{u}", [src], police, company,
                              [("cv:agent", police), ("cv:spokesperson", speaker),
                               ("cv:denies", None if no_denies else use), ("cv:contradictedBy", trial),
                               ("cv:recipient", src.outlet),
                               ("cv:date", self.date_term((src.date[0], src.date[1], 1), "month")),
                               ("cv:datePhrase", lit(PHRASES[src.lang]["month"].format(m=month), src.lang)),
                               ("cv:dateResolvedFrom", src.iri)],
                              police=police, tech=tech)
                    yield
                if rng.random() < 0.5:
                    self.emit("decision", f"act:{tag}-{cslug}-decision-{u}", some(), dpa, police,
                              [("cv:agent", dpa), ("cv:target", police), ("cv:law", law),
                               ("cv:regarding", use), ("cv:finding", lit("Processing of biometric data without legal basis", "en")),
                               ("cv:status", rng.choice(["cvv:final", "cvv:appealed", "cvv:overturned"])),
                               ("cv:date", self.date_term((year + 1, rng.randint(1, 12), rng.randint(1, 28)), "day"))],
                              dpa=dpa)
                    yield
            # a government use now and then (as Ukraine's)
            if rng.random() < 0.2:
                gov = self.org("gov", "cv:Government", ci)
                self.emit("government-use", f"act:{tag}-{cslug}-government-use", some(), gov, company,
                          [("cv:agent", gov), ("cv:target", company), ("cv:technology", tech),
                           ("cv:status", "cvv:confirmed"), ("cv:date", self.date_term((year, 3, 1), "month"))],
                          gov=gov, tech=tech)
                yield

        # 4. the vendor speaks: statement, business commitment
        src = some(1)[0]
        speaker = self.person_with_post(company, src.lang, src, 3)
        self.emit("statement", f"act:{tag}-statement", [src], company, src.outlet,
                  [("cv:agent", company), ("cv:spokesperson", speaker), ("cv:recipient", src.outlet),
                   ("cv:regarding", f"act:{tag}-{COUNTRIES[countries[0]][0]}-fine"),
                   ("cv:date", self.date_term(src.date, "day"))],
                  company=company)
        yield
        self.emit("commitment", f"act:{tag}-commitment", some(), company, tech,
                  [("cv:agent", company), ("cv:technology", tech), ("cv:status", "cvv:planned"),
                   ("cv:date", self.date_term((year + 1, 1, 1), "year"))],
                  company=company)
        yield

        # 5. civil society: call to action, complaint by a coalition, lawsuit and settlement
        ci = countries[-1]
        cso1 = self.org("cso", "cv:CivilSocietyOrganisation", ci, self.pick(2 + s // 60))
        cso2 = self.org("cso", "cv:CivilSocietyOrganisation", ci, self.pick(2 + s // 60) + 1)
        leg = self.org("leg", "cv:Legislature", ci)
        self.emit("call", f"act:{tag}-call", some(), leg, cso1,
                  [("cv:agent", leg), ("cv:recipient", self.org("gov", "cv:Government", ci)),
                   ("cv:regarding", tech), ("cv:jurisdiction", self.place(ci)),
                   ("cv:date", self.date_term((year, 1, 1), "year"))],
                  legislature=leg)
        yield
        coalition = f"ido:{tag}-coalition"
        self.names[coalition] = (f"Coalition of privacy groups against {self.english(company)}", {})
        src = some(1)[0]
        self.w.node(coalition, [("a", "cv:Coalition"), ("skos:prefLabel", lit(self.english(coalition), "en")),
                                ("cv:member", sorted({cso1, cso2})),
                                *self.provenance([src], cso1, cso2)])
        self.count("Coalition")
        eu_c = [c for c in countries if COUNTRIES[c][6]]
        complaint_dpa = self.org("dpa", "cv:DataProtectionAuthority", eu_c[0] if eu_c else ci)
        self.emit("complaint", f"act:{tag}-complaint", some(), coalition, company,
                  [("cv:agent", coalition), ("cv:target", company), ("cv:recipient", complaint_dpa),
                   ("cv:law", self.gdpr() if eu_c else self.national_law(ci)), ("cv:status", "cvv:pending"),
                   ("cv:date", self.date_term((year, rng.randint(1, 12), rng.randint(1, 28)), "day"))],
                  company=company)
        yield
        k = self.pick(4 + s // 100)
        court = self.org("court", "cv:Court", ci, k)
        bio_law = self.biometric_law(ci, k % (2 + len(DIRECTIONS)))
        lawsuit = f"act:{tag}-lawsuit"
        self.emit("lawsuit", lawsuit, some(), cso1, company,
                  [("cv:agent", cso1), ("cv:target", company), ("cv:court", court), ("cv:law", bio_law),
                   ("cv:technology", db), ("cv:status", "cvv:pending"),
                   ("cv:date", self.date_term((year, rng.randint(1, 12), 1), "month"))],
                  cso=cso1, company=company)
        yield
        settlement = f"act:{tag}-settlement"
        one_party = self.want_violation("settlement-one-party", settlement)
        src = some(1)[0]
        self.emit("settlement", settlement, some(), company, cso1,
                  [("cv:party", [company] if one_party else [company, cso1, cso2] if cso2 != cso1 else [company, cso1]),
                   ("cv:court", court), ("cv:law", bio_law), ("cv:status", "cvv:agreed"),
                   ("cv:supersedes", lawsuit),
                   ("cv:date", self.date_term((year + 1, src.date[1], 1), "month")),
                   ("cv:datePhrase", lit(PHRASES[src.lang]["month"].format(m=MONTHS[src.lang][src.date[1] - 1]), src.lang)),
                   ("cv:dateResolvedFrom", src.iri)],
                  company=company, cso=cso1)
        yield
        for t in range(rng.randint(2, 3)):
            term = f"act:{tag}-term-{t}"
            no_of = self.want_violation("term-without-settlement", term)
            self.emit("term", term, some(), company, cso1,
                      [("cv:termOf", None if no_of else settlement), ("cv:agent", company),
                       ("cv:technology", [tech, db] if t == 0 else tech), ("cv:status", "cvv:agreed"),
                       ("cv:permanent", "true") if t == 0 else ("cv:duration", typed("P5Y", "xsd:duration")),
                       ("cv:amount", self.money(float(rng.randrange(50_000, 5_000_000, 500)), "USD", "en", False, False)) if t == 2 else ("cv:jurisdiction", self.place(ci))],
                      n=t + 1, company=company)
            yield

    def run(self) -> None:
        started = time.time()
        self.saga_sources: list[Source] = []
        done = False
        while not done:
            for _ in self.saga_units():
                if self.budget_spent():
                    done = True
                    break
            self.saga += 1
        self.write_sources()
        self.w.close()
        if self.violation_queue:
            raise SystemExit(f"could not place violations: {self.violation_queue}")
        self.seconds = time.time() - started

    def budget_spent(self) -> bool:
        if self.w.triples + self.pending_source_triples < self.target:
            return False
        return all(kind in END_KINDS for kind in self.violation_queue)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--triples", type=float, required=True, help="target number of triples (e.g. 1e5)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--violations", type=int, default=0, help="inject K known violations")
    parser.add_argument("--out", required=True, help="output Turtle file (FILE.ttl)")
    args = parser.parse_args(argv)
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    gen = Generator(int(args.triples), args.seed, args.violations, out)
    gen.run()
    meta = {
        "generator_version": GENERATOR_VERSION,
        "target": int(args.triples),
        "triples": gen.w.triples,
        "seed": args.seed,
        "violations": args.violations,
        "sagas": gen.saga,
        "sources": len(gen.sources),
        "counts": dict(sorted(gen.counts.items())),
        "sample_actor": PREFIXES["ido"] + gen.sample_actor.split(":", 1)[1],
        "turtle": out.name,
        "corpus": gen.corpus.name,
        "seconds": round(gen.seconds, 3),
    }
    out.with_suffix(".meta.json").write_text(json.dumps(meta, indent=2) + "\n")
    out.with_suffix(".violations.json").write_text(json.dumps(
        {"turtle": out.name, "violations": [
            {**v, "node": _full(v["node"]),
             "expected": [{**e, "focus": _full(e["focus"])} for e in v["expected"]]}
            for v in gen.violations]}, indent=2, ensure_ascii=False) + "\n")
    print(f"{out}: {gen.w.triples} triples ({gen.saga} sagas, {len(gen.sources)} sources, "
          f"{len(gen.violations)} violations) in {gen.seconds:.1f} s", file=sys.stderr)
    return 0


def _full(name: str) -> str:
    if name.startswith("_:"):
        return name
    prefix, _, local = name.partition(":")
    return PREFIXES[prefix] + local if prefix in PREFIXES else name


if __name__ == "__main__":
    sys.exit(main())
