"""Files shipped with clearview_kg.core: the vendored cytoscape.min.js (MIT, see
LICENSE-cytoscape.txt) and the JSON-LD context published at
https://w3id.org/clearview-kg/context.jsonld."""
