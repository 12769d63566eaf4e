/* Chimera training report: draws the page from the DATA JSON that `chimera report` embeds
 * (see CONTRACT.md beside this file). Plain ES2017, no modules; Chart.js 3.9 is the global
 * `Chart`. Everything is built with DOM calls and textContent, never innerHTML, so nothing in
 * the data (names, captions, YAML) can inject markup. */
(function () {
  'use strict';

  const PALETTE = ['#4e79a7', '#f28e2b', '#e15759', '#76b7b2', '#59a14f',
                   '#edc948', '#b07aa1', '#ff9da7', '#9c755f', '#17becf'];
  const TOTAL_COLOUR = '#222';
  const GRID_COLUMNS = 8;   // images per row in generated grids (CONTRACT: "8 per row")
  const GRID_BORDER = 2;    // pixels around each tile (io/png_grid.hpp)

  const STATUS_TITLES = {
    finished: 'training ran all its planned epochs',
    'early-stopped': 'early stopping ended training',
    diverged: 'a loss became NaN or infinite',
    failed: 'an error ended training',
    stopped: 'training was stopped by hand',
    running: 'still training, or ended without writing its status',
    unknown: 'no run.json: an older run that recorded no status'
  };

  // Per-image work (cropping tiles) that must finish before the page counts as ready.
  const pending = [];

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

  // ---------------------------------------------------------------- series and curves

  // Which chart a series belongs to: the pipeline's losses (and their weighted sum "total"),
  // the optimisers' learning rates and gradient norms, the losses' weights, or anything else.
  function seriesKind(name, losses) {
    if (name.startsWith('lr/')) return 'lr';
    if (name.startsWith('grad_norm/')) return 'grad';
    if (name.startsWith('weight/')) return 'weight';
    if (name === 'total') return 'loss';
    if (losses.length) return losses.includes(name) ? 'loss' : 'other';
    return name.includes('/') ? 'other' : 'loss';   // an old run without loss names
  }

  // Metric names in the order the page shows them: the run's losses as the pipeline lists them,
  // then total, then the rest by name.
  function inMetricOrder(run, names) {
    const losses = list(run.losses);
    const rank = (name) => {
      const i = losses.indexOf(name);
      return i >= 0 ? i : name === 'total' ? losses.length : losses.length + 1;
    };
    return names.slice().sort((a, b) => rank(a) - rank(b) || a.localeCompare(b));
  }

  // The names of `curve`'s series of `kind`.
  function seriesOfKind(run, curve, kind) {
    if (!curve || !isObject(curve.series)) return [];
    const losses = list(run.losses);
    return inMetricOrder(run, Object.keys(curve.series)
      .filter((name) => seriesKind(name, losses) === kind && Array.isArray(curve.series[name])));
  }

  // Chart.js points {x, y} for one series; non-numbers become gaps (null). Sorted by x because
  // `parsing: false` makes Chart.js trust the order; when an x comes twice (a resumed run logs an
  // epoch again) the later value wins.
  function points(curve, name) {
    const at = list(curve.at);
    const values = list(curve.series[name]);
    const out = [];
    let ordered = true;
    for (let i = 0; i < at.length; i++) {
      if (typeof at[i] !== 'number') continue;
      const y = values[i];
      const point = {x: at[i], y: typeof y === 'number' && isFinite(y) ? y : null};
      if (out.length && point.x <= out[out.length - 1].x) ordered = false;
      out.push(point);
    }
    if (ordered) return out;
    const byX = new Map();
    for (const p of out) byX.set(p.x, p);
    return Array.from(byX.values()).sort((a, b) => a.x - b.x);
  }

  // Colours handed out in order within one chart; the total of a single run stays dark.
  function colourPicker() {
    const given = new Map();
    return (key, isTotal) => {
      if (isTotal) return TOTAL_COLOUR;
      if (!given.has(key)) given.set(key, PALETTE[given.size % PALETTE.length]);
      return given.get(key);
    };
  }

  // The datasets of one chart over `runs`: per step (the "train" curve) or per epoch
  // (train_epoch solid, validation dashed in the same colour).
  function curveDatasets(runs, kind, per) {
    const overlay = runs.length > 1;
    const colour = colourPicker();
    const datasets = [];
    const add = (run, curve, name, suffix, dashed) => {
      const data = points(curve, name);
      if (!data.some((p) => p.y !== null)) return;  // nothing to draw (a series null throughout)
      // Step curves hide their points, unless a lone point would then be invisible.
      const hidePoints = per === 'step' && data.filter((p) => p.y !== null).length > 1;
      const key = run.name + '\u0000' + name;
      const c = colour(key, !overlay && name === 'total');
      datasets.push({
        label: (overlay ? run.name + ': ' : '') + name + suffix,
        data: data,
        borderColor: c,
        backgroundColor: c,
        borderDash: dashed ? [6, 4] : [],
        borderWidth: name === 'total' ? 2 : 1.5,
        pointRadius: hidePoints ? 0 : 2.5,
        pointHoverRadius: hidePoints ? 3 : 4
      });
    };
    for (const run of runs) {
      const curves = isObject(run.curves) ? run.curves : {};
      if (per === 'step') {
        for (const name of seriesOfKind(run, curves.train, kind)) add(run, curves.train, name, '', false);
      } else {
        const train = seriesOfKind(run, curves.train_epoch, kind);
        const validation = seriesOfKind(run, curves.validation, kind);
        const names = train.concat(validation.filter((n) => !train.includes(n)));
        for (const name of names) {
          if (train.includes(name)) add(run, curves.train_epoch, name, ' (train)', false);
          if (validation.includes(name)) add(run, curves.validation, name, ' (validation)', true);
        }
      }
    }
    return datasets;
  }

  function lineConfig(datasets, per, overlay) {
    const xLabel = per === 'step' ? 'step' : 'epoch';
    return {
      type: 'line',
      data: {datasets: datasets},
      options: {
        animation: false,
        responsive: true,
        maintainAspectRatio: false,
        parsing: false,
        normalized: true,
        interaction: {mode: 'index', intersect: false},
        elements: {line: {tension: 0}},
        scales: {
          // Steps from 0 to the last one logged (not to the next round number); epochs as they come.
          x: per === 'step' ? {type: 'linear', min: 0, bounds: 'data', title: {display: true, text: xLabel}}
                            : {type: 'linear', title: {display: true, text: xLabel}, ticks: {precision: 0}},
          y: Object.assign({type: 'linear'}, flatRange(datasets))
        },
        plugins: {
          legend: {position: 'bottom', labels: {boxWidth: 14, boxHeight: 2}},
          tooltip: {
            callbacks: {
              title: (items) => items.length ? xLabel + ' ' + items[0].parsed.x : '',
              // Overlaid runs may log at different steps: say where each value comes from.
              label: (item) => item.dataset.label + ': ' + fmtNumber(item.parsed.y) +
                (overlay && firstTooltipX(item) !== item.parsed.x ? ' (' + xLabel + ' ' + item.parsed.x + ')' : '')
            }
          }
        }
      }
    };
  }

  // Chart.js widens a flat chart by 1 either side whatever its values, which draws a constant
  // learning rate of 2e-4 as a line on 0: a flat chart is bounded by its value instead.
  function flatRange(datasets) {
    let lo = Infinity, hi = -Infinity;
    for (const d of datasets) {
      for (const p of d.data) {
        if (p && p.y !== null && isFinite(p.y)) {
          lo = Math.min(lo, p.y);
          hi = Math.max(hi, p.y);
        }
      }
    }
    if (lo !== hi) return {};
    const pad = lo === 0 ? 1 : Math.abs(lo);
    return {min: lo >= 0 ? 0 : lo - pad, max: lo + pad};
  }

  // The x of the tooltip's first item, to tell whether another item sits elsewhere.
  function firstTooltipX(item) {
    const active = item.chart.tooltip && item.chart.tooltip.dataPoints;
    return active && active.length ? active[0].parsed.x : item.parsed.x;
  }

  // ---------------------------------------------------------------- chart cards

  function chartGrid(parent) {
    const grid = el('div', {class: 'chart-grid'});
    parent.append(grid);
    return grid;
  }

  // A titled card holding <canvas class="chart" data-chart=ID>; returns the Chart (or null, with a
  // note, when Chart.js did not load).
  function addChart(grid, id, title, config, options) {
    const opts = options || {};
    const head = el('figcaption', {}, el('span', {class: 'chart-title'}, title));
    const canvas = el('canvas', {class: 'chart', 'data-chart': id, role: 'img', 'aria-label': title});
    const box = el('div', {class: 'chart-box'}, canvas);
    if (opts.height) box.style.minHeight = opts.height + 'px';
    const card = el('figure', {class: 'chart-card'}, head, box);
    grid.append(card);
    if (typeof Chart === 'undefined') {
      box.replaceWith(el('p', {class: 'missing'}, 'Chart.js is not in this page, so this chart cannot be drawn.'));
      return null;
    }
    const chart = new Chart(canvas, config);
    if (opts.logSwitch) head.append(logSwitch(chart));
    return chart;
  }

  // The log-scale checkbox of a loss chart. Chart.js leaves values <= 0 off a log axis, but then
  // drops its lower bound to a guess; bounding it by the smallest positive value keeps every
  // positive point in view.
  function logSwitch(chart) {
    const box = el('input', {type: 'checkbox', class: 'log-switch'});
    box.addEventListener('change', () => {
      try {
        const y = chart.options.scales.y;
        y.type = box.checked ? 'logarithmic' : 'linear';
        y.min = box.checked ? smallestPositive(chart) : undefined;
        chart.update();
      } catch (error) {
        console.error(error);
      }
    });
    return el('label', {class: 'switch'}, box, ' log scale');
  }

  function smallestPositive(chart) {
    let min = Infinity;
    for (const dataset of chart.data.datasets) {
      for (const p of dataset.data) if (p.y > 0 && p.y < min) min = p.y;
    }
    return isFinite(min) ? min : undefined;
  }

  // The curve charts (CONTRACT ids). `per` lists the curves to draw from in order of preference:
  // the first that has series of the kind is used. `none` is said when a chart has no data; the
  // charts without it are simply left out then.
  const CURVE_CHARTS = [
    {id: 'losses-train', title: 'Losses per step', kind: 'loss', per: ['step'], log: true,
     none: 'No per-step metrics were logged.'},
    {id: 'losses-epoch', title: 'Losses per epoch (validation dashed)', kind: 'loss', per: ['epoch'], log: true,
     none: 'No per-epoch metrics were logged.'},
    {id: 'lr', title: 'Learning rate', kind: 'lr', per: ['step', 'epoch']},
    {id: 'grad-norm', title: 'Gradient norm', kind: 'grad', per: ['step', 'epoch']},
    {id: 'loss-weights', title: 'Loss weights', kind: 'weight', per: ['step', 'epoch']},
    {id: 'other', title: 'Other metrics', kind: 'other', per: ['epoch', 'step']}
  ];

  function renderCurves(parent, runs) {
    const grid = chartGrid(parent);
    const overlay = runs.length > 1;
    for (const spec of CURVE_CHARTS) {
      let per = null;
      let datasets = [];
      for (const p of spec.per) {
        datasets = curveDatasets(runs, spec.kind, p);
        if (datasets.length) {
          per = p;
          break;
        }
      }
      if (!per) {
        if (spec.none) missing(grid, spec.none);
        continue;
      }
      const title = spec.per.length > 1 ? spec.title + ' per ' + per : spec.title;
      // The legend takes room from the plot: grow the card with it (about 2 labels a row when
      // overlaid, 4 otherwise).
      const legendRows = Math.ceil(datasets.length / (overlay ? 2 : 4));
      addChart(grid, spec.id, title, lineConfig(datasets, per, overlay),
               {logSwitch: spec.log, height: Math.max(280, 220 + 20 * legendRows)});
    }
  }

  // ---------------------------------------------------------------- run header, tables

  function statusOf(run) {
    return isObject(run.record) && typeof run.record.status === 'string' && run.record.status ? run.record.status : 'unknown';
  }

  function badge(status) {
    const known = Object.prototype.hasOwnProperty.call(STATUS_TITLES, status);
    return el('span', {class: 'badge status-' + (known ? status : 'unknown'), title: known ? STATUS_TITLES[status] : null},
              status === 'unknown' ? 'no status' : status);
  }

  function runAnchor(index) {
    return 'run-' + index;
  }

  function renderHeader(parent, run, index) {
    const header = el('header', {class: 'run-header'},
                      el('h2', {id: runAnchor(index)}, run.name),
                      badge(statusOf(run)));
    parent.append(header);
    if (run.path) parent.append(el('p', {class: 'run-path'}, String(run.path)));
    const record = isObject(run.record) ? run.record : null;
    if (record && record.message) {
      parent.append(el('p', {class: 'stop-message status-' + statusOf(run)}, String(record.message)));
    }
  }

  function renderProblems(parent, run) {
    const problems = list(run.problems);
    if (!problems.length) return;
    const box = el('div', {class: 'problems', role: 'alert'},
                   el('h3', {}, problems.length === 1 ? '1 problem reading this run' : problems.length + ' problems reading this run'));
    for (const p of problems) problem(box, String(p));
    parent.append(box);
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

  function whereItStopped(record) {
    const parts = [];
    if (typeof record.epochs === 'number') {
      parts.push('epoch ' + record.epochs + (typeof record.epochs_planned === 'number' ? ' of ' + record.epochs_planned + ' planned' : ''));
    }
    if (typeof record.steps === 'number') parts.push('step ' + record.steps);
    return parts.join(', ') || null;
  }

  function renderInfo(parent, run) {
    const sec = section(parent, 'Run', 'run-info');
    const record = isObject(run.record) ? run.record : null;
    if (!record) {
      sec.append(keyValueTable('info-table', [['Directory', run.path ? String(run.path) : null]]));
      missing(sec, 'This run has no run.json (an older run): its command, seed and status were not recorded.');
      return;
    }
    const status = statusOf(run);
    const components = list(record.components);
    sec.append(keyValueTable('info-table', [
      ['Pipeline', record.pipeline],
      ['Command', record.command ? el('code', {}, String(record.command)) : null],
      ['Seed', record.seed],
      ['Threads', record.threads],
      ['Ranks', record.ranks],
      ['Version', record.version],
      ['Started', record.started ? fmtTime(record.started) : null],
      ['Duration', typeof record.seconds === 'number' ? fmtDuration(record.seconds) + (status === 'running' ? ' so far' : '') : null],
      ['Stopped at', whereItStopped(record) ? status + ': ' + whereItStopped(record) : status],
      ['Components', components.length ? el('ul', {class: 'components'}, ...components.map((c) => el('li', {}, String(c)))) : null],
      ['Directory', run.path ? String(run.path) : null]
    ]));
  }

  function metricsTable(className, run, metrics) {
    const body = el('tbody');
    for (const name of inMetricOrder(run, Object.keys(metrics))) {
      body.append(el('tr', {class: name === 'total' ? 'total' : null},
                     el('th', {scope: 'row'}, name), el('td', {class: 'num'}, fmtNumber(metrics[name]))));
    }
    return el('table', {class: className}, el('thead', {}, el('tr', {}, el('th', {}, 'metric'), el('th', {class: 'num'}, 'value'))), body);
  }

  function renderTest(parent, run) {
    const sec = section(parent, 'Final test metrics', 'test');
    if (!isObject(run.test) || !Object.keys(run.test).length) {
      missing(sec, 'No test metrics were logged (the run has no test split, or did not reach it).');
      return;
    }
    sec.append(metricsTable('test-table', run, run.test));
  }

  // ---------------------------------------------------------------- samples, figures, traversal

  function renderSamples(parent, run) {
    const sec = section(parent, 'Samples', 'samples-section');
    const samples = list(run.samples).filter((s) => isObject(s) && typeof s.src === 'string' && typeof s.epoch === 'number')
      .sort((a, b) => a.epoch - b.epoch);
    if (run.samples_caption) sec.append(el('p', {class: 'caption'}, String(run.samples_caption)));
    if (!samples.length) {
      missing(sec, 'No sample grids were saved for this run.');
      return;
    }
    const last = samples.length - 1;
    const lastEpoch = samples[last].epoch;
    const slider = el('input', {type: 'range', class: 'epoch-slider', min: 0, max: last, step: 1,
                                'aria-label': 'epoch of the sample grid'});
    slider.value = String(last);
    const label = el('span', {class: 'epoch-label'});
    const image = upscaleWhenSmall(el('img', {class: 'epoch-image', alt: 'sample grid'}));
    const show = (i) => {
      const s = samples[i];
      image.src = s.src;
      image.alt = 'sample grid after epoch ' + s.epoch;
      label.textContent = 'Epoch ' + s.epoch + ' of ' + lastEpoch;
    };
    slider.addEventListener('input', () => show(Number(slider.value)));
    show(last);
    sec.append(el('div', {class: 'samples'}, el('div', {class: 'slider-row'}, slider, label), image));
  }

  function renderFigures(parent, run) {
    const figures = list(run.figures).filter((f) => isObject(f) && typeof f.src === 'string');
    const sec = section(parent, 'Figures', 'figures');
    if (!figures.length) {
      missing(sec, 'No figures (reconstructions, interpolations) were made for this run.');
      return;
    }
    const row = el('div', {class: 'figure-row'});
    for (const f of figures) {
      row.append(el('figure', {class: 'picture'},
                    upscaleWhenSmall(el('img', {src: f.src, alt: String(f.title || 'figure')})),
                    el('figcaption', {}, el('strong', {}, String(f.title || '')), f.caption ? ' ' + f.caption : '')));
    }
    sec.append(row);
  }

  function renderTraversal(parent, run) {
    const t = run.traversal;
    if (!isObject(t)) return;   // only VAEs have one
    const sec = section(parent, 'Latent traversal', 'traversal');
    const dims = list(t.dimensions);
    // The traversal beside its KL chart (two columns on wide screens).
    const grid = chartGrid(sec);
    if (typeof t.src === 'string') {
      grid.append(el('figure', {class: 'picture'},
                     upscaleWhenSmall(el('img', {src: t.src, alt: 'latent traversal'})),
                     el('figcaption', {}, dims.length ? 'Each row varies one latent dimension, most active first: ' +
                                          dims.map((d) => 'z' + d).join(', ') + '.' : 'Latent traversal.')));
    } else {
      missing(grid, 'The traversal image is missing.');
    }
    const kl = list(t.kl);
    if (!kl.length) {
      missing(grid, 'No KL per dimension was recorded.');
      return;
    }
    const colours = kl.map((_, i) => dims.includes(i) ? PALETTE[0] : '#b8c4d6');
    addChart(grid, 'kl-' + run.name, 'KL per latent dimension (traversed ones dark)', {
      type: 'bar',
      data: {labels: kl.map((_, i) => 'z' + i), datasets: [{label: 'KL', data: kl.map((v) => typeof v === 'number' ? v : null),
                                                            backgroundColor: colours}]},
      options: barOptions({y: {beginAtZero: true, title: {display: true, text: 'KL (nats)'}}},
                          (item) => 'KL ' + fmtNumber(item.parsed.y))
    });
  }

  function barOptions(scales, label) {
    return {
      animation: false, responsive: true, maintainAspectRatio: false,
      datasets: {bar: {maxBarThickness: 64}},
      interaction: {mode: 'index', intersect: false},
      scales: scales,
      plugins: {legend: {display: false}, tooltip: {callbacks: {label: label}}}
    };
  }

  // ---------------------------------------------------------------- evaluation

  function renderEvaluations(parent, run) {
    const sec = section(parent, 'Evaluation', 'evaluations');
    const evaluations = list(run.evaluations).filter(isObject);
    if (!evaluations.length) {
      missing(sec, 'Not evaluated: there are no `chimera evaluate` results for this run.');
      return;
    }
    evaluations.forEach((ev, i) => {
      const box = el('div', {class: 'evaluation'}, el('h4', {}, 'Split: ' + (ev.split || '?')));
      sec.append(box);
      safely(box, 'the evaluation', () => {
        if (isObject(ev.metrics) && Object.keys(ev.metrics).length) box.append(metricsTable('eval-table', run, ev.metrics));
        else missing(box, 'No metrics in this evaluation.');
        // Chart ids carry the run name; a second evaluation of the same run also its split.
        if (isObject(ev.coherence)) renderCoherence(box, run.name + (i === 0 ? '' : '-' + (ev.split || i)), ev.coherence);
      });
    });
  }

  // Heat-map order: single modalities in the targets' order, then combinations by size, "all" last.
  function sourceOrder(sources, targets) {
    const rank = (s) => targets.includes(s) ? targets.indexOf(s) : s === 'all' ? 1e6 : 1000 + s.split('+').length;
    return sources.slice().sort((a, b) => rank(a) - rank(b) || a.localeCompare(b));
  }

  function renderCoherence(parent, key, c) {
    const note = [];
    if (typeof c.examples === 'number') note.push(c.examples + ' examples');
    if (c.decoding) note.push('decoding: ' + c.decoding);
    parent.append(el('h4', {}, 'Coherence' + (note.length ? ' (' + note.join(', ') + ')' : '')));

    const judges = isObject(c.judges) ? c.judges : {};
    if (Object.keys(judges).length) {
      const body = el('tbody');
      for (const m of Object.keys(judges)) {
        const j = isObject(judges[m]) ? judges[m] : {};
        body.append(el('tr', {}, el('th', {scope: 'row'}, m), el('td', {class: 'num'}, fmtShare(j.accuracy)),
                       el('td', {class: 'judge-run'}, j.run ? String(j.run) : '–')));
      }
      parent.append(el('table', {class: 'judges-table'},
                       el('caption', {}, 'Judges: classifiers that name an example\'s class, with their accuracy on the split\'s own data'),
                       el('thead', {}, el('tr', {}, el('th', {}, 'modality'), el('th', {class: 'num'}, 'accuracy'), el('th', {}, 'judge run'))),
                       body));
    } else {
      missing(parent, 'No judges were named, so the shares below have no judge accuracy to compare with.');
    }

    const grid = chartGrid(parent);
    const cross = isObject(c.cross_coherence) ? c.cross_coherence : {};
    if (Object.keys(cross).some((s) => isObject(cross[s]))) {
      heatMap(grid, key, cross, isObject(c.cross_coherence_examples) ? c.cross_coherence_examples : {}, Object.keys(judges));
    } else {
      missing(grid, 'No cross-modal coherence was measured.');
    }

    const joint = isObject(c.joint_coherence) ? c.joint_coherence : null;
    if (joint) {
      const pairs = isObject(joint.pairs) ? joint.pairs : {};
      const labels = Object.keys(pairs).concat(['all agree']);
      const values = Object.keys(pairs).map((p) => pairs[p]).concat([joint.all_agree]);
      addChart(grid, 'joint-' + key, 'Joint coherence: judges agree on prior samples' +
               (typeof joint.samples === 'number' ? ' (' + joint.samples + ' samples)' : ''), {
        type: 'bar',
        data: {labels: labels, datasets: [{label: 'agree', data: values.map(shareOrNull),
                                           backgroundColor: labels.map((l) => l === 'all agree' ? PALETTE[1] : PALETTE[0])}]},
        options: barOptions(shareScales(), (item) => 'agree ' + fmtShare(item.parsed.y))
      });
    } else {
      missing(grid, 'No joint coherence was measured.');
    }

    const probe = isObject(c.linear_probe) ? c.linear_probe : null;
    const accuracy = probe && isObject(probe.accuracy) ? probe.accuracy : {};
    if (Object.keys(accuracy).length) {
      const names = sourceOrder(Object.keys(accuracy), Object.keys(judges));
      addChart(grid, 'probe-' + key, 'Linear probe on the latent mean: test accuracy' +
               (typeof probe.training_examples === 'number' ? ' (fitted on ' + probe.training_examples + ' examples)' : ''), {
        type: 'bar',
        data: {labels: names, datasets: [{label: 'accuracy', data: names.map((n) => shareOrNull(accuracy[n])), backgroundColor: PALETTE[4]}]},
        options: barOptions(shareScales(), (item) => 'accuracy ' + fmtShare(item.parsed.y))
      });
    } else {
      missing(grid, 'No linear probe was fitted.');
    }
  }

  function shareOrNull(v) {
    return typeof v === 'number' && isFinite(v) ? v : null;
  }

  function shareScales() {
    return {y: {min: 0, max: 1, ticks: {callback: (v) => Math.round(v * 100) + '%'}}};
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

  // Cross-modal coherence as a heat map: a scatter on two category axes (target across, source
  // down), one point per cell, the cells painted by the chart's own plugin below.
  function heatMap(grid, key, cross, examples, judgeOrder) {
    const sources = sourceOrder(Object.keys(cross).filter((s) => isObject(cross[s])), judgeOrder);
    const targets = judgeOrder.slice();
    for (const s of sources) for (const t of Object.keys(cross[s])) if (!targets.includes(t)) targets.push(t);
    const data = [];
    for (const s of sources) {
      for (const t of targets) {
        if (!Object.prototype.hasOwnProperty.call(cross[s], t)) continue;
        const seen = isObject(examples[s]) ? examples[s][t] : undefined;
        data.push({x: t, y: s, v: shareOrNull(cross[s][t]), n: typeof seen === 'number' ? seen : null});
      }
    }
    // Chart.js squares cannot be wider than tall, so the cells are painted here: one rectangle per
    // point filling its row and column, the share written inside, the hovered one outlined.
    const cells = {
      id: 'cells',
      beforeDatasetsDraw(chart) {
        const {ctx, scales} = chart;
        const w = scales.x.width / targets.length;
        const h = scales.y.height / sources.length;
        const active = chart.getActiveElements().map((a) => a.index);
        ctx.save();
        ctx.textAlign = 'center';
        ctx.textBaseline = 'middle';
        ctx.font = '12px ' + Chart.defaults.font.family;
        chart.getDatasetMeta(0).data.forEach((point, i) => {
          const v = data[i].v;
          ctx.fillStyle = shareColour(v);
          ctx.fillRect(point.x - w / 2 + 1, point.y - h / 2 + 1, w - 2, h - 2);
          if (active.includes(i)) {
            ctx.strokeStyle = '#000';
            ctx.lineWidth = 2;
            ctx.strokeRect(point.x - w / 2 + 2, point.y - h / 2 + 2, w - 4, h - 4);
          }
          ctx.fillStyle = v !== null && v > 0.55 ? '#fff' : '#222';
          ctx.fillText(v === null ? '–' : Math.round(v * 100) + '%', point.x, point.y);
        });
        ctx.restore();
      }
    };
    addChart(grid, 'coherence-' + key, 'Cross-modal coherence: share of the target\'s judge naming the source\'s class', {
      type: 'scatter',
      data: {datasets: [{label: 'coherence', data: data, pointStyle: 'rect', pointRadius: 0, pointHoverRadius: 0}]},
      options: {
        animation: false, responsive: true, maintainAspectRatio: false,
        layout: {padding: 4},
        scales: {
          x: {type: 'category', labels: targets, offset: true, grid: {display: false}, title: {display: true, text: 'target (judged)'}},
          y: {type: 'category', labels: sources, offset: true, grid: {display: false}, title: {display: true, text: 'source (given)'}}
        },
        // The nearest cell centre is the cell under the pointer.
        interaction: {mode: 'nearest', intersect: false},
        plugins: {
          legend: {display: false},
          tooltip: {callbacks: {
            title: () => '',
            label: (item) => item.raw.y + ' → ' + item.raw.x + ': ' + fmtShare(item.raw.v) +
              (item.raw.n !== null ? ' of ' + item.raw.n + ' examples' : '')
          }}
        }
      },
      plugins: [cells]
    }, {height: Math.max(220, 70 + 40 * sources.length)});
  }

  // ---------------------------------------------------------------- generated

  // "prior-image+text+audio" -> "from the prior into image, text and audio".
  function describeGenerated(label) {
    const cut = label.indexOf('-');
    if (cut <= 0) return '';
    const from = label.slice(0, cut);
    const into = label.slice(cut + 1).split('+').filter(Boolean);
    if (!into.length) return '';
    const joined = into.length > 1 ? into.slice(0, -1).join(', ') + ' and ' + into[into.length - 1] : into[0];
    return 'from ' + (from === 'prior' ? 'the prior' : from) + ' into ' + joined;
  }

  function renderGenerated(parent, run) {
    const sec = section(parent, 'Generated', 'generated');
    const entries = list(run.generated).filter(isObject);
    if (!entries.length) {
      missing(sec, 'Nothing was generated for this run (`chimera generate`).');
      return;
    }
    for (const g of entries) {
      const label = String(g.label || '');
      const box = el('div', {class: 'generated-entry'}, el('h4', {}, label || 'generated'));
      const about = describeGenerated(label);
      if (about) box.append(el('p', {class: 'caption'}, about));
      sec.append(box);
      safely(box, 'generated ' + label, () => renderGeneratedEntry(box, g));
    }
  }

  // One card per generated example: its tile of the image grid, its caption, its audio.
  function renderGeneratedEntry(box, g) {
    const captions = list(g.captions);
    const audio = list(g.audio).filter(isObject);
    const count = Math.max(captions.length, audio.length);
    const image = typeof g.image === 'string' ? g.image : null;
    if (!count) {
      if (image) box.append(el('figure', {class: 'picture'}, upscaleWhenSmall(el('img', {src: image, alt: 'generated images'}))));
      else missing(box, 'This entry holds no images, captions or audio.');
      return;
    }
    const tiles = [];
    const cards = el('div', {class: 'generated-grid'});
    box.append(cards);
    for (let i = 0; i < count; i++) {
      const card = el('div', {class: 'generated-item'}, el('span', {class: 'item-number'}, String(i + 1)));
      const top = el('div', {class: 'item-top'});
      card.append(top);
      if (image) {
        const tile = el('canvas', {class: 'tile', width: 1, height: 1, 'aria-label': 'image ' + (i + 1)});
        tiles.push(tile);
        top.append(tile);
      }
      if (i < captions.length) {
        const text = String(captions[i] === null || captions[i] === undefined ? '' : captions[i]);
        top.append(el('p', {class: 'generated-caption' + (text.trim() ? '' : ' empty')}, text.trim() ? text : '(empty caption)'));
      }
      if (i < audio.length) card.append(audioPlayer(audio[i]));
      cards.append(card);
    }
    if (image) pending.push(cropTiles(box, cards, image, tiles));
  }

  // Draws tile i of the grid image (8 per row, 2-pixel borders) into tiles[i]. When the image's
  // size does not fit that layout, shows the whole grid above the cards instead.
  function cropTiles(box, cards, src, tiles) {
    return new Promise((resolve) => {
      const img = new Image();
      const fallback = (why) => {
        for (const t of tiles) t.remove();
        box.insertBefore(el('figure', {class: 'picture'}, upscaleWhenSmall(el('img', {src: src, alt: 'generated images'})),
                            el('figcaption', {}, why)), cards);
        resolve();
      };
      img.onload = () => {
        const n = tiles.length;
        const columns = Math.min(GRID_COLUMNS, n);
        const rows = Math.ceil(n / columns);
        const w = (img.naturalWidth - GRID_BORDER) / columns - GRID_BORDER;
        const h = (img.naturalHeight - GRID_BORDER) / rows - GRID_BORDER;
        if (!(Number.isInteger(w) && Number.isInteger(h) && w > 0 && h > 0)) {
          fallback('Images in reading order, 8 per row (numbered like the cards below).');
          return;
        }
        tiles.forEach((tile, i) => {
          tile.width = w;
          tile.height = h;
          const left = GRID_BORDER + (i % columns) * (w + GRID_BORDER);
          const top = GRID_BORDER + Math.floor(i / columns) * (h + GRID_BORDER);
          tile.getContext('2d').drawImage(img, left, top, w, h, 0, 0, w, h);
        });
        resolve();
      };
      img.onerror = () => {
        for (const t of tiles) t.replaceWith(el('span', {class: 'missing'}, 'image unreadable'));
        resolve();
      };
      img.src = src;
    });
  }

  // ---------------------------------------------------------------- audio and spectrograms

  function audioPlayer(a) {
    const wrap = el('div', {class: 'audio'});
    if (typeof a.src !== 'string' || !a.src) {
      missing(wrap, (a.name ? a.name + ': ' : '') + 'no audio data.');
      return wrap;
    }
    const player = el('audio', {controls: true, preload: 'auto', src: a.src, title: a.name || null});
    wrap.append(player);
    try {
      const wav = decodeWav(a.src);
      const canvas = el('canvas', {class: 'spectrogram', 'aria-label': 'spectrogram of ' + (a.name || 'audio')});
      drawSpectrogram(canvas, wav.samples);
      wrap.append(canvas, el('span', {class: 'audio-note'},
                             (a.name ? a.name + ' · ' : '') + (wav.samples.length / wav.rate).toFixed(2) + ' s · 0–' +
                             fmtNumber(wav.rate / 2000) + ' kHz'));
    } catch (error) {
      missing(wrap, (a.name ? a.name + ': ' : '') + 'no spectrogram (' + error.message + ').');
    }
    return wrap;
  }

  function dataUriBytes(uri) {
    const comma = uri.indexOf(',');
    if (!uri.startsWith('data:') || comma < 0) throw new Error('not a data: URI');
    const payload = uri.slice(comma + 1);
    const binary = /;base64$/i.test(uri.slice(0, comma)) ? atob(payload) : unescape(payload);
    const bytes = new Uint8Array(binary.length);
    for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
    return bytes;
  }

  // The first channel of a RIFF/WAVE file as floats in [-1, 1]: integer PCM (8/16/24/32 bits)
  // or IEEE float (32/64 bits), plain or WAVE_FORMAT_EXTENSIBLE.
  function decodeWav(uri) {
    const bytes = dataUriBytes(uri);
    const view = new DataView(bytes.buffer);
    const tag = (at) => String.fromCharCode(bytes[at], bytes[at + 1], bytes[at + 2], bytes[at + 3]);
    if (bytes.length < 12 || tag(0) !== 'RIFF' || tag(8) !== 'WAVE') throw new Error('not a RIFF/WAVE file');
    let format = null;
    let data = null;
    for (let at = 12; at + 8 <= bytes.length;) {
      const id = tag(at);
      const size = view.getUint32(at + 4, true);
      const start = at + 8;
      const end = Math.min(bytes.length, start + size);   // a cut-short or streamed file ends early
      if (id === 'fmt ' && end - start >= 16) {
        format = {code: view.getUint16(start, true), channels: view.getUint16(start + 2, true),
                  rate: view.getUint32(start + 4, true), bits: view.getUint16(start + 14, true)};
        if (format.code === 0xFFFE && end - start >= 26) format.code = view.getUint16(start + 24, true);
      } else if (id === 'data') {
        data = {start: start, end: end};
      }
      at = start + size + (size & 1);
    }
    if (!format) throw new Error('no fmt chunk');
    if (!data) throw new Error('no data chunk');
    const width = format.bits / 8;
    const frame = width * format.channels;
    if (!frame || !format.rate) throw new Error('bad format');
    const read = sampleReader(view, format.code, format.bits);
    const n = Math.floor((data.end - data.start) / frame);
    const samples = new Float32Array(n);
    for (let i = 0; i < n; i++) samples[i] = read(data.start + i * frame);
    return {rate: format.rate, samples: samples};
  }

  function sampleReader(view, code, bits) {
    if (code === 3 && bits === 32) return (at) => view.getFloat32(at, true);
    if (code === 3 && bits === 64) return (at) => view.getFloat64(at, true);
    if (code !== 1) throw new Error('WAV format ' + code + ' is not PCM or float');
    if (bits === 8) return (at) => (view.getUint8(at) - 128) / 128;
    if (bits === 16) return (at) => view.getInt16(at, true) / 32768;
    if (bits === 24) return (at) => ((view.getInt8(at + 2) << 16) | (view.getUint8(at + 1) << 8) | view.getUint8(at)) / 8388608;
    if (bits === 32) return (at) => view.getInt32(at, true) / 2147483648;
    throw new Error(bits + '-bit PCM is not supported');
  }

  // In-place radix-2 FFT of (re, im); the length must be a power of two. The bit-reversal order
  // and twiddle factors are computed once per length (every spectrogram frame reuses them).
  const fftTables = new Map();
  function fftTable(n) {
    if (!fftTables.has(n)) {
      const reverse = new Uint32Array(n);
      const bits = Math.log2(n);
      for (let i = 0; i < n; i++) {
        let r = 0;
        for (let b = 0; b < bits; b++) r = (r << 1) | ((i >> b) & 1);
        reverse[i] = r;
      }
      const cos = new Float64Array(n / 2);
      const sin = new Float64Array(n / 2);
      for (let k = 0; k < n / 2; k++) {
        cos[k] = Math.cos(2 * Math.PI * k / n);
        sin[k] = -Math.sin(2 * Math.PI * k / n);
      }
      fftTables.set(n, {reverse, cos, sin});
    }
    return fftTables.get(n);
  }

  function fft(re, im) {
    const n = re.length;
    const {reverse, cos, sin} = fftTable(n);
    for (let i = 0; i < n; i++) {
      const j = reverse[i];
      if (i < j) {
        let t = re[i]; re[i] = re[j]; re[j] = t;
        t = im[i]; im[i] = im[j]; im[j] = t;
      }
    }
    for (let len = 2; len <= n; len <<= 1) {
      const half = len >> 1;
      const step = n / len;   // twiddle k of this stage is table entry k * step
      for (let i = 0; i < n; i += len) {
        for (let k = 0; k < half; k++) {
          const a = i + k;
          const b = a + half;
          const wr = cos[k * step];
          const wi = sin[k * step];
          const tr = re[b] * wr - im[b] * wi;
          const ti = re[b] * wi + im[b] * wr;
          re[b] = re[a] - tr; im[b] = im[a] - ti;
          re[a] += tr; im[a] += ti;
        }
      }
    }
  }

  // Log-power STFT (Hann window of 512, hop 128, or longer hops so a long clip stays <= 1000
  // columns), drawn with low frequencies at the bottom over an 80 dB range.
  function drawSpectrogram(canvas, samples) {
    const size = 512;
    const bins = size / 2;
    const hop = Math.max(128, Math.ceil((samples.length - size) / 999));
    const frames = Math.max(1, Math.floor((samples.length - size) / hop) + 1);
    const hann = new Float32Array(size);
    for (let i = 0; i < size; i++) hann[i] = 0.5 - 0.5 * Math.cos(2 * Math.PI * i / (size - 1));
    const power = new Float32Array(frames * bins);
    const re = new Float64Array(size);
    const im = new Float64Array(size);
    let top = -Infinity;
    for (let f = 0; f < frames; f++) {
      const start = f * hop;
      for (let i = 0; i < size; i++) {
        const s = start + i < samples.length ? samples[start + i] : 0;
        re[i] = (isFinite(s) ? s : 0) * hann[i];
        im[i] = 0;
      }
      fft(re, im);
      for (let k = 0; k < bins; k++) {
        const db = 10 * Math.log10(re[k] * re[k] + im[k] * im[k] + 1e-12);
        power[f * bins + k] = db;
        if (db > top) top = db;
      }
    }
    const floor = top - 80;
    const lut = colourMap();
    canvas.width = frames;
    canvas.height = bins;
    const ctx = canvas.getContext('2d');
    const image = ctx.createImageData(frames, bins);
    for (let f = 0; f < frames; f++) {
      for (let k = 0; k < bins; k++) {
        const t = Math.max(0, Math.min(1, (power[f * bins + k] - floor) / 80));
        const c = Math.round(t * 255) * 3;
        const p = ((bins - 1 - k) * frames + f) * 4;
        image.data[p] = lut[c];
        image.data[p + 1] = lut[c + 1];
        image.data[p + 2] = lut[c + 2];
        image.data[p + 3] = 255;
      }
    }
    ctx.putImageData(image, 0, 0);
  }

  // A 256-entry magma-like colour map, flattened rgb.
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

  // ---------------------------------------------------------------- config, runs, comparison

  function renderConfig(parent, run) {
    const sec = section(parent, 'Configuration', 'config');
    if (typeof run.config !== 'string' || !run.config) {
      missing(sec, 'The configuration as run was not found.');
      return;
    }
    const lines = run.config.split('\n').length;
    sec.append(el('details', {}, el('summary', {}, 'Pipeline as run (' + lines + ' lines of YAML)'),
                  el('pre', {}, el('code', {}, run.config))));
  }

  function renderRun(root, run, index) {
    const sec = el('section', {class: 'run', 'data-run': String(run.name)});
    root.append(sec);
    safely(sec, 'the run header', () => renderHeader(sec, run, index));
    safely(sec, 'the problems', () => renderProblems(sec, run));
    safely(sec, 'the run information', () => renderInfo(sec, run));
    safely(sec, 'the test metrics', () => renderTest(sec, run));
    safely(sec, 'the curves', () => renderCurves(section(sec, 'Curves', 'curves'), [run]));
    safely(sec, 'the samples', () => renderSamples(sec, run));
    safely(sec, 'the figures', () => renderFigures(sec, run));
    safely(sec, 'the traversal', () => renderTraversal(sec, run));
    safely(sec, 'the evaluation', () => renderEvaluations(sec, run));
    safely(sec, 'the generated examples', () => renderGenerated(sec, run));
    safely(sec, 'the configuration', () => renderConfig(sec, run));
  }

  // Several runs: final test metrics side by side, then all runs' curves overlaid.
  function renderComparison(root, runs) {
    const sec = el('section', {class: 'comparison'}, el('h2', {id: 'comparison'}, 'Comparison of ' + runs.length + ' runs'));
    root.append(sec);
    safely(sec, 'the comparison table', () => {
      const head = el('tr', {}, el('th', {}, 'metric'), ...runs.map((r) => el('th', {class: 'num'}, String(r.name))));
      const status = el('tr', {class: 'status-row'}, el('th', {scope: 'row'}, 'status'),
                        ...runs.map((r) => el('td', {class: 'num'}, badge(statusOf(r)))));
      const names = [];
      for (const r of runs) {
        if (isObject(r.test)) for (const n of inMetricOrder(r, Object.keys(r.test))) if (!names.includes(n)) names.push(n);
      }
      const body = el('tbody', {}, status);
      for (const n of names) {
        body.append(el('tr', {class: n === 'total' ? 'total' : null}, el('th', {scope: 'row'}, n),
                       ...runs.map((r) => el('td', {class: 'num'}, fmtNumber(isObject(r.test) ? r.test[n] : null)))));
      }
      const h3 = el('h3', {}, 'Final test metrics');
      sec.append(h3, el('div', {class: 'table-scroll'}, el('table', {class: 'compare-table'}, el('thead', {}, head), body)));
      if (!names.length) missing(sec, 'No run has test metrics.');
    });
    safely(sec, 'the overlaid curves', () => renderCurves(section(sec, 'Curves of all runs', 'curves'), runs));
  }

  function renderPage(root, data) {
    const runs = list(data.runs).filter(isObject);
    runs.forEach((r, i) => {
      if (typeof r.name !== 'string' || !r.name) r.name = 'run-' + (i + 1);
    });
    const title = runs.length === 1 ? runs[0].name : runs.length + ' runs';
    const meta = [];
    if (data.generator) meta.push('written by ' + data.generator);
    if (data.created) meta.push(fmtTime(data.created));
    root.append(el('header', {class: 'page-header'}, el('h1', {}, 'Chimera training report: ' + title),
                   meta.length ? el('p', {class: 'page-meta'}, meta.join(' · ')) : null));
    if (!runs.length) {
      missing(root, 'This report holds no runs: there is nothing to show.');
      return;
    }
    if (runs.length > 1) {
      const nav = el('nav', {class: 'toc'}, 'Runs: ');
      nav.append(el('a', {href: '#comparison'}, 'comparison'));
      runs.forEach((r, i) => nav.append(' · ', el('a', {href: '#' + runAnchor(i)}, r.name), ' ', badge(statusOf(r))));
      root.append(nav);
      renderComparison(root, runs);
    }
    runs.forEach((r, i) => renderRun(root, r, i));
  }

  function readData() {
    const node = document.getElementById('chimera-data');
    if (!node) throw new Error('the page has no <script id="chimera-data">');
    const data = JSON.parse(node.textContent);
    if (!isObject(data)) throw new Error('the report data is not a JSON object');
    return data;
  }

  function configureChartJs() {
    if (typeof Chart === 'undefined') return;
    Chart.defaults.animation = false;
    Chart.defaults.font.family = getComputedStyle(document.body).fontFamily || 'sans-serif';
    Chart.defaults.font.size = 12;
    Chart.defaults.color = '#333';
    Chart.defaults.plugins.tooltip.animation = false;
  }

  function main() {
    const root = document.getElementById('report') || document.body.appendChild(el('main', {id: 'report'}));
    root.textContent = '';   // drops the <noscript> note
    const finish = () => {
      window.chimeraReport = {
        ready: true,
        charts: typeof Chart === 'undefined' ? 0 : Object.keys(Chart.instances).length,
        renderMs: Math.round(performance.now()),
        problems: document.querySelectorAll('.problem').length
      };
    };
    try {
      if (typeof Chart === 'undefined') problem(root, 'Chart.js did not load: the charts are missing.');
      configureChartJs();
      renderPage(root, readData());
    } catch (error) {
      problem(root, 'The report could not be drawn: ' + (error && error.message ? error.message : error));
      console.error(error);
    }
    // Tiles are cut from decoded images; a broken one must not hold the page back for long.
    const cap = new Promise((resolve) => setTimeout(resolve, 3000));
    Promise.race([Promise.all(pending), cap]).then(finish, finish);
  }

  main();
})();
