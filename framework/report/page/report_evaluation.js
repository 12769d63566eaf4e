/* Chimera training report, part 4 of 5: the tables (run information, final test metrics) and the
 * evaluation: metrics per split, the judges, the cross-modal coherence heat map, joint coherence
 * and linear-probe bars. Needs report_util.js and report_curves.js; see report_util.js for how the
 * parts fit together. */
(function () {
  'use strict';
  const ChimeraReport = window.ChimeraReport = window.ChimeraReport || {};
  const {PALETTE, el, missing, section, safely, list, isObject, keyValueTable, fmtNumber, fmtShare, shareOrNull,
         fmtDuration, fmtTime, shareColour, statusOf, inMetricOrder, chartGrid, addChart, barOptions} = ChimeraReport;

  // ---------------------------------------------------------------- run information, test metrics

  function isCount(value) {
    return typeof value === 'number' && isFinite(value);
  }

  function whereItStopped(record) {
    const parts = [];
    if (isCount(record.epochs)) {
      parts.push('epoch ' + record.epochs + (isCount(record.epochs_planned) ? ' of ' + record.epochs_planned + ' planned' : ''));
    }
    if (isCount(record.steps)) parts.push('step ' + record.steps);
    return parts.join(', ') || null;
  }

  // A run.json says "running" while training goes on, and still does after the process was
  // killed (it had no chance to write how it ended): say where it was last written.
  function whereRunning(record) {
    let at = null;
    if (isCount(record.epochs) && record.epochs > 0) {
      at = 'after epoch ' + record.epochs +
           (isCount(record.epochs_planned) ? ' of ' + record.epochs_planned + ' planned' : '') +
           (isCount(record.steps) ? ' (step ' + record.steps + ')' : '');
    } else if (isCount(record.epochs)) {
      at = 'before its first epoch ended' + (isCount(record.steps) && record.steps > 0 ? ' (step ' + record.steps + ')' : '');
    } else if (isCount(record.steps)) {
      at = 'at step ' + record.steps;
    }
    return 'still running, or killed' + (at ? ': last written ' + at : '');
  }

  // The "Stopped at" row: how and where the run ended. An unknown status is shown as written.
  function stoppedAt(record, status) {
    if (status === 'running') return whereRunning(record);
    const where = whereItStopped(record);
    return where ? status + ': ' + where : status;
  }

  // Seconds are the total over all the processes that trained the run (sessions; a resumed run has
  // several), started the first one's start.
  function duration(record, status) {
    if (!isCount(record.seconds)) return null;
    const sessions = isCount(record.sessions) && record.sessions > 1 ? ' (over ' + record.sessions + ' sessions)' : '';
    return fmtDuration(record.seconds) + (status === 'running' ? ' so far' : '') + sessions;
  }

  function infoRows(run, record, status) {
    const components = list(record.components);
    const sessions = isCount(record.sessions) && record.sessions > 1;
    return [
      ['Pipeline', record.pipeline],
      ['Command', record.command ? el('code', {}, String(record.command)) : null],
      ['Seed', record.seed],
      ['Threads', record.threads],
      ['Ranks', record.ranks],
      ['Version', record.version],
      ['Started', record.started ? fmtTime(record.started) + (sessions ? ' (first session)' : '') : null],
      ['Resumed', isCount(record.resumed_at) ? 'at step ' + record.resumed_at : null],
      ['Duration', duration(record, status)],
      ['Stopped at', stoppedAt(record, status)],
      ['Components', components.length ? el('ul', {class: 'components'}, ...components.map((c) => el('li', {}, String(c)))) : null],
      ['Directory', run.path ? String(run.path) : null]
    ];
  }

  function renderInfo(parent, run) {
    const sec = section(parent, 'Run', 'run-info');
    const record = isObject(run.record) ? run.record : null;
    if (!record) {
      sec.append(keyValueTable('info-table', [['Directory', run.path ? String(run.path) : null]]));
      missing(sec, 'This run has no run.json (an older run): its command, seed and status were not recorded.');
      return;
    }
    sec.append(keyValueTable('info-table', infoRows(run, record, statusOf(run))));
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

  // Chart ids: "coherence-KEY", "joint-KEY", "probe-KEY" (KEY: RUN, or RUN-SPLIT for a further split).
  function renderCoherence(parent, key, c) {
    const note = [];
    if (typeof c.examples === 'number') note.push(c.examples + ' examples');
    if (c.decoding) note.push('decoding: ' + c.decoding);
    parent.append(el('h4', {}, 'Coherence' + (note.length ? ' (' + note.join(', ') + ')' : '')));

    const judges = isObject(c.judges) ? c.judges : {};
    renderJudges(parent, judges);
    const grid = chartGrid(parent);
    const cross = isObject(c.cross_coherence) ? c.cross_coherence : {};
    if (Object.keys(cross).some((s) => isObject(cross[s]))) {
      heatMap(grid, key, cross, isObject(c.cross_coherence_examples) ? c.cross_coherence_examples : {}, Object.keys(judges));
    } else {
      missing(grid, 'No cross-modal coherence was measured.');
    }
    jointChart(grid, key, isObject(c.joint_coherence) ? c.joint_coherence : null);
    probeChart(grid, key, isObject(c.linear_probe) ? c.linear_probe : null, Object.keys(judges));
  }

  function renderJudges(parent, judges) {
    if (!Object.keys(judges).length) {
      missing(parent, 'No judges were named, so the shares below have no judge accuracy to compare with.');
      return;
    }
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
  }

  function jointChart(grid, key, joint) {
    if (!joint) {
      missing(grid, 'No joint coherence was measured.');
      return;
    }
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
  }

  function probeChart(grid, key, probe, judgeOrder) {
    const accuracy = probe && isObject(probe.accuracy) ? probe.accuracy : {};
    if (!Object.keys(accuracy).length) {
      missing(grid, 'No linear probe was fitted.');
      return;
    }
    const names = sourceOrder(Object.keys(accuracy), judgeOrder);
    addChart(grid, 'probe-' + key, 'Linear probe on the latent mean: test accuracy' +
             (typeof probe.training_examples === 'number' ? ' (fitted on ' + probe.training_examples + ' examples)' : ''), {
      type: 'bar',
      data: {labels: names, datasets: [{label: 'accuracy', data: names.map((n) => shareOrNull(accuracy[n])), backgroundColor: PALETTE[4]}]},
      options: barOptions(shareScales(), (item) => 'accuracy ' + fmtShare(item.parsed.y))
    });
  }

  function shareScales() {
    return {y: {min: 0, max: 1, ticks: {callback: (v) => Math.round(v * 100) + '%'}}};
  }

  // ---------------------------------------------------------------- coherence heat map

  // Cross-modal coherence as a heat map: a scatter on two category axes (target across, source
  // down), one point per cell, the cells painted by the chart's own plugin (heatMapCells).
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
      plugins: [heatMapCells(data, targets.length, sources.length)]
    }, {height: Math.max(220, 70 + 40 * sources.length)});
  }

  // Chart.js squares cannot be wider than tall, so the heat map's cells are painted by this plugin:
  // one rectangle per point filling its row and column, the share written inside, the hovered one
  // outlined.
  function heatMapCells(data, columns, rows) {
    return {
      id: 'cells',
      beforeDatasetsDraw(chart) {
        const {ctx, scales} = chart;
        const w = scales.x.width / columns;
        const h = scales.y.height / rows;
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
  }

  Object.assign(ChimeraReport, {renderInfo, renderTest, renderEvaluations});
})();
