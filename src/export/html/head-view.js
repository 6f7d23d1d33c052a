'use strict';
// Head view and model view for a TransferKit attention dump: self-contained, no libraries, no network.
// Data: one JSON script block (class tk-attention) per input, bertviz layout
// ({tokens, sentence_b_start, layers, heads, attention[layer][head][i][j]} at the model's own layer and
// head numbers; entries not exported are []), plus #tk-inputs (labels).

// The page's arithmetic, apart from the DOM so it can be checked in Node (the tests load this file with
// a `module` object; in the page there is none and the view below runs).
const headViewLogic = (() => {
  /**
   * The token ranges each column shows for a filter: 'all', or 'AB' (sentence A attending to B) etc.
   * Rows are the attending tokens (left column), cols the attended ones (right column); [from, to).
   */
  function filterRanges(n, bStart, filter) {
    const sentence = (letter) => (bStart === null ? [0, n] : letter === 'A' ? [0, bStart] : [bStart, n]);
    if (filter === 'all' || bStart === null) return { rows: [0, n], cols: [0, n] };
    return { rows: sentence(filter[0]), cols: sentence(filter[1]) };
  }

  /**
   * What a weight is divided by for its opacity: 1 (opacity is the weight) or, with contrast 'row', the
   * largest weight of its row among the shown columns, as bertviz scales; near-uniform rows stay visible.
   */
  function rowScale(row, cols, contrast) {
    if (contrast !== 'row') return 1;
    let max = 0;
    for (let j = cols[0]; j < cols[1]; j++) if (row[j] > max) max = row[j];
    return max > 0 ? max : 1;
  }

  function opacity(weight, scale) {
    return Math.max(0, Math.min(1, weight / scale));
  }

  /** RGBA pixels of one head's heatmap over the shown ranges: one pixel per token pair, the colour's alpha the opacity. */
  function heatmapPixels(matrix, ranges, contrast, rgb) {
    const [r0, r1] = ranges.rows;
    const [c0, c1] = ranges.cols;
    const width = c1 - c0;
    const pixels = new Uint8ClampedArray((r1 - r0) * width * 4);
    for (let i = r0; i < r1; i++) {
      const scale = rowScale(matrix[i], ranges.cols, contrast);
      for (let j = c0; j < c1; j++) {
        const p = ((i - r0) * width + (j - c0)) * 4;
        pixels[p] = rgb[0];
        pixels[p + 1] = rgb[1];
        pixels[p + 2] = rgb[2];
        pixels[p + 3] = Math.round(255 * opacity(matrix[i][j], scale));
      }
    }
    return pixels;
  }

  /**
   * The view a page address asks for, e.g. `#layer=3&heads=0,2&filter=BA&contrast=weight` (a link to one
   * view); unknown or malformed parts are left out.
   */
  function parseHash(hash) {
    const out = {};
    for (const part of hash.replace(/^#/, '').split('&')) {
      const [key, value = ''] = part.split('=');
      if (key === 'layer' && /^\d+$/.test(value)) out.layer = Number(value);
      if (key === 'heads' && /^\d+(,\d+)*$/.test(value)) out.heads = value.split(',').map(Number);
      if (key === 'filter' && /^(all|AA|AB|BA|BB)$/.test(value)) out.filter = value;
      if (key === 'contrast' && /^(row|weight)$/.test(value)) out.contrast = value;
    }
    return out;
  }

  /** The model view's grid: one row per exported layer, one cell per exported head, at the model's numbers. */
  function gridCells(data) {
    return data.layers.map((layer) => data.heads.map((head) => ({ layer, head, matrix: data.attention[layer][head] })));
  }

  return { filterRanges, rowScale, opacity, heatmapPixels, gridCells, parseHash };
})();

if (typeof module === 'object' && module !== null && module.exports) module.exports = headViewLogic;
else (() => {
  const { filterRanges, rowScale, opacity, heatmapPixels, gridCells, parseHash } = headViewLogic;
  const ROW = 22; // px per token row; matches .token height in the CSS
  const LINES_WIDTH = 260; // px between the token columns
  const BOX = 8; // px per head in the weight strips beside each column
  const MIN_OPACITY = 0.004; // lines fainter than this are invisible anyway; skipping them keeps redraws fast
  const ALPHA_LEVELS = 64; // line opacity steps (quantised to 1/64)
  const THUMB = 72; // px per side of a model-view heatmap
  const PALETTE = ['#1f77b4', '#ff7f0e', '#2ca02c', '#d62728', '#9467bd', '#8c564b',
    '#e377c2', '#7f7f7f', '#bcbd22', '#17becf', '#393b79', '#ad494a'];

  const $ = (id) => document.getElementById(id);
  const blocks = Array.from(document.querySelectorAll('script.tk-attention'));
  const inputs = JSON.parse($('tk-inputs').textContent);
  const canvas = $('lines');
  const ctx = canvas.getContext('2d');
  const left = $('left');
  const right = $('right');

  // layer and heads hold the model's own numbers (attention is indexed by them).
  const asked = parseHash(window.location.hash);
  const state = {
    input: 0,
    layer: asked.layer ?? null,
    heads: asked.heads ? new Set(asked.heads) : null,
    filter: asked.filter ?? 'all',
    contrast: asked.contrast ?? 'row',
    focus: null,
    pinned: false,
  };
  let data = null;

  const headColor = (head) => head < PALETTE.length ? PALETTE[head] : `hsl(${(head * 137.508) % 360}, 62%, 45%)`;
  const bStart = () => data.sentence_b_start;
  const ranges = () => filterRanges(data.tokens.length, bStart(), state.filter);
  const sentenceOf = (i) => (bStart() !== null && i >= bStart() ? 'B' : 'A');
  const selectedHeads = () => data.heads.filter((head) => state.heads.has(head));

  const rgbCache = new Map();
  /** A CSS colour as [r, g, b], read back from a 1-pixel canvas (hsl() included). */
  function rgbOf(color) {
    if (!rgbCache.has(color)) {
      const probe = document.createElement('canvas').getContext('2d');
      probe.fillStyle = color;
      probe.fillRect(0, 0, 1, 1);
      const [r, g, b] = probe.getImageData(0, 0, 1, 1).data;
      rgbCache.set(color, [r, g, b]);
    }
    return rgbCache.get(color);
  }

  function option(value, text) {
    const o = document.createElement('option');
    o.value = String(value);
    o.textContent = text;
    return o;
  }

  function clip(text, n) {
    return text.length > n ? `${text.slice(0, n - 1)}\u2026` : text;
  }

  function buildInputSelect() {
    const select = $('input-select');
    inputs.forEach((input, k) => {
      const where = input.line != null ? `line ${input.line}` : `#${input.index + 1}`;
      const text = input.text_pair != null ? `${input.text} \u2016 ${input.text_pair}` : input.text;
      select.append(option(k, `${where}: ${clip(text, 70)}`));
    });
    $('input-control').hidden = inputs.length < 2;
    select.addEventListener('change', () => loadInput(Number(select.value)));
  }

  function buildLayerSelect() {
    const select = $('layer-select');
    select.replaceChildren(...data.layers.map((layer) => option(layer, String(layer))));
    select.value = String(state.layer);
    select.onchange = () => { state.layer = Number(select.value); draw(); };
  }

  let refreshHeads = () => {};
  function buildHeadButtons() {
    const box = $('heads');
    const buttons = data.heads.map((head) => {
      const b = document.createElement('button');
      b.type = 'button';
      b.textContent = `H${head}`;
      b.title = `head ${head}: click to toggle, double-click to show it alone`;
      b.style.setProperty('--c', headColor(head));
      b.addEventListener('click', () => {
        if (state.heads.has(head)) state.heads.delete(head); else state.heads.add(head);
        refreshHeads();
      });
      b.addEventListener('dblclick', () => { state.heads = new Set([head]); refreshHeads(); });
      return b;
    });
    const all = document.createElement('button');
    all.type = 'button';
    all.className = 'all-none';
    all.textContent = 'all';
    all.addEventListener('click', () => { state.heads = new Set(data.heads); refreshHeads(); });
    const none = document.createElement('button');
    none.type = 'button';
    none.className = 'all-none';
    none.textContent = 'none';
    none.addEventListener('click', () => { state.heads = new Set(); refreshHeads(); });
    box.replaceChildren(...buttons, all, none);
    refreshHeads = () => {
      buttons.forEach((b, k) => b.setAttribute('aria-pressed', String(state.heads.has(data.heads[k]))));
      draw();
    };
    buttons.forEach((b, k) => b.setAttribute('aria-pressed', String(state.heads.has(data.heads[k]))));
  }

  function buildSentences() {
    const box = $('sentences');
    const input = inputs[state.input];
    const line = (tag, text) => {
      const div = document.createElement('div');
      const t = document.createElement('span');
      t.className = `tag ${tag.toLowerCase()}`;
      t.textContent = tag;
      div.append(t, document.createTextNode(text));
      return div;
    };
    const rows = [line('A', input.text)];
    if (input.text_pair != null) rows.push(line('B', input.text_pair));
    box.replaceChildren(...rows);
    $('filter-control').hidden = bStart() === null;
    if (bStart() === null) { state.filter = 'all'; $('filter-select').value = 'all'; }
  }

  /** The token columns for the filter: the left one lists the attending tokens, the right the attended. */
  function buildTokens() {
    const { rows, cols } = ranges();
    for (const [column, [from, to]] of [[left, rows], [right, cols]]) {
      const divs = [];
      for (let i = from; i < to; i++) {
        const token = data.tokens[i];
        const div = document.createElement('div');
        div.className = `token s${sentenceOf(i).toLowerCase()}`;
        if (i === bStart() && from < i) div.classList.add('b-start');
        if (/^\[[A-Z]+\]$|^<\/?s>$|^<pad>$/.test(token)) div.classList.add('special');
        div.textContent = token;
        div.dataset.index = String(i);
        divs.push(div);
      }
      column.replaceChildren(...divs);
    }
  }

  function setFocus(focus, pinned) {
    state.focus = focus;
    state.pinned = pinned;
    for (const [side, column] of [['left', left], ['right', right]]) {
      for (const div of column.children) {
        const i = Number(div.dataset.index);
        const isFocus = focus !== null && focus.side === side && focus.index === i;
        div.classList.toggle('focus', isFocus);
        div.classList.toggle('pinned', isFocus && pinned);
        div.classList.toggle('dim', focus !== null && focus.side === side && !isFocus);
      }
    }
    draw();
  }

  function wireColumn(column, side) {
    column.addEventListener('mouseover', (event) => {
      const div = event.target.closest('.token');
      if (div && !state.pinned) setFocus({ side, index: Number(div.dataset.index) }, false);
    });
    column.addEventListener('mouseleave', () => { if (!state.pinned) setFocus(null, false); });
    column.addEventListener('click', (event) => {
      const div = event.target.closest('.token');
      if (!div) return;
      const index = Number(div.dataset.index);
      const same = state.pinned && state.focus.side === side && state.focus.index === index;
      setFocus(same ? null : { side, index }, !same);
    });
  }

  function weightTitles(att, heads) {
    const f = state.focus;
    const other = f === null ? null : f.side === 'left' ? right : left;
    for (const column of [left, right]) {
      for (const div of column.children) div.title = column === other ? '' : div.textContent;
    }
    if (other === null) return;
    for (const div of other.children) {
      const t = Number(div.dataset.index);
      const parts = heads.map((head) => {
        const w = f.side === 'left' ? att[head][f.index][t] : att[head][t][f.index];
        return `H${head} ${w.toFixed(3)}`;
      });
      div.title = `${div.textContent}\n${parts.join('  ')}`;
    }
  }

  function draw() {
    const { rows, cols } = ranges();
    const height = Math.max(rows[1] - rows[0], cols[1] - cols[0]) * ROW;
    const strip = data.heads.length * BOX + 6;
    const width = strip + LINES_WIDTH + strip;
    const dpr = window.devicePixelRatio || 1;
    canvas.width = Math.round(width * dpr);
    canvas.height = Math.round(height * dpr);
    canvas.style.width = `${width}px`;
    canvas.style.height = `${height}px`;
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.clearRect(0, 0, width, height);
    const y = (index, range) => (index - range[0]) * ROW + ROW / 2;

    if (state.filter === 'all' && bStart() !== null) {
      ctx.globalAlpha = 1;
      ctx.strokeStyle = '#8a8f98';
      ctx.setLineDash([4, 4]);
      ctx.lineWidth = 1;
      ctx.beginPath();
      ctx.moveTo(0, bStart() * ROW + 0.5);
      ctx.lineTo(width, bStart() * ROW + 0.5);
      ctx.stroke();
      ctx.setLineDash([]);
    }

    const att = data.attention[state.layer];
    const heads = selectedHeads();
    const f = state.focus;
    const shown = (i, j) => !(f && f.side === 'left' && i !== f.index) && !(f && f.side === 'right' && j !== f.index);
    ctx.lineWidth = 2;
    for (const head of heads) {
      ctx.strokeStyle = headColor(head);
      // One path per opacity level instead of one stroke per line: 12 heads x 128^2 lines stay interactive.
      const levels = Array.from({ length: ALPHA_LEVELS }, () => []);
      const matrix = att[head];
      for (let i = rows[0]; i < rows[1]; i++) {
        const scale = rowScale(matrix[i], cols, state.contrast);
        for (let j = cols[0]; j < cols[1]; j++) {
          const a = opacity(matrix[i][j], scale);
          if (a < MIN_OPACITY || !shown(i, j)) continue;
          levels[Math.min(ALPHA_LEVELS - 1, Math.floor(a * ALPHA_LEVELS))].push(i, j);
        }
      }
      levels.forEach((pairs, level) => {
        if (pairs.length === 0) return;
        ctx.globalAlpha = (level + 0.5) / ALPHA_LEVELS;
        ctx.beginPath();
        for (let p = 0; p < pairs.length; p += 2) {
          ctx.moveTo(strip, y(pairs[p], rows));
          ctx.lineTo(strip + LINES_WIDTH, y(pairs[p + 1], cols));
        }
        ctx.stroke();
      });
    }

    // The focused token's weights per head, as bertviz shows them: one box per head beside each token.
    if (f !== null) {
      const x0 = f.side === 'left' ? strip + LINES_WIDTH + 3 : 3;
      const others = f.side === 'left' ? cols : rows;
      heads.forEach((head, slot) => {
        ctx.fillStyle = headColor(head);
        const scale = f.side === 'left' ? rowScale(att[head][f.index], cols, state.contrast) : 1;
        for (let t = others[0]; t < others[1]; t++) {
          const w = f.side === 'left' ? att[head][f.index][t] : att[head][t][f.index];
          const s = f.side === 'left' ? scale : rowScale(att[head][t], cols, state.contrast);
          ctx.globalAlpha = opacity(w, s);
          ctx.fillRect(x0 + slot * BOX, (t - others[0]) * ROW + 3, BOX - 1, ROW - 6);
        }
      });
    }
    ctx.globalAlpha = 1;
    weightTitles(att, heads);
    markCurrentThumb();
  }

  /** Outlines the model-view heatmap the head view shows, when it shows a single head. */
  function markCurrentThumb() {
    for (const thumb of $('model-grid').querySelectorAll('.thumb')) {
      const head = Number(thumb.dataset.head);
      thumb.classList.toggle('current', Number(thumb.dataset.layer) === state.layer && state.heads.size === 1 && state.heads.has(head));
    }
  }

  /** bertviz's model view: a small heatmap of every exported head, a row per layer; a click opens it above. */
  function drawModelView() {
    const grid = $('model-grid');
    const r = ranges();
    const rowsN = r.rows[1] - r.rows[0];
    const colsN = r.cols[1] - r.cols[0];
    const scratch = document.createElement('canvas');
    scratch.width = colsN;
    scratch.height = rowsN;
    const scratchCtx = scratch.getContext('2d');
    const cells = [document.createElement('div')]; // the corner above the layer labels
    for (const head of data.heads) {
      const label = document.createElement('div');
      label.className = 'grid-label';
      label.textContent = `H${head}`;
      cells.push(label);
    }
    for (const row of gridCells(data)) {
      const label = document.createElement('div');
      label.className = 'grid-label';
      label.textContent = `L${row[0].layer}`;
      cells.push(label);
      for (const cell of row) {
        scratchCtx.putImageData(new ImageData(heatmapPixels(cell.matrix, r, state.contrast, rgbOf(headColor(cell.head))), colsN, rowsN), 0, 0);
        const thumb = document.createElement('canvas');
        thumb.width = THUMB;
        thumb.height = THUMB;
        thumb.className = 'thumb';
        thumb.title = `layer ${cell.layer}, head ${cell.head}: click to open it in the head view`;
        thumb.dataset.layer = String(cell.layer);
        thumb.dataset.head = String(cell.head);
        const c = thumb.getContext('2d');
        c.imageSmoothingEnabled = false;
        c.drawImage(scratch, 0, 0, THUMB, THUMB);
        cells.push(thumb);
      }
    }
    grid.style.gridTemplateColumns = `auto repeat(${data.heads.length}, ${THUMB}px)`;
    grid.replaceChildren(...cells);
    markCurrentThumb();
  }

  function openHead(layer, head) {
    state.layer = layer;
    state.heads = new Set([head]);
    $('layer-select').value = String(layer);
    refreshHeads();
    $('controls').scrollIntoView({ behavior: 'smooth', block: 'start' });
  }

  function loadInput(k) {
    state.input = k;
    data = JSON.parse(blocks[k].textContent);
    if (state.heads === null) state.heads = new Set(data.heads);
    if (!data.layers.includes(state.layer)) state.layer = data.layers[0];
    state.focus = null;
    state.pinned = false;
    buildLayerSelect();
    buildHeadButtons();
    buildSentences();
    buildTokens();
    drawModelView();
    draw();
  }

  if (blocks.length === 0) {
    $('view').replaceChildren(Object.assign(document.createElement('p'), { className: 'empty', textContent: 'No inputs.' }));
    return;
  }
  $('filter-select').addEventListener('change', (event) => {
    state.filter = event.target.value;
    state.focus = null;
    state.pinned = false;
    buildTokens();
    drawModelView();
    draw();
  });
  $('contrast-select').value = state.contrast;
  $('filter-select').value = state.filter;
  $('contrast-select').addEventListener('change', (event) => {
    state.contrast = event.target.value;
    drawModelView();
    draw();
  });
  $('model-grid').addEventListener('click', (event) => {
    const thumb = event.target.closest('.thumb');
    if (thumb) openHead(Number(thumb.dataset.layer), Number(thumb.dataset.head));
  });
  document.addEventListener('keydown', (event) => { if (event.key === 'Escape') setFocus(null, false); });
  wireColumn(left, 'left');
  wireColumn(right, 'right');
  buildInputSelect();
  loadInput(0);
})();
