/* Chimera training report, part 5 of 5 (the entry): reads the DATA JSON that `chimera report`
 * embeds (see CONTRACT.md beside this file), draws each section and sets window.chimeraReport.
 * Runs last, after report_util.js, report_curves.js, report_media.js and report_evaluation.js;
 * see report_util.js for how the parts fit together. */
(function () {
  'use strict';
  const ChimeraReport = window.ChimeraReport = window.ChimeraReport || {};
  const {el, missing, problem, section, safely, list, isObject, fmtNumber, fmtTime, statusOf, badge,
         inMetricOrder, renderCurves, renderSamples, renderFigures, renderTraversal, renderInfo, renderTest,
         renderEvaluations, renderGenerated} = ChimeraReport;

  // A function each part defines, to tell a page that lacks a part (a wrong list in the build).
  const PARTS = {'report_util.js': 'el', 'report_curves.js': 'renderCurves', 'report_media.js': 'renderSamples',
                 'report_evaluation.js': 'renderEvaluations'};

  // ---------------------------------------------------------------- run header, problems, config

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

  // ---------------------------------------------------------------- runs, comparison, page

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

  // The runs' final test metrics side by side (class "compare-table"), a status row first.
  function compareTable(sec, runs) {
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
  }

  // Several runs: final test metrics side by side, then all runs' curves overlaid.
  function renderComparison(root, runs) {
    const sec = el('section', {class: 'comparison'}, el('h2', {id: 'comparison'}, 'Comparison of ' + runs.length + ' runs'));
    root.append(sec);
    safely(sec, 'the comparison table', () => compareTable(sec, runs));
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

  // ---------------------------------------------------------------- entry

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

  // A page built without one of the other parts cannot draw: say which (without their helpers).
  function absentParts(root) {
    const absent = Object.keys(PARTS).filter((file) => typeof ChimeraReport[PARTS[file]] !== 'function');
    if (!absent.length) return false;
    const note = document.createElement('p');
    note.className = 'problem';
    note.textContent = 'The report could not be drawn: its script lacks ' + absent.join(', ') + '.';
    root.append(note);
    console.error(new Error('the report script lacks ' + absent.join(', ')));
    return true;
  }

  function main() {
    const root = document.getElementById('report') || document.body.appendChild(document.createElement('main'));
    root.id = 'report';
    root.textContent = '';   // drops the <noscript> note
    const pending = ChimeraReport.pending || [];
    const finish = () => {
      window.chimeraReport = {
        ready: true,
        charts: typeof Chart === 'undefined' ? 0 : Object.keys(Chart.instances).length,
        renderMs: Math.round(performance.now()),
        problems: document.querySelectorAll('.problem').length
      };
    };
    if (absentParts(root)) {
      finish();
      return;
    }
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
