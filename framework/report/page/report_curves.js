/* Chimera training report, part 2 of 5: the curves (losses, learning rates, gradient norms, loss
 * weights, other metrics) as Chart.js line charts, the chart cards every part draws into, and the
 * log-scale switch. Needs report_util.js; see its head for how the parts fit together. */
(function () {
  'use strict';
  const ChimeraReport = window.ChimeraReport = window.ChimeraReport || {};
  const {el, missing, list, isObject, fmtNumber, colourPicker} = ChimeraReport;

  // ---------------------------------------------------------------- series and curves

  // Which chart a series belongs to: the pipeline's losses (and their weighted sum "total"),
  // the optimisers' learning rates (or, when an optimiser's options name no lr, the scale its
  // schedule applies to the base lr: "lr_scale/NAME") and gradient norms, the losses' weights,
  // or anything else.
  function seriesKind(name, losses) {
    if (name.startsWith('lr/') || name.startsWith('lr_scale/')) return 'lr';
    if (name.startsWith('grad_norm/')) return 'grad';
    if (name.startsWith('weight/')) return 'weight';
    if (name === 'total') return 'loss';
    if (losses.length) return losses.includes(name) ? 'loss' : 'other';
    return name.includes('/') ? 'other' : 'loss';   // an old run without loss names
  }

  // How a series is named in a legend: a learning-rate scale says what it scales.
  function seriesLabel(name) {
    return name.startsWith('lr_scale/') ? name + ' (× base lr)' : name;
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
        label: (overlay ? run.name + ': ' : '') + seriesLabel(name) + suffix,
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

  // The options of a bar chart with one dataset: no legend, `label(item)` for the tooltip.
  function barOptions(scales, label) {
    return {
      animation: false, responsive: true, maintainAspectRatio: false,
      datasets: {bar: {maxBarThickness: 64}},
      interaction: {mode: 'index', intersect: false},
      scales: scales,
      plugins: {legend: {display: false}, tooltip: {callbacks: {label: label}}}
    };
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

  // ---------------------------------------------------------------- the curve charts

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

  Object.assign(ChimeraReport, {inMetricOrder, chartGrid, addChart, barOptions, renderCurves});
})();
