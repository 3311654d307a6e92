/* clearview-kg network page: cytoscape.js over the data embedded in #cv-data.
 *
 * Untrusted strings (labels, quotes, descriptions) only ever reach the page through
 * textContent or cytoscape's canvas labels; nothing is parsed as HTML. The page makes no
 * request: everything it needs is inline.
 *
 * #cv-status carries data-* attributes that tests read after the layout has finished:
 * data-ready, data-nodes (nodes in cytoscape), data-actors (actors in the data),
 * data-visible-nodes, data-edges, data-visible-edges, data-matches, data-errors.
 * The URL fragment may preset the page: #search=TEXT&select=IRI&from=YYYY&to=YYYY.
 */
(function () {
  "use strict";

  var status = document.getElementById("cv-status");
  var errors = 0;
  window.addEventListener("error", function () {
    errors += 1;
    status.setAttribute("data-errors", String(errors));
  });

  var DATA = JSON.parse(document.getElementById("cv-data").textContent);

  // --- small DOM helpers (textContent only) ---------------------------------------------------
  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    if (attrs) {
      Object.keys(attrs).forEach(function (key) {
        if (key === "text") node.textContent = attrs[key];
        else if (key === "class") node.className = attrs[key];
        else if (key === "style") Object.keys(attrs.style).forEach(function (p) { node.style[p] = attrs.style[p]; });
        else node.setAttribute(key, attrs[key]);
      });
    }
    (children || []).forEach(function (child) {
      if (child === null || child === undefined) return;
      node.appendChild(typeof child === "string" ? document.createTextNode(child) : child);
    });
    return node;
  }
  function clear(node) { while (node.firstChild) node.removeChild(node.firstChild); }
  function fold(text) {
    return String(text).normalize("NFKD").replace(/[\u0300-\u036f]/g, "")
      .replace(/[\u2018\u2019\u02bc`\u00b4]/g, "'").toLowerCase().replace(/\s+/g, " ").trim();
  }

  // --- indexes ---------------------------------------------------------------------------------
  var actorById = {};
  DATA.nodes.forEach(function (n) { actorById[n.id] = n; });
  var actionTypeColour = {};
  DATA.actionTypes.forEach(function (t) { actionTypeColour[t.name] = t.colour; });
  var actionsOf = {};  // actor id -> action indexes
  DATA.actions.forEach(function (a, i) {
    Object.keys(a.roles).forEach(function (actor) { (actionsOf[actor] = actionsOf[actor] || []).push(i); });
  });

  // --- cytoscape ---------------------------------------------------------------------------------
  var maxCount = 1;
  DATA.nodes.forEach(function (n) { maxCount = Math.max(maxCount, n.count); });
  var elements = [];
  DATA.nodes.forEach(function (n, i) {
    var angle = 2 * Math.PI * i / DATA.nodes.length;
    elements.push({ group: "nodes", data: { id: n.id, label: n.label, colour: n.colour, size: 16 + 34 * Math.sqrt(n.count / maxCount) },
                    position: { x: 400 * Math.cos(angle), y: 400 * Math.sin(angle) } });
  });
  DATA.edges.forEach(function (e) {
    var action = DATA.actions[e.action];
    elements.push({ group: "edges", data: { id: e.id, source: e.source, target: e.target, action: e.action,
                                            colour: actionTypeColour[action.type] || "#999" } });
  });

  var cy = cytoscape({
    container: document.getElementById("cy"),
    elements: elements,
    style: [
      { selector: "node", style: {
        "background-color": "data(colour)", "label": "data(label)", "width": "data(size)", "height": "data(size)",
        "font-size": 9, "text-wrap": "wrap", "text-max-width": 120, "text-valign": "bottom", "text-margin-y": 2,
        "color": "#222", "text-outline-color": "#fff", "text-outline-width": 2, "border-width": 1, "border-color": "#555" } },
      { selector: "edge", style: { "line-color": "data(colour)", "width": 2, "curve-style": "bezier", "opacity": 0.85 } },
      { selector: ".hidden", style: { "display": "none" } },
      { selector: ".faded", style: { "opacity": 0.15 } },
      { selector: "node.match", style: { "border-width": 4, "border-color": "#000", "font-weight": "bold", "z-index": 10 } },
      { selector: "node:selected", style: { "border-width": 5, "border-color": "#f1c40f" } },
      { selector: "edge:selected", style: { "width": 6, "opacity": 1 } }
    ],
    layout: { name: "preset" }
  });

  function runLayout(done) {
    var box = { x1: 0, y1: 0, w: Math.max(400, cy.width() - 40), h: Math.max(300, cy.height() - 40) };
    var layout = cy.elements(":visible").layout({
      name: "cose", animate: false, randomize: false, fit: true, padding: 20, boundingBox: box,
      nodeRepulsion: function () { return 200000; }, idealEdgeLength: function () { return 80; },
      edgeElasticity: function () { return 100; }, nodeOverlap: 20, componentSpacing: 40,
      gravity: 1, numIter: 2500, nodeDimensionsIncludeLabels: false
    });
    layout.one("layoutstop", function () { if (done) done(); });
    layout.run();
  }

  // --- controls ----------------------------------------------------------------------------------
  var actorTypeBoxes = {}, actionTypeBoxes = {};
  function checkboxList(container, types, boxes, line) {
    types.forEach(function (t) {
      var box = el("input", { type: "checkbox" });
      box.checked = true;
      box.addEventListener("change", applyFilters);
      boxes[t.name] = box;
      container.appendChild(el("label", null, [box, el("span", { "class": "swatch" + (line ? " line" : ""), style: { background: t.colour } }),
                                               el("span", { text: t.label }), el("span", { "class": "count", text: String(t.count) })]));
    });
  }
  checkboxList(document.getElementById("actor-types"), DATA.actorTypes, actorTypeBoxes, false);
  checkboxList(document.getElementById("action-types"), DATA.actionTypes, actionTypeBoxes, true);

  var fromInput = document.getElementById("date-from"), toInput = document.getElementById("date-to");
  var searchInput = document.getElementById("search");
  var DATE = /^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$/;
  function period(text) {  // [first day, last day] of YYYY, YYYY-MM or YYYY-MM-DD, or null
    var m = DATE.exec(text);
    if (!m) return null;
    var y = +m[1], mo = m[2] ? +m[2] : null, d = m[3] ? +m[3] : null;
    function iso(yy, mm, dd) { return String(yy).padStart(4, "0") + "-" + String(mm).padStart(2, "0") + "-" + String(dd).padStart(2, "0"); }
    if (mo === null) return [iso(y, 1, 1), iso(y, 12, 31)];
    if (mo < 1 || mo > 12) return null;
    var last = new Date(Date.UTC(y, mo, 0)).getUTCDate();
    if (d === null) return [iso(y, mo, 1), iso(y, mo, last)];
    if (d < 1 || d > last) return null;
    return [iso(y, mo, d), iso(y, mo, d)];
  }
  function bound(input) {
    var text = input.value.trim();
    if (!text) { input.classList.remove("invalid"); return { ok: true, value: null }; }
    var p = period(text);
    input.classList.toggle("invalid", p === null);
    return { ok: p !== null, value: p };
  }
  [fromInput, toInput].forEach(function (input) { input.addEventListener("input", applyFilters); });

  // --- filtering: the same rules as `cvkg export --actor-type/--action-type/--from/--to` ---
  var visibleActions = [];
  function applyFilters() {
    var from = bound(fromInput), to = bound(toInput);
    var lo = from.ok && from.value ? from.value[0] : null, hi = to.ok && to.value ? to.value[1] : null;
    var dated = lo !== null || hi !== null;
    function actorPasses(id) {
      var types = actorById[id].types;
      for (var i = 0; i < types.length; i++) if (actorTypeBoxes[types[i]] && actorTypeBoxes[types[i]].checked) return true;
      return false;
    }
    visibleActions = DATA.actions.map(function (a) {
      if (!actionTypeBoxes[a.type] || !actionTypeBoxes[a.type].checked) return false;
      if (dated) {
        if (!a.start) return false;             // undated actions are left out when a date is set
        if (lo !== null && a.end < lo) return false;
        if (hi !== null && a.start > hi) return false;
      }
      return Object.keys(a.roles).some(actorPasses);
    });
    var nodeVisible = {};
    // As in core/network.py: with no filter on actions, every actor of a checked type shows,
    // also one that takes part in no action; with one, only the participants of what passes.
    var actionFilter = dated || Object.keys(actionTypeBoxes).some(function (k) { return !actionTypeBoxes[k].checked; });
    if (!actionFilter) DATA.nodes.forEach(function (n) { if (actorPasses(n.id)) nodeVisible[n.id] = true; });
    DATA.actions.forEach(function (a, i) {
      if (!visibleActions[i]) return;
      Object.keys(a.roles).forEach(function (id) { if (actorPasses(id)) nodeVisible[id] = true; });
    });
    cy.batch(function () {
      cy.nodes().forEach(function (n) { n.toggleClass("hidden", !nodeVisible[n.id()]); });
      cy.edges().forEach(function (e) {
        var show = visibleActions[e.data("action")] && nodeVisible[e.data("source")] && nodeVisible[e.data("target")];
        e.toggleClass("hidden", !show);
      });
    });
    applySearch();
    updateStatus();
  }

  // --- search: any label in any language ------------------------------------------------------
  var matchList = document.getElementById("matches");
  var matchCount = 0;
  function applySearch() {
    var q = fold(searchInput.value);
    clear(matchList);
    matchCount = 0;
    cy.batch(function () {
      cy.elements().removeClass("match faded");
      if (!q) return;
      var hits = [];
      DATA.nodes.forEach(function (n) {
        var found = null;
        Object.keys(n.labels).forEach(function (lang) {
          n.labels[lang].forEach(function (label) { if (!found && fold(label).indexOf(q) >= 0) found = { label: label, lang: lang }; });
        });
        if (!found && fold(n.label).indexOf(q) >= 0) found = { label: n.label, lang: "en" };
        if (found) hits.push({ node: n, found: found });
      });
      cy.elements().addClass("faded");
      hits.forEach(function (h) {
        var node = cy.getElementById(h.node.id);
        node.removeClass("faded").addClass("match");
        matchCount += 1;
        var item = el("li", { "data-id": h.node.id }, [el("span", { text: h.node.label }),
          h.found.label !== h.node.label ? el("span", { "class": "alt", lang: h.found.lang || "", text: " \u2190 " + h.found.label + (h.found.lang ? " (" + h.found.lang + ")" : "") }) : null,
          node.hasClass("hidden") ? el("span", { "class": "alt", text: " (hidden by filters)" }) : null]);
        item.addEventListener("click", function () { select(h.node.id); });
        matchList.appendChild(item);
      });
    });
    status.setAttribute("data-matches", String(matchCount));
  }
  searchInput.addEventListener("input", applySearch);
  searchInput.addEventListener("keydown", function (event) {
    if (event.key === "Enter" && matchList.firstChild) select(matchList.firstChild.getAttribute("data-id"));
  });

  // --- details -------------------------------------------------------------------------------
  var details = document.getElementById("details");
  function sourceLine(id) {
    var s = DATA.sources[id];
    if (!s) return "source " + id;
    var bits = ["source " + id];
    if (s.publisher) bits.push(s.publisher);
    if (s.published) bits.push(s.published);
    if (s.language) bits.push(s.language);
    return bits.join(" \u00b7 ") + (s.title ? ": " + s.title : "");
  }
  function actionBlock(a) {
    var roles = a.participants.map(function (pair) {
      return pair[0] + ": " + (actorById[pair[1]] ? actorById[pair[1]].label : pair[1]);
    });
    var block = el("div", { "class": "action", "data-action": a.id }, [
      el("div", { "class": "head" }, [
        el("span", { "class": "chip", style: { background: actionTypeColour[a.type] || "#999" }, text: a.typeLabel }),
        el("span", { "class": "date", text: a.date || "undated" }),
        a.precision ? el("span", { "class": "precision", text: "(" + a.precision + ")" }) : null
      ]),
      el("div", { "class": "label", text: a.label }),
      a.description ? el("div", { "class": "desc", text: a.description }) : null,
      el("div", { "class": "roles", text: roles.join("; ") })
    ]);
    a.quotes.forEach(function (q) {
      var lang = q.lang || "";
      block.appendChild(el("div", { "class": "quote" }, [
        el("div", { "class": "src", text: sourceLine(q.source) }),
        q.quote ? el("blockquote", { lang: lang, text: q.quote }) : null,
        q.translation ? el("div", { "class": "translation", lang: "en", text: q.translation }) : null
      ]));
    });
    if (!a.quotes.length && a.sources.length) {
      block.appendChild(el("div", { "class": "src", text: a.sources.map(sourceLine).join("; ") }));
    }
    return block;
  }
  function showActor(id) {
    var n = actorById[id];
    clear(details);
    details.appendChild(el("h3", { text: n.label }));
    details.appendChild(el("div", { "class": "names", text: n.typeLabels.join(", ") + (n.first ? " \u00b7 " + n.first + (n.last !== n.first ? " \u2013 " + n.last : "") : "") }));
    var names = [];
    Object.keys(n.labels).forEach(function (lang) {
      n.labels[lang].forEach(function (label) { if (label !== n.label) names.push(label + (lang ? " (" + lang + ")" : "")); });
    });
    if (names.length) details.appendChild(el("div", { "class": "names", text: "Also: " + names.join("; ") }));
    details.appendChild(el("div", { "class": "names", text: n.id }));
    var list = (actionsOf[id] || []).filter(function (i) { return visibleActions[i]; });
    details.appendChild(el("h2", { text: list.length + " action" + (list.length === 1 ? "" : "s") }));
    list.forEach(function (i) { details.appendChild(actionBlock(DATA.actions[i])); });
  }
  function showEdge(edge) {
    var a = DATA.actions[edge.data("action")];
    var s = actorById[edge.data("source")], t = actorById[edge.data("target")];
    clear(details);
    details.appendChild(el("h3", { text: s.label + " \u2014 " + t.label }));
    details.appendChild(actionBlock(a));
    var others = cy.edges().filter(function (e) {
      return e !== edge && !e.hasClass("hidden") && ((e.data("source") === s.id && e.data("target") === t.id) || (e.data("source") === t.id && e.data("target") === s.id));
    });
    if (others.length) {
      details.appendChild(el("h2", { text: "Other actions of these two" }));
      others.forEach(function (e) { details.appendChild(actionBlock(DATA.actions[e.data("action")])); });
    }
  }
  function select(id) {
    var node = cy.getElementById(id);
    if (!node || node.empty()) return;
    cy.elements().unselect();
    node.select();
    showActor(id);
    if (!node.hasClass("hidden")) {  // bring it into view only if it is out of view
      var p = node.renderedPosition();
      if (p.x < 0 || p.y < 0 || p.x > cy.width() || p.y > cy.height()) cy.center(node);
    }
  }
  cy.on("tap", "node", function (event) { cy.elements().unselect(); event.target.select(); showActor(event.target.id()); });
  cy.on("tap", "edge", function (event) { cy.elements().unselect(); event.target.select(); showEdge(event.target); });
  cy.on("tap", function (event) {
    if (event.target === cy) {
      clear(details);
      details.appendChild(el("p", { "class": "empty", text: "Click an actor or a link to see its actions, sources and quotes." }));
    }
  });

  document.getElementById("relayout").addEventListener("click", function () { runLayout(); });
  document.getElementById("reset").addEventListener("click", function () {
    Object.keys(actorTypeBoxes).forEach(function (k) { actorTypeBoxes[k].checked = true; });
    Object.keys(actionTypeBoxes).forEach(function (k) { actionTypeBoxes[k].checked = true; });
    fromInput.value = ""; toInput.value = ""; searchInput.value = "";
    applyFilters();
    cy.fit(undefined, 30);
  });

  function updateStatus() {
    var nodes = cy.nodes(":visible").length, edges = cy.edges(":visible").length;
    var actions = visibleActions.filter(Boolean).length;
    document.getElementById("summary").textContent =
      nodes + " of " + DATA.nodes.length + " actors \u00b7 " + actions + " of " + DATA.actions.length + " actions";
    status.setAttribute("data-nodes", String(cy.nodes().length));
    status.setAttribute("data-actors", String(DATA.nodes.length));
    status.setAttribute("data-visible-nodes", String(nodes));
    status.setAttribute("data-edges", String(cy.edges().length));
    status.setAttribute("data-visible-edges", String(edges));
    status.setAttribute("data-actions", String(actions));
  }

  // --- start -----------------------------------------------------------------------------------
  var preset = {};
  (location.hash || "").replace(/^#/, "").split("&").forEach(function (part) {
    var i = part.indexOf("=");
    if (i > 0) {
      try { preset[part.slice(0, i)] = decodeURIComponent(part.slice(i + 1)); } catch (e) { /* ignore a bad fragment */ }
    }
  });
  if (preset.from) fromInput.value = preset.from;
  if (preset.to) toInput.value = preset.to;
  if (preset.search) searchInput.value = preset.search;
  applyFilters();
  runLayout(function () {
    if (preset.select) select(preset.select);
    status.setAttribute("data-ready", "true");
  });
})();
