/* The interactive page of a compiled tracr model; tracr/viz/page.py inlines this file.
 *
 * The forward pass mirrors tracr/model/forward.py, in float64:
 *   x = token_embed[ids] + pos_embed[:T]
 *   for each layer:  x = x + attn(x);  x = x + mlp(x)
 *   unembedded = x @ unembedding
 * Keys holding PAD are masked out of every head, a causal model masks later keys, and each
 * softmax row is shifted by its maximum. Decoding follows tracr/model/batching.py: position 0
 * is BOS, padded positions are PAD, a categorical row decodes to its argmax when that is
 * above 0.5 (else None), a numerical row to its number.
 *
 * The pure functions are exported as TracrPage (the tests call them); the page itself is built
 * from the JSON element with id "tracr-model" when the page has one.
 */
"use strict";

const TracrPage = (() => {
  const NONE = { text: "None", repr: "None" };
  const ZERO = 5e-7; // cells below this print blank, so the one-hot structure shows
  const MAX_CELLS = 60000; // above this, the residual table starts with one stage

  // ---------------------------------------------------------------- numbers
  function base64Bytes(text) {
    const bin = atob(text);
    const bytes = new Uint8Array(bin.length);
    for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
    return bytes.buffer;
  }

  function decodeArray(spec) {
    // {shape, data: base64 little-endian float64}, the same with index: base64 int32 flat
    // positions of the (nonzero) data, or {shape, values: [...]}
    if (spec.values) return { shape: spec.shape, data: Float64Array.from(spec.values) };
    const values = new Float64Array(base64Bytes(spec.data));
    if (spec.index === undefined) return { shape: spec.shape, data: values };
    const index = new Int32Array(base64Bytes(spec.index));
    const data = new Float64Array(spec.shape.reduce((a, b) => a * b, 1));
    for (let i = 0; i < index.length; i++) data[index[i]] = values[i];
    return { shape: spec.shape, data };
  }

  function loadModel(data) {
    const params = {};
    for (const [name, p] of Object.entries(data.params)) {
      params[name] = {};
      for (const [k, v] of Object.entries(p)) params[name][k] = decodeArray(v);
    }
    return { config: data.config, params, unembedding: decodeArray(data.unembedding) };
  }

  function dense(x, rows, w, b) {
    // x: [rows, n] row-major; w: {shape: [n, m]}; b: {shape: [m]} or undefined -> [rows, m]
    const [n, m] = w.shape;
    const W = w.data;
    const y = new Float64Array(rows * m);
    for (let r = 0; r < rows; r++) {
      for (let i = 0; i < n; i++) {
        const xi = x[r * n + i];
        if (xi === 0) continue;
        for (let j = 0; j < m; j++) y[r * m + j] += xi * W[i * m + j];
      }
      if (b) for (let j = 0; j < m; j++) y[r * m + j] += b.data[j];
    }
    return y;
  }

  function add(x, y) {
    const z = new Float64Array(x.length);
    for (let i = 0; i < x.length; i++) z[i] = x[i] + y[i];
    return z;
  }

  function softmaxMasked(logits) {
    // Masked entries are -Infinity; the row's maximum is subtracted before exp.
    let max = -Infinity;
    for (const l of logits) if (l > max) max = l;
    const e = logits.map((l) => (l === -Infinity ? 0 : Math.exp(l - max)));
    let sum = 0;
    for (const v of e) sum += v;
    return e.map((v) => v / sum);
  }

  function allowed(keyIsReal, causal, t, s) {
    return keyIsReal[s] && (!causal || s <= t);
  }

  function attention(params, layer, x, T, keyIsReal, cfg) {
    const p = `transformer/layer_${layer}/attn/`;
    const H = cfg.num_heads;
    const dk = cfg.key_size;
    const HD = H * dk;
    const proj = (name) => dense(x, T, params[p + name].w, params[p + name].b); // [T, H*dk]
    const q = proj("query");
    const k = proj("key");
    const v = proj("value");
    const scale = 1.0 / Math.sqrt(dk);
    const z = new Float64Array(T * HD);
    const logits = [];
    const patterns = [];
    for (let h = 0; h < H; h++) {
      const L = new Float64Array(T * T);
      const P = new Float64Array(T * T);
      for (let t = 0; t < T; t++) {
        const row = new Array(T);
        for (let s = 0; s < T; s++) {
          let dot = 0;
          for (let d = 0; d < dk; d++) dot += q[t * HD + h * dk + d] * k[s * HD + h * dk + d];
          row[s] = allowed(keyIsReal, cfg.causal, t, s) ? dot * scale : -Infinity;
        }
        const pr = softmaxMasked(row);
        for (let s = 0; s < T; s++) {
          L[t * T + s] = row[s];
          P[t * T + s] = pr[s];
        }
        for (let d = 0; d < dk; d++) {
          let acc = 0;
          for (let s = 0; s < T; s++) acc += pr[s] * v[s * HD + h * dk + d];
          z[t * HD + h * dk + d] = acc;
        }
      }
      logits.push(L);
      patterns.push(P);
    }
    const out = dense(z, T, params[p + "linear"].w, params[p + "linear"].b); // [T, D]
    return { out, logits, patterns };
  }

  function mlp(params, layer, x, T) {
    const p = `transformer/layer_${layer}/mlp/`;
    const hidden = dense(x, T, params[p + "linear_1"].w, params[p + "linear_1"].b);
    for (let i = 0; i < hidden.length; i++) hidden[i] = Math.max(hidden[i], 0);
    return dense(hidden, T, params[p + "linear_2"].w, params[p + "linear_2"].b);
  }

  function forward(model, ids, keyIsReal) {
    const cfg = model.config;
    const T = ids.length;
    const D = cfg.d_model;
    const tok = model.params["token_embed"].embeddings.data;
    const pos = model.params["pos_embed"].embeddings.data;
    let x = new Float64Array(T * D);
    for (let t = 0; t < T; t++) {
      for (let d = 0; d < D; d++) x[t * D + d] = tok[ids[t] * D + d] + pos[t * D + d];
    }
    const res = { T, D, inputEmbeddings: x, residuals: [], layerOutputs: [], attnLogits: [],
      attnPatterns: [] };
    for (let layer = 0; layer < cfg.num_layers; layer++) {
      const a = attention(model.params, layer, x, T, keyIsReal, cfg);
      x = add(x, a.out);
      res.layerOutputs.push(a.out);
      res.residuals.push(x);
      res.attnLogits.push(a.logits);
      res.attnPatterns.push(a.patterns);
      const m = mlp(model.params, layer, x, T);
      x = add(x, m);
      res.layerOutputs.push(m);
      res.residuals.push(x);
    }
    res.transformerOutput = x;
    res.unembedded = dense(x, T, model.unembedding);
    return res;
  }

  function decode(data, unembedded, ids) {
    // One entry per position: {text, repr} (and value for numbers).
    const n = data.unembedding.shape[1];
    return ids.map((id, t) => {
      if (t === 0) return data.bos;
      if (id === data.pad.id) return data.pad;
      const row = unembedded.subarray(t * n, (t + 1) * n);
      if (data.output.kind === "numerical") {
        return { text: formatNumber(row[0]), repr: String(row[0]), value: row[0] };
      }
      if (n === 0) return NONE;
      let best = 0;
      for (let i = 1; i < n; i++) if (row[i] > row[best]) best = i;
      return row[best] > 0.5 ? data.output.values[best] : NONE;
    });
  }

  // ---------------------------------------------------------------- input
  function parseTokens(data, text) {
    // Whitespace-separated tokens, BOS optional; a word is a token's repr or its text.
    const words = text.trim() === "" ? [] : text.trim().split(/\s+/);
    const isBos = (w) => w === data.bos.text || w === data.bos.repr;
    if (words.length && isBos(words[0])) words.shift();
    const byRepr = new Map();
    const byText = new Map();
    for (const tok of data.tokens) {
      byRepr.set(tok.repr, tok);
      if (!byText.has(tok.text)) byText.set(tok.text, tok);
    }
    const vocab = data.tokens.filter((t) => t.id !== data.bos.id && t.id !== data.pad.id);
    const maxLen = data.config.max_seq_len;
    if (words.length === 0) return { error: "type at least one token" };
    if (words.length > maxLen) {
      return { error: `${words.length} tokens: this model takes at most ${maxLen}` };
    }
    const ids = [data.bos.id];
    let seenPad = false;
    for (let i = 0; i < words.length; i++) {
      const tok = byRepr.get(words[i]) || byText.get(words[i]);
      const where = `position ${i + 1} holds ${words[i]}`;
      if (!tok) {
        const known = vocab.map((t) => t.repr).join(", ");
        return { error: `${where}, which is not in the vocabulary [${known}] or PAD (${data.pad.repr})` };
      }
      if (tok.id === data.bos.id) return { error: `${where}: BOS goes only at position 0` };
      if (seenPad && tok.id !== data.pad.id) {
        return { error: `${where} after a PAD token; padding goes on the right` };
      }
      seenPad = seenPad || tok.id === data.pad.id;
      ids.push(tok.id);
    }
    return { ids, tokens: ids.map((id) => data.tokens.find((t) => t.id === id)) };
  }

  // ---------------------------------------------------------------- layout helpers
  function stageNames(nLayers) {
    const names = ["embed"];
    for (let l = 0; l < nLayers; l++) names.push(`L${l} attn`, `L${l} mlp`);
    return names;
  }

  function isSelector(node) {
    return node.encoding === null && node.kind !== "tokens" && node.kind !== "indices";
  }

  function graphColumns(nodes) {
    // Column of each node label: embed 0, layer L attn 2(2L+1), mlp 2(2L+2); a selector sits
    // one column left of the first head that reads it. Empty columns are dropped.
    const stage = (n) => (n.layer === null ? 0 : 2 * n.layer + (n.sublayer === "mlp" ? 2 : 1));
    const raw = new Map();
    for (const n of nodes) if (!isSelector(n)) raw.set(n.label, 2 * stage(n));
    for (const n of nodes) {
      if (!isSelector(n)) continue;
      const readers = nodes.filter((m) => !isSelector(m) && m.children.includes(n.label));
      const cols = readers.map((m) => raw.get(m.label));
      raw.set(n.label, cols.length ? Math.min(...cols) - 1 : 1);
    }
    const used = [...new Set(raw.values())].sort((a, b) => a - b);
    const cols = new Map();
    for (const [label, c] of raw) cols.set(label, used.indexOf(c));
    return cols;
  }

  function formatNumber(v) {
    if (Math.abs(v) < ZERO) return "0";
    return String(Number(v.toPrecision(4)));
  }

  // ---------------------------------------------------------------- DOM
  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (k === "style") node.style.cssText = v;
      else if (k.startsWith("on")) node.addEventListener(k.slice(2), v);
      else node.setAttribute(k, v);
    }
    for (const c of children.flat(Infinity)) {
      if (c !== null && c !== undefined) node.append(c instanceof Node ? c : String(c));
    }
    return node;
  }

  function colour(v, scale) {
    const t = Math.max(-1, Math.min(1, v / scale));
    const [r, g, b] = t >= 0 ? [33, 102, 172] : [178, 24, 43];
    const a = Math.abs(t);
    const mix = (c) => Math.round(255 + (c - 255) * a);
    return `background:rgb(${mix(r)},${mix(g)},${mix(b)});color:${a > 0.55 ? "#fff" : "#222"}`;
  }

  function section(id, title, ...content) {
    return el("section", { id }, el("h2", {}, title), ...content);
  }

  function posLabel(tokens, p) {
    return `${p}:${tokens[p].text}`;
  }

  function outputTable(tokens, decoded) {
    const head = el("tr", {}, el("th", {}, "position"),
      tokens.map((_, p) => el("th", {}, String(p))));
    const input = el("tr", {}, el("th", {}, "input"),
      tokens.map((t) => el("td", { "data-repr": t.repr }, t.text)));
    const out = el("tr", {}, el("th", {}, "decoded"), decoded.map((d, p) => el("td", {
      class: "out", "data-pos": p, "data-repr": d.repr,
      "data-value": d.value === undefined ? "" : String(d.value),
      "data-info": `decoded output at ${posLabel(tokens, p)}: ${d.repr}`,
    }, d.text)));
    return el("table", { id: "output" }, el("tbody", {}, head, input, out));
  }

  function residualTable(data, result, tokens, shown) {
    // shown: the stage indices (0 = embedding, then after each sublayer) to draw
    const { T, D } = result;
    const names = stageNames(data.config.num_layers);
    const all = [result.inputEmbeddings, ...result.residuals];
    const streams = shown.map((s) => all[s]);
    let scale = 1;
    for (const s of all) for (const v of s) scale = Math.max(scale, Math.abs(v));
    const top = el("tr", {}, el("th", { class: "label" }, "after"),
      shown.map((s) => el("th", { colspan: T, class: "stage", "data-stage": s }, names[s])));
    const second = el("tr", {}, el("th", { class: "label" }, "label \\ position"),
      shown.map(() => tokens.map((_, p) => el("th", { class: `tok${p === 0 ? " first" : ""}` },
        posLabel(tokens, p)))));
    const body = el("tbody");
    const starts = new Set(data.groups.map((g) => g[1]));
    for (let r = 0; r < D; r++) {
      const label = data.labels[r];
      const cells = [];
      let nonzero = false;
      streams.forEach((stream, i) => {
        const s = shown[i];
        for (let p = 0; p < T; p++) {
          const v = stream[p * D + r];
          nonzero = nonzero || Math.abs(v) >= ZERO;
          cells.push(el("td", {
            class: `cell${p === 0 ? " first" : ""}`, style: colour(v, scale),
            "data-stage": s, "data-row": r, "data-pos": p, "data-value": String(v),
            "data-info": `${label} at ${posLabel(tokens, p)} after ${names[s]} = ${v}`,
          }, Math.abs(v) < ZERO ? "" : formatNumber(v)));
        }
      });
      const cls = `${starts.has(r) ? "group-start" : ""}${nonzero ? "" : " zero"}`;
      body.append(el("tr", { class: cls, "data-row": r }, el("th", { class: "label" }, label),
        cells));
    }
    return el("table", { id: "residual", class: "heat" }, el("thead", {}, top, second), body);
  }

  function headCaption(data, block) {
    const byLabel = new Map(data.nodes.map((n) => [n.label, n]));
    const node = byLabel.get(block.label);
    const selectors = (node ? node.children : []).map((c) => byLabel.get(c))
      .filter((c) => c && isSelector(c));
    return el("div", { class: "caption" },
      el("div", { class: "expr" }, `L${block.layer} head ${block.head}: `,
        el("code", {}, `${block.label} = ${block.description}`)),
      selectors.map((s) => el("div", { class: "expr sel" },
        el("code", {}, `${s.label} = ${s.description}`))));
  }

  function headTable(data, result, tokens, block) {
    const { T } = result;
    const P = result.attnPatterns[block.layer][block.head];
    const keys = el("tr", {}, el("th", { class: "corner" }, "query \\ key"),
      tokens.map((_, k) => el("th", {}, posLabel(tokens, k))));
    const rows = tokens.map((_, q) => el("tr", {}, el("th", {}, posLabel(tokens, q)),
      tokens.map((__, k) => {
        const v = P[q * T + k];
        const info = `L${block.layer} head ${block.head}: query ${posLabel(tokens, q)} -> key ` +
          `${posLabel(tokens, k)} weight ${v}`;
        return el("td", {
          class: "cell", style: colour(v, 1), "data-layer": block.layer,
          "data-head": block.head, "data-q": q, "data-k": k, "data-value": String(v),
          "data-info": info,
        }, v < ZERO ? "" : formatNumber(v));
      })));
    return el("table", { class: "heat head" }, el("tbody", {}, keys, rows));
  }

  function attentionSection(data, result, tokens) {
    const heads = data.blocks.filter((b) => b.sublayer === "attn");
    if (!heads.length) return el("p", {}, "This model has no attention heads in use.");
    return el("div", { class: "heads" }, heads.map((b) => el("div", {
      class: "head-box", "data-layer": b.layer, "data-head": b.head,
    }, headCaption(data, b), headTable(data, result, tokens, b))));
  }

  function svgNamespace() {
    // The namespace the HTML parser gives an <svg> element (no URL literal in this file).
    const probe = document.createElement("div");
    probe.innerHTML = "<svg></svg>";
    return probe.firstChild.namespaceURI;
  }

  function svg(tag, attrs, ...children) {
    const node = document.createElementNS(svgNamespace(), tag);
    for (const [k, v] of Object.entries(attrs || {})) node.setAttribute(k, v);
    for (const c of children) node.append(c instanceof Node ? c : String(c));
    return node;
  }

  const BOX = { W: 170, H: 44, GX: 40, GY: 16 }; // graph node size and gaps, in px

  function graphPositions(nodes) {
    // label -> [x, y] of its box; nodes stack in their column in program order
    const cols = graphColumns(nodes);
    const rows = new Map();
    const count = [];
    for (const n of nodes) {
      const c = cols.get(n.label);
      count[c] = (count[c] || 0) + 1;
      rows.set(n.label, count[c] - 1);
    }
    const pos = new Map();
    for (const [label, c] of cols) {
      pos.set(label, [c * (BOX.W + BOX.GX) + 10, rows.get(label) * (BOX.H + BOX.GY) + 30]);
    }
    const width = (Math.max(...cols.values()) + 1) * (BOX.W + BOX.GX);
    const height = Math.max(...count.filter((x) => x)) * (BOX.H + BOX.GY) + 40;
    return { pos, width, height };
  }

  function graphNode(data, n, [x, y]) {
    const where = isSelector(n) ? "selector"
      : n.layer === null ? "embedding" : `L${n.layer} ${n.sublayer}`;
    const kind = isSelector(n) ? "selector" : n.layer === null ? "source" : n.sublayer;
    const cls = `node ${kind}${n.label === data.output_label ? " output" : ""}`;
    const info = `${n.label} = ${n.description} @ ${where} ${n.values || ""}`;
    return svg("g", { class: cls, "data-label": n.label, "data-info": info,
      "data-layer": n.layer === null ? "" : n.layer, "data-sublayer": n.sublayer || "" },
    svg("title", {}, info),
    svg("rect", { x, y, width: BOX.W, height: BOX.H, rx: 6 }),
    svg("text", { x: x + 8, y: y + 17, class: "name" }, n.label),
    svg("text", { x: x + 8, y: y + 35, class: "where" }, where));
  }

  function programGraph(data) {
    const { pos, width, height } = graphPositions(data.nodes);
    const root = svg("svg", { id: "graph", width, height, viewBox: `0 0 ${width} ${height}` });
    root.append(svg("defs", {}, svg("marker", { id: "arrow", viewBox: "0 0 10 10", refX: 10,
      refY: 5, markerWidth: 6, markerHeight: 6, orient: "auto" },
    svg("path", { d: "M 0 0 L 10 5 L 0 10 z", fill: "#888" }))));
    for (const n of data.nodes) {
      const [ex, y2] = pos.get(n.label);
      for (const c of n.children.filter((label) => pos.has(label))) {
        const [x1, y1] = pos.get(c);
        const [sx, sy, ey] = [x1 + BOX.W, y1 + BOX.H / 2, y2 + BOX.H / 2];
        const mid = (sx + ex) / 2;
        root.append(svg("path", { class: "edge", "marker-end": "url(#arrow)",
          d: `M ${sx} ${sy} C ${mid} ${sy}, ${mid} ${ey}, ${ex} ${ey}` }));
      }
    }
    for (const n of data.nodes) root.append(graphNode(data, n, pos.get(n.label)));
    return root;
  }

  function layoutTable(data) {
    const rows = data.blocks.map((b) => el("tr", {}, el("td", {}, `L${b.layer}`),
      el("td", {}, b.sublayer),
      el("td", {}, b.sublayer === "attn" ? `head ${b.head}` : `hidden ${b.hidden[0]}:${b.hidden[1]}`),
      el("td", {}, b.label), el("td", {}, el("code", {}, b.description))));
    const head = el("tr", {}, ["layer", "sublayer", "unit", "writes", "expression"]
      .map((h) => el("th", {}, h)));
    return el("table", { id: "layout" }, el("thead", {}, head), el("tbody", {}, rows));
  }

  function summary(data) {
    const c = data.config;
    return el("p", { class: "summary" },
      `output ${data.output_label} (${data.output.kind}) · ${c.num_layers} layers · ` +
      `${c.num_heads} heads · d_model ${c.d_model} · MLP ${c.mlp_hidden_size} · ` +
      `max_seq_len ${c.max_seq_len}${c.causal ? " · causal" : ""}`);
  }

  function residualSection(data, result, tokens, results) {
    // A large model draws one stage at first, so the page stays responsive.
    const names = stageNames(data.config.num_layers);
    const tableBox = el("div", { class: "scroll" });
    const draw = (which) => tableBox.replaceChildren(residualTable(data, result, tokens,
      which === "all" ? names.map((_, s) => s) : [Number(which)]));
    const first = names.length * result.T * result.D <= MAX_CELLS ? "all" : names.length - 1;
    const stagePick = el("select", { id: "stage", onchange: (e) => draw(e.target.value) },
      el("option", { value: "all" }, "every sublayer"),
      names.map((n, s) => el("option", { value: s }, `after ${n}`)));
    stagePick.value = String(first);
    draw(String(first));
    const hide = el("label", {}, el("input", { type: "checkbox", id: "hide-zero",
      onchange: (e) => results.classList.toggle("hide-zero", e.target.checked) }),
    " hide rows that are zero everywhere");
    return section("residual-section", "Residual stream after each sublayer",
      el("div", { class: "row" }, "show ", stagePick, hide), tableBox);
  }

  function runInput(data, model, text, error, results) {
    // Parse the input, run the model, redraw the results; returns whether it ran.
    const parsed = parseTokens(data, text);
    error.textContent = parsed.error || "";
    if (parsed.error) return false;
    const keyIsReal = parsed.ids.map((id) => id !== data.pad.id);
    const result = forward(model, parsed.ids, keyIsReal);
    const decoded = decode(data, result.unembedded, parsed.ids);
    results.replaceChildren(
      section("output-section", "Decoded output", outputTable(parsed.tokens, decoded)),
      residualSection(data, result, parsed.tokens, results),
      section("attention-section", "Attention patterns",
        attentionSection(data, result, parsed.tokens)));
    return true;
  }

  function inputSection(data, inputBox, runIt, error) {
    const add = (tok) => {
      const word = tok.text === tok.repr ? tok.text : tok.repr;
      inputBox.value = `${inputBox.value.trim()} ${word}`.trim();
      runIt();
    };
    const picks = data.tokens.filter((t) => t.id !== data.bos.id).map((t) => el("button",
      { class: "tok-button", type: "button", "data-repr": t.repr, onclick: () => add(t) },
      t.id === data.pad.id ? `${t.text} (PAD)` : t.repr));
    inputBox.addEventListener("keydown", (e) => { if (e.key === "Enter") runIt(); });
    return section("input-section", "Input",
      el("div", { class: "row" }, el("span", {}, `${data.bos.text} +`), inputBox,
        el("button", { id: "run", type: "button", onclick: runIt }, "Run"),
        el("button", { type: "button", onclick: () => { inputBox.value = ""; } }, "Clear")),
      el("div", { class: "row picks" }, "add a token: ", picks), error);
  }

  function render(data, root) {
    const model = loadModel(data);
    const inputBox = el("input", { id: "tokens", type: "text", spellcheck: "false",
      value: data.initial.join(" "), size: 40 });
    const error = el("div", { id: "error", role: "alert" });
    const results = el("div", { id: "results" });
    const hover = el("div", { id: "hover" }, "hover over a cell for its exact value");
    const runIt = () => runInput(data, model, inputBox.value, error, results);
    root.append(
      el("header", {}, el("h1", {}, `tracr model: ${data.output_label}`), summary(data)),
      hover,
      inputSection(data, inputBox, runIt, error),
      results,
      section("graph-section", "Program graph (columns: where each expression is computed)",
        el("div", { class: "scroll" }, programGraph(data))),
      section("layout-section", "Layers", layoutTable(data),
        el("pre", {}, data.allocation_text)));
    root.addEventListener("mouseover", (e) => {
      const target = e.target.closest("[data-info]");
      if (target) hover.textContent = target.dataset.info;
    });
    runIt();
  }

  return { decodeArray, loadModel, dense, softmaxMasked, forward, decode, parseTokens,
    stageNames, graphColumns, formatNumber, render };
})();

globalThis.TracrPage = TracrPage;
if (typeof document !== "undefined") {
  const source = document.getElementById("tracr-model");
  if (source) TracrPage.render(JSON.parse(source.textContent), document.body);
}
