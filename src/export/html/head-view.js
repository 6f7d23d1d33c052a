'use strict';
// Head view for a TransferKit attention dump: self-contained, no libraries, no network.
// Data: one JSON script block (class tk-attention) per input, bertviz layout
// ({tokens, sentence_b_start, layers, heads, attention[layer][head][i][j]}), plus #tk-inputs (labels).
(() => {
  const ROW = 22; // px per token row; matches .token height in the CSS
  const LINES_WIDTH = 260; // px between the token columns
  const BOX = 8; // px per head in the weight strips beside each column
  const MIN_WEIGHT = 0.004; // lines fainter than this are invisible anyway; skipping them keeps redraws fast
  const ALPHA_LEVELS = 64; // line opacity steps (weight quantised to 1/64)
  const PALETTE = ['#1f77b4', '#ff7f0e', '#2ca02c', '#d62728', '#9467bd', '#8c564b',
    '#e377c2', '#7f7f7f', '#bcbd22', '#17becf', '#393b79', '#ad494a'];

  const $ = (id) => document.getElementById(id);
  const blocks = Array.from(document.querySelectorAll('script.tk-attention'));
  const inputs = JSON.parse($('tk-inputs').textContent);
  const canvas = $('lines');
  const ctx = canvas.getContext('2d');
  const left = $('left');
  const right = $('right');

  const state = { input: 0, layer: 0, heads: null, filter: 'all', focus: null, pinned: false };
  let data = null;

  const headColor = (head) => head < PALETTE.length ? PALETTE[head] : `hsl(${(head * 137.508) % 360}, 62%, 45%)`;
  const bStart = () => data.sentence_b_start;
  const sentenceOf = (i) => (bStart() !== null && i >= bStart() ? 'B' : 'A');
  const selectedHeads = () => data.heads.map((_, k) => k).filter((k) => state.heads.has(data.heads[k]));

  function visible(i, j) {
    const f = state.focus;
    if (f && f.side === 'left' && i !== f.index) return false;
    if (f && f.side === 'right' && j !== f.index) return false;
    return state.filter === 'all' || state.filter === sentenceOf(i) + sentenceOf(j);
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
    select.replaceChildren(...data.layers.map((layer, k) => option(k, String(layer))));
    select.value = String(state.layer);
    select.onchange = () => { state.layer = Number(select.value); draw(); };
  }

  function buildHeadButtons() {
    const box = $('heads');
    const buttons = data.heads.map((head) => {
      const b = document.createElement('button');
      b.type = 'button';
      b.textContent = `H${head}`;
      b.title = `head ${head}: click to toggle, double-click to show it alone`;
      b.style.setProperty('--c', headColor(head));
      b.setAttribute('aria-pressed', String(state.heads.has(head)));
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
    function refreshHeads() {
      buttons.forEach((b, k) => b.setAttribute('aria-pressed', String(state.heads.has(data.heads[k]))));
      draw();
    }
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

  function buildTokens() {
    for (const column of [left, right]) {
      column.replaceChildren(...data.tokens.map((token, i) => {
        const div = document.createElement('div');
        div.className = `token s${sentenceOf(i).toLowerCase()}`;
        if (i === bStart()) div.classList.add('b-start');
        if (/^\[[A-Z]+\]$|^<\/?s>$|^<pad>$/.test(token)) div.classList.add('special');
        div.textContent = token;
        div.dataset.index = String(i);
        return div;
      }));
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
      const parts = heads.map((k) => {
        const w = f.side === 'left' ? att[k][f.index][t] : att[k][t][f.index];
        return `H${data.heads[k]} ${w.toFixed(3)}`;
      });
      div.title = `${div.textContent}\n${parts.join('  ')}`;
    }
  }

  function draw() {
    const n = data.tokens.length;
    const strip = data.heads.length * BOX + 6;
    const width = strip + LINES_WIDTH + strip;
    const height = n * ROW;
    const dpr = window.devicePixelRatio || 1;
    canvas.width = Math.round(width * dpr);
    canvas.height = Math.round(height * dpr);
    canvas.style.width = `${width}px`;
    canvas.style.height = `${height}px`;
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.clearRect(0, 0, width, height);

    if (bStart() !== null) {
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
    ctx.lineWidth = 2;
    for (const k of heads) {
      ctx.strokeStyle = headColor(data.heads[k]);
      // One path per opacity level instead of one stroke per line: 12 heads x 128^2 lines stay interactive.
      const levels = Array.from({ length: ALPHA_LEVELS }, () => []);
      const matrix = att[k];
      for (let i = 0; i < n; i++) {
        for (let j = 0; j < n; j++) {
          const w = matrix[i][j];
          if (w < MIN_WEIGHT || !visible(i, j)) continue;
          levels[Math.min(ALPHA_LEVELS - 1, Math.floor(w * ALPHA_LEVELS))].push(i, j);
        }
      }
      levels.forEach((pairs, level) => {
        if (pairs.length === 0) return;
        ctx.globalAlpha = (level + 0.5) / ALPHA_LEVELS;
        ctx.beginPath();
        for (let p = 0; p < pairs.length; p += 2) {
          ctx.moveTo(strip, pairs[p] * ROW + ROW / 2);
          ctx.lineTo(strip + LINES_WIDTH, pairs[p + 1] * ROW + ROW / 2);
        }
        ctx.stroke();
      });
    }

    // The focused token's weights per head, as bertviz shows them: one box per head beside each token.
    const f = state.focus;
    if (f !== null) {
      const x0 = f.side === 'left' ? strip + LINES_WIDTH + 3 : 3;
      heads.forEach((k, slot) => {
        ctx.fillStyle = headColor(data.heads[k]);
        for (let t = 0; t < n; t++) {
          const w = f.side === 'left' ? att[k][f.index][t] : att[k][t][f.index];
          const i = f.side === 'left' ? f.index : t;
          const j = f.side === 'left' ? t : f.index;
          if (!visible(i, j)) continue;
          ctx.globalAlpha = Math.min(1, w);
          ctx.fillRect(x0 + slot * BOX, t * ROW + 3, BOX - 1, ROW - 6);
        }
      });
    }
    ctx.globalAlpha = 1;
    weightTitles(att, heads);
  }

  function loadInput(k) {
    state.input = k;
    data = JSON.parse(blocks[k].textContent);
    if (state.heads === null) state.heads = new Set(data.heads);
    if (state.layer >= data.layers.length) state.layer = 0;
    state.focus = null;
    state.pinned = false;
    buildLayerSelect();
    buildHeadButtons();
    buildSentences();
    buildTokens();
    draw();
  }

  if (blocks.length === 0) {
    $('view').replaceChildren(Object.assign(document.createElement('p'), { className: 'empty', textContent: 'No inputs.' }));
    return;
  }
  $('filter-select').addEventListener('change', (event) => { state.filter = event.target.value; draw(); });
  document.addEventListener('keydown', (event) => { if (event.key === 'Escape') setFocus(null, false); });
  wireColumn(left, 'left');
  wireColumn(right, 'right');
  buildInputSelect();
  loadInput(0);
})();
