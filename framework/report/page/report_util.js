/* Chimera training report, part 1 of 5: DOM and number helpers, colours, status badges.
 *
 * The page script is five plain ES2017 files (no modules, no build step) run in this order in one
 * page: report_util.js, report_curves.js, report_media.js, report_evaluation.js, report.js (the
 * entry). embed.cmake puts them one after the other into the page's last <script> (see CONTRACT.md).
 * They share one namespace object, window.ChimeraReport: each file, wrapped in its own function,
 * takes what it needs from it when it runs and adds what it defines. Chart.js 3.9 is the global
 * `Chart`. Everything is built with DOM calls and textContent, never innerHTML, so nothing in the
 * data (names, captions, YAML) can inject markup. */
(function () {
  'use strict';
  const ChimeraReport = window.ChimeraReport = window.ChimeraReport || {};

  const PALETTE = ['#4e79a7', '#f28e2b', '#e15759', '#76b7b2', '#59a14f',
                   '#edc948', '#b07aa1', '#ff9da7', '#9c755f', '#17becf'];
  const TOTAL_COLOUR = '#222';

  // What each status in run.json means (its badge's tooltip). A killed run never wrote how it
  // ended, so it keeps "running"; a status not listed here gets a grey badge with its raw text.
  const STATUS_TITLES = {
    finished: 'training ran all its planned epochs',
    'early-stopped': 'early stopping ended training',
    diverged: 'a loss became NaN or infinite',
    failed: 'an error ended training',
    running: 'still training, or killed before it could write how it ended',
    unknown: 'no run.json: an older run that recorded no status'
  };

  // Per-image work (cropping tiles) that must finish before the page counts as ready: promises
  // pushed by report_media.js, awaited by report.js.
  ChimeraReport.pending = ChimeraReport.pending || [];

  // ---------------------------------------------------------------- DOM helpers

  // el('p', {class: 'x'}, 'text', child, ...): attributes whose value is null/false are left out.
  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [key, value] of Object.entries(attrs || {})) {
      if (value === null || value === undefined || value === false) continue;
      if (key === 'class') node.className = value;
      else node.setAttribute(key, value === true ? '' : String(value));
    }
    for (const child of children) {
      if (child !== null && child !== undefined && child !== false) node.append(child);
    }
    return node;
  }

  function missing(parent, message) {
    const node = el('p', {class: 'missing'}, message);
    parent.append(node);
    return node;
  }

  function problem(parent, message) {
    const node = el('p', {class: 'problem'}, message);
    parent.append(node);
    return node;
  }

  // A section with an h3 title, appended at once so charts drawn into it can measure their size.
  function section(parent, title, className) {
    const node = el('section', {class: className || null}, el('h3', {}, title));
    parent.append(node);
    return node;
  }

  // Runs fn(parent); an exception becomes a visible problem there (and a console error for tests)
  // so one broken piece never hides the rest of the report.
  function safely(parent, what, fn) {
    try {
      fn(parent);
    } catch (error) {
      problem(parent, 'Could not draw ' + what + ': ' + (error && error.message ? error.message : error));
      console.error(error);
    }
  }

  function list(value) {
    return Array.isArray(value) ? value : [];
  }

  function isObject(value) {
    return value !== null && typeof value === 'object' && !Array.isArray(value);
  }

  // Small pictures (28-pixel tiles) are shown at twice their size, with sharp pixels.
  function upscaleWhenSmall(img) {
    const fit = () => {
      if (img.naturalWidth > 0 && img.naturalWidth <= 400) img.style.width = (img.naturalWidth * 2) + 'px';
    };
    img.addEventListener('load', fit);
    if (img.complete) fit();
    return img;
  }

  // A two-column table of label -> value rows (values may be nodes); rows with value null are left out.
  function keyValueTable(className, rows) {
    const body = el('tbody');
    for (const [label, value] of rows) {
      if (value === null || value === undefined || value === '') continue;
      body.append(el('tr', {}, el('th', {scope: 'row'}, label), el('td', {}, value)));
    }
    return el('table', {class: className}, body);
  }

  // ---------------------------------------------------------------- formatting

  function fmtNumber(value) {
    if (value === null || value === undefined || typeof value !== 'number' || !isFinite(value)) return '–';
    const a = Math.abs(value);
    if (a !== 0 && (a < 1e-3 || a >= 1e6)) return value.toExponential(3);
    return String(Number(value.toPrecision(5)));
  }

  function fmtShare(value) {
    return typeof value === 'number' && isFinite(value) ? (value * 100).toFixed(1) + '%' : '–';
  }

  // A share (0..1) for a chart: a finite number, or null (a gap).
  function shareOrNull(v) {
    return typeof v === 'number' && isFinite(v) ? v : null;
  }

  function fmtDuration(seconds) {
    if (typeof seconds !== 'number' || !isFinite(seconds)) return '–';
    if (seconds < 60) return seconds.toFixed(1) + ' s';
    const s = Math.round(seconds);
    const pad = (n) => String(n).padStart(2, '0');
    if (s < 3600) return Math.floor(s / 60) + ' min ' + pad(s % 60) + ' s';
    return Math.floor(s / 3600) + ' h ' + pad(Math.floor(s / 60) % 60) + ' min';
  }

  // ISO 8601 as written by C++ ("2026-12-04T19:40:00Z") made easier to read; kept in UTC.
  function fmtTime(iso) {
    if (typeof iso !== 'string' || !iso) return '–';
    return iso.replace('T', ' ').replace(/Z$/, ' UTC');
  }

  // ---------------------------------------------------------------- colours

  // Colours handed out in order within one chart; the total of a single run stays dark.
  function colourPicker() {
    const given = new Map();
    return (key, isTotal) => {
      if (isTotal) return TOTAL_COLOUR;
      if (!given.has(key)) given.set(key, PALETTE[given.size % PALETTE.length]);
      return given.get(key);
    };
  }

  // White (0) to dark blue (1), as an rgb() string.
  function shareColour(v) {
    if (typeof v !== 'number' || !isFinite(v)) return '#d9d9d9';
    const t = Math.max(0, Math.min(1, v));
    const from = [239, 245, 252];
    const to = [8, 48, 107];
    const mix = from.map((f, i) => Math.round(f + (to[i] - f) * t));
    return 'rgb(' + mix.join(',') + ')';
  }

  // A 256-entry magma-like colour map (spectrograms), flattened rgb.
  let lutCache = null;
  function colourMap() {
    if (lutCache) return lutCache;
    const stops = [[0, 0, 4], [59, 15, 112], [140, 41, 129], [222, 73, 104], [254, 159, 109], [252, 253, 191]];
    lutCache = new Uint8Array(256 * 3);
    for (let i = 0; i < 256; i++) {
      const x = i / 255 * (stops.length - 1);
      const j = Math.min(stops.length - 2, Math.floor(x));
      const t = x - j;
      for (let c = 0; c < 3; c++) lutCache[i * 3 + c] = Math.round(stops[j][c] + (stops[j + 1][c] - stops[j][c]) * t);
    }
    return lutCache;
  }

  // ---------------------------------------------------------------- run status

  function statusOf(run) {
    return isObject(run.record) && typeof run.record.status === 'string' && run.record.status ? run.record.status : 'unknown';
  }

  function badge(status) {
    const known = Object.prototype.hasOwnProperty.call(STATUS_TITLES, status);
    return el('span', {class: 'badge status-' + (known ? status : 'unknown'), title: known ? STATUS_TITLES[status] : null},
              status === 'unknown' ? 'no status' : status);
  }

  Object.assign(ChimeraReport, {
    PALETTE, el, missing, problem, section, safely, list, isObject, upscaleWhenSmall, keyValueTable,
    fmtNumber, fmtShare, shareOrNull, fmtDuration, fmtTime, colourPicker, shareColour, colourMap,
    statusOf, badge
  });
})();
