#!/usr/bin/python3
"""Browser test for Chimera's self-contained HTML training report (`chimera report ... --out FILE.html`).

The report is drawn by JavaScript (report.js + Chart.js) from JSON the C++ writer embeds, so only a real
browser can tell whether it works: a script error, a chart that drew nothing, a dead slider or an
unplayable clip all leave a perfectly valid HTML file behind. This script opens each report in headless
Chromium (one session, files visited in turn) and checks the page against
framework/report/page/CONTRACT.md. Each failed check prints one line "FAIL <file>: <what>"; the exit
status is 1 if any check failed, 2 on a usage or browser-start error.

  check_report.py A.html B.html --expect 'A.html:charts>=4,slider,problems>=1' \
                  --expect B.html:audio,heatmap --screenshot A.html:A.png
(quote specs holding '>' in a shell; CTest passes arguments without one)

Always checked, for every file:
  * console: no browser console message of level SEVERE (uncaught exceptions, console.error, failed
    loads). report.js must rethrow render errors via console.error, so this catches them. On failure
    every console message is printed.
  * network: every resource the page loaded (performance 'resource' entries) is file:, data: or blob:
    (the report must be self-contained: no fonts, CDNs, ...).
  * ready: window.chimeraReport.ready becomes true within --timeout seconds; renderMs is a number
    (> 0, printed); chimeraReport.charts equals the number of Chart.js instances on the page.
  * text: the title starts with "Chimera report"; document.body.innerText is longer than 200 characters
    (see text>=N below), contains every run's name, each in an <h2>, and no "[object Object]", and no
    "undefined"/"NaN" unless those words are in the data itself.
  * charts: every <canvas class="chart"> has a Chart.js instance (Chart.getChart), every Chart instance is
    on such a canvas, every chart has datasets, and every visible dataset drew an element for each of its
    non-null data points (elements with a finite parsed value, finite x/y and not skipped == non-null
    points, and > 0), and the canvas has non-transparent pixels. Null points are allowed (gaps); Chart.js
    still keeps an element for them (a skipped point, an empty bar), which is why drawn elements are
    counted rather than taking getDatasetMeta(i).data.length as is.
  * log switches: clicking each .log-switch turns the y scale of its chart to 'logarithmic' and clicking
    again back to 'linear' (exceptions show up as SEVERE console messages).
  * tooltips: hovering the first point of each line chart shows a tooltip with a number in it.
  * problems: every string in DATA runs[].problems is shown inside some .problem element.

Per-file expectations (--expect FILE:SPEC, SPEC may be a comma-separated list):
  charts>=N      at least N canvas.chart with a Chart instance (also charts=N, charts<=N)
  problems>=K    at least K .problem elements with non-empty text
  text>=N        body text length threshold instead of > 200 (e.g. text>=20 for an empty report)
  slider         an .epoch-slider (within a .samples container) starts at the last epoch; moving it
                 (value + 'input' event) changes .epoch-image src and .epoch-label text, the new image
                 loads, and moving it back restores both
  audio          at least one <audio>; as many as DATA has audio clips; each has a data:audio/wav src,
                 canPlayType('audio/wav') is non-empty, after load() readyState >= 1 and a finite duration
                 > 0; and a canvas.spectrogram beside it (same container) with non-blank, non-uniform pixels
  heatmap        each run with a coherence matrix has a scatter/bubble chart data-chart="coherence-RUN"
                 (or "coherence-RUN-SPLIT" for a further evaluation) that drew one point per matrix cell
                 (the numeric cells, or all cells when null cells are drawn too)
  compare        a .compare-table whose first row names every run, with one column per run (+1 label column)
  chart=ID       a canvas.chart with data-chart=ID, a Chart.js instance and datasets (e.g. chart=grad-norm)

--screenshot FILE:OUT.png saves a full-page screenshot (width 1280, height = scrollHeight capped at 8000).

Needs Debian's python3-selenium, chromium and chromium-driver; runs offline, as root in a container
(--no-sandbox), with a fresh temporary profile that is removed afterwards.
"""

import argparse
import importlib.util
import json
import os
import re
import shutil
import sys
import tempfile
import time

DEFAULT_TIMEOUT = 20.0
DEFAULT_MIN_TEXT = 200
SCREENSHOT_WIDTH = 1280
SCREENSHOT_MAX_HEIGHT = 8000
ALLOWED_SCHEMES = ("file:", "data:", "blob:")
AUDIO_TIMEOUT_MS = 10000

# --------------------------------------------------------------------------- JavaScript run in the page

# Helpers prepended to the scripts below (execute_script wraps each script in a function).
JS_HELPERS = r"""
function present(d) {                       // a data point Chart.js should draw
  if (d === null || d === undefined) return false;
  if (typeof d === 'number') return Number.isFinite(d);
  if (Array.isArray(d)) return d.length > 0 && d.every(v => v !== null && v !== undefined);
  if (typeof d === 'object' && 'y' in d) return present(d.y);
  return true;
}
function drawnElements(meta) {              // elements of a finite value, placed at a finite position
  let n = 0;                                // (Chart.js keeps elements for null values too: skipped
  (meta.data || []).forEach((el, j) => {    //  points, zero-height bars)
    if (!el) return;
    const p = el.getProps ? el.getProps(['x', 'y', 'skip'], true) : el;
    const parsed = meta.controller.getParsed(j);
    const value = parsed && meta.vScale ? parsed[meta.vScale.axis] : NaN;
    if (!p.skip && Number.isFinite(p.x) && Number.isFinite(p.y) && Number.isFinite(value)) n++;
  });
  return n;
}
function pixelStats(canvas) {               // non-transparent pixels and distinct colours (sampled)
  const w = canvas.width, h = canvas.height;
  if (!w || !h) return {w: w, h: h, opaque: 0, colours: 0, samples: 0};
  const ctx = canvas.getContext('2d');
  if (!ctx) return {w: w, h: h, error: 'no 2d context'};
  let px;
  try { px = ctx.getImageData(0, 0, w, h).data; } catch (e) { return {w: w, h: h, error: String(e)}; }
  const step = Math.max(1, Math.floor(w * h / 200000));
  const colours = new Set();
  let opaque = 0, samples = 0;
  for (let p = 0; p < w * h; p += step, samples++) {
    const i = 4 * p;
    if (px[i + 3] === 0) continue;
    opaque++;
    if (colours.size < 64) colours.add(px[i] + ',' + px[i + 1] + ',' + px[i + 2] + ',' + px[i + 3]);
  }
  return {w: w, h: h, opaque: opaque, colours: colours.size, samples: samples};
}
function chartCanvasNear(el) {              // the chart canvases of the nearest ancestor that has any
  for (let a = el.parentElement; a; a = a.parentElement) {
    const found = a.querySelectorAll('canvas.chart');
    if (found.length) return Array.from(found);
  }
  return [];
}
"""

JS_STATE = r"""
return window.chimeraReport ? JSON.parse(JSON.stringify(window.chimeraReport)) : null;
"""

JS_PAGE_FACTS = r"""
const facts = {dataError: null, runs: [], rawData: ''};
const script = document.getElementById('chimera-data');
if (!script) facts.dataError = 'no <script id="chimera-data">';
else {
  facts.rawData = script.textContent;
  try {
    const data = JSON.parse(script.textContent);
    for (const r of (data && data.runs) || []) {
      const matrices = (r.evaluations || [])
        .filter(e => e && e.coherence && e.coherence.cross_coherence)
        .map(e => {
          let numeric = 0, all = 0;
          for (const row of Object.values(e.coherence.cross_coherence))
            for (const v of Object.values(row || {})) { all++; if (typeof v === 'number') numeric++; }
          return {numeric: numeric, all: all};
        });
      const clips = (r.generated || []).reduce((n, g) => n + ((g && g.audio) || []).length, 0);
      facts.runs.push({name: String(r.name), problems: (r.problems || []).map(String),
                       matrices: matrices, audioClips: clips});
    }
  } catch (e) { facts.dataError = 'DATA does not parse: ' + e; }
}
facts.text = document.body ? document.body.innerText : '';
facts.headings = Array.from(document.querySelectorAll('h2')).map(h => h.innerText.trim());
facts.title = document.title;
facts.resources = performance.getEntriesByType('resource').map(e => e.name.slice(0, 300));
facts.hasChartJs = typeof Chart !== 'undefined' && typeof Chart.getChart === 'function';
facts.instances = facts.hasChartJs ? Object.values(Chart.instances).length : 0;
facts.strayInstances = facts.hasChartJs ? Object.values(Chart.instances)
  .filter(c => !(c.canvas && c.canvas.matches('canvas.chart'))).length : 0;
facts.scrollHeight = document.documentElement.scrollHeight;
return facts;
"""

JS_CHARTS = r"""
return Array.from(document.querySelectorAll('canvas.chart')).map((canvas, index) => {
  const chart = (typeof Chart !== 'undefined') ? Chart.getChart(canvas) : undefined;
  const info = {index: index, id: canvas.getAttribute('data-chart') || '(no data-chart)', hasChart: !!chart};
  if (!chart) return info;
  info.type = chart.config.type;
  info.datasets = chart.data.datasets.map((ds, i) => {
    const meta = chart.getDatasetMeta(i);
    return {label: String(ds.label), visible: chart.isDatasetVisible(i),
            present: (ds.data || []).filter(present).length,
            elements: meta.data.length, drawn: drawnElements(meta)};
  });
  info.pixels = pixelStats(canvas);
  return info;
});
"""

JS_LOG_SWITCHES = r"""
const yTypes = charts => charts.map(c => {
  const chart = Chart.getChart(c);
  return chart && chart.scales.y ? chart.scales.y.type : null;
});
return Array.from(document.querySelectorAll('input.log-switch')).map((sw, index) => {
  const charts = chartCanvasNear(sw);
  const r = {index: index, charts: charts.map(c => c.getAttribute('data-chart')), before: yTypes(charts)};
  sw.click(); r.on = yTypes(charts); r.checkedOn = sw.checked;
  sw.click(); r.off = yTypes(charts); r.checkedOff = sw.checked;
  return r;
});
"""

JS_TOOLTIPS = r"""
// Hover each line chart at its first dataset's first drawn point, as a pointer would, and read
// what the tooltip says.
return Array.from(document.querySelectorAll('canvas.chart')).map(canvas => {
  const chart = Chart.getChart(canvas);
  if (!chart || chart.config.type !== 'line') return null;
  const meta = chart.getDatasetMeta(0);
  const index = meta.data.findIndex(p => p && !p.skip && isFinite(p.x) && isFinite(p.y));
  if (index < 0) return null;
  const p = meta.data[index];
  chart.tooltip.setActiveElements([{datasetIndex: 0, index: index}], {x: p.x, y: p.y});
  chart.update();
  const body = (chart.tooltip.body || []).map(b => b.lines.join(' ')).join(' | ');
  const value = chart.data.datasets[0].data[index];
  chart.tooltip.setActiveElements([], {x: 0, y: 0});
  chart.update();
  return {id: canvas.getAttribute('data-chart'), body: body, y: value && typeof value === 'object' ? value.y : value};
}).filter(t => t);
"""

JS_PROBLEMS = r"""
return Array.from(document.querySelectorAll('.problem')).map(p => p.innerText.trim());
"""

JS_SLIDERS = r"""
return Array.from(document.querySelectorAll('input.epoch-slider')).map((s, index) => {
  const box = s.closest('.samples') || s.parentElement;
  const img = box && box.querySelector('img.epoch-image'), label = box && box.querySelector('.epoch-label');
  return {index: index, inSamples: !!s.closest('.samples'), hasImg: !!img, hasLabel: !!label,
          min: Number(s.min), max: Number(s.max), value: Number(s.value)};
});
"""

# arguments[0] = slider index, arguments[1] = new value
JS_MOVE_SLIDER = r"""
const s = document.querySelectorAll('input.epoch-slider')[arguments[0]];
s.value = String(arguments[1]);
s.dispatchEvent(new Event('input', {bubbles: true}));
const box = s.closest('.samples') || s.parentElement;
const img = box.querySelector('img.epoch-image'), label = box.querySelector('.epoch-label');
return {src: img.getAttribute('src') || '', label: label.textContent.trim()};
"""

# arguments[0] = slider index
JS_SLIDER_IMAGE_LOADED = r"""
const s = document.querySelectorAll('input.epoch-slider')[arguments[0]];
const img = (s.closest('.samples') || s.parentElement).querySelector('img.epoch-image');
return img.complete && img.naturalWidth > 0;
"""

# arguments[0] = how long to wait for each player, in ms
JS_AUDIO = r"""
const timeoutMs = arguments[0], done = arguments[arguments.length - 1];
const audios = Array.from(document.querySelectorAll('audio'));
const waitFor = (a, index) => new Promise(resolve => {
  const info = () => ({index: index, src: (a.getAttribute('src') || '').slice(0, 40),
                       canPlay: a.canPlayType('audio/wav'), readyState: a.readyState,
                       duration: Number.isFinite(a.duration) ? a.duration : String(a.duration),
                       error: a.error ? ('code ' + a.error.code + ' ' + (a.error.message || '')) : null});
  const timer = setTimeout(() => resolve(info()), timeoutMs);
  const finish = () => { clearTimeout(timer); resolve(info()); };
  a.addEventListener('loadedmetadata', finish, {once: true});
  a.addEventListener('error', finish, {once: true});
  a.load();
});
Promise.all(audios.map(waitFor)).then(done, e => done({error: String(e)}));
"""

# the spectrogram canvas beside each <audio>: nearest ancestor holding one; paired by order there
JS_SPECTROGRAMS = r"""
const all = Array.from(document.querySelectorAll('canvas.spectrogram'));
const audios = Array.from(document.querySelectorAll('audio')).map((a, index) => {
  for (let box = a.parentElement; box; box = box.parentElement) {
    const specs = Array.from(box.querySelectorAll('canvas.spectrogram'));
    if (!specs.length) continue;
    const peers = Array.from(box.querySelectorAll('audio'));
    let canvas = specs.length === peers.length ? specs[peers.indexOf(a)] : (specs.length === 1 ? specs[0] : null);
    if (!canvas) return {index: index, error: 'cannot tell which of ' + specs.length +
                         ' spectrograms belongs to it (' + peers.length + ' players in the same container)'};
    return {index: index, spectrogram: all.indexOf(canvas), pixels: pixelStats(canvas)};
  }
  return {index: index, error: 'no canvas.spectrogram next to it'};
});
return {count: all.length, audios: audios};
"""

JS_HEATMAPS = r"""
return Array.from(document.querySelectorAll('canvas.chart[data-chart^="coherence-"]')).map(canvas => {
  const chart = Chart.getChart(canvas);
  const id = canvas.getAttribute('data-chart');
  if (!chart) return {id: id, hasChart: false};
  let drawn = 0;
  chart.data.datasets.forEach((ds, i) => { drawn += drawnElements(chart.getDatasetMeta(i)); });
  return {id: id, hasChart: true, type: chart.config.type, drawn: drawn};
});
"""

JS_COMPARE = r"""
return Array.from(document.querySelectorAll('.compare-table')).map(t => {
  const table = t.tagName === 'TABLE' ? t : t.querySelector('table');
  const row = table ? table.rows[0] : null;
  return {cells: row ? Array.from(row.cells).map(c => c.innerText.trim()) : null,
          rows: table ? table.rows.length : 0};
});
"""


# --------------------------------------------------------------------------- bookkeeping

class FileResult:
    """Failures for one report file; each failure is printed as it is found."""

    def __init__(self, path):
        self.path = path
        self.failures = []

    def fail(self, message):
        self.failures.append(message)
        print(f"FAIL {self.path}: {message}", flush=True)

    def info(self, message):
        print(f"  {os.path.basename(self.path)}: {message}", flush=True)


def parse_spec(spec):
    """'charts>=4' -> ('charts', '>=', 4); 'slider' -> ('slider', None, None)."""
    m = re.fullmatch(r"\s*(charts|problems|text)\s*(>=|<=|==|=)\s*(\d+)\s*", spec)
    if m:
        return m.group(1), m.group(2).replace("==", "="), int(m.group(3))
    m = re.fullmatch(r"\s*(slider|audio|heatmap|compare)\s*", spec)
    if m:
        return m.group(1), None, None
    m = re.fullmatch(r"\s*chart=([\w.+-]+)\s*", spec)
    if m:
        return "chart", "=", m.group(1)
    raise ValueError(f"unknown expectation '{spec}'")


def split_file_arg(arg, files, option):
    """'FILE:REST' where FILE is one of the report files (compared as absolute paths)."""
    for f in files:
        for spelled in {f, os.path.abspath(f)}:
            if arg.startswith(spelled + ":"):
                return f, arg[len(spelled) + 1:]
    raise ValueError(f"{option} {arg}: must be FILE:..., with FILE one of the report files given")


def compare(value, op, bound):
    return {">=": value >= bound, "<=": value <= bound, "=": value == bound}[op]


# --------------------------------------------------------------------------- browser

def start_browser(chromium, chromedriver, profile_dir):
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                f"--user-data-dir={profile_dir}", f"--window-size={SCREENSHOT_WIDTH},1000",
                "--no-first-run", "--no-default-browser-check", "--disable-background-networking",
                "--disable-component-update", "--disable-sync", "--mute-audio"):
        options.add_argument(arg)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(executable_path=chromedriver), options=options)
    driver.set_page_load_timeout(60)
    driver.set_script_timeout(60)
    return driver


def wait_for(predicate, timeout, interval=0.1):
    """Poll predicate() until it returns a truthy value or timeout seconds pass; return the last value."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value or time.monotonic() >= deadline:
            return value
        time.sleep(interval)


def run_js(driver, script, *args):
    return driver.execute_script(JS_HELPERS + script, *args)


# --------------------------------------------------------------------------- checks

def ready_state(driver):
    """window.chimeraReport once it says ready, else None."""
    state = driver.execute_script(JS_STATE)
    return state if state and state.get("ready") is True else None


def check_ready(driver, res, timeout):
    state = wait_for(lambda: ready_state(driver), timeout)
    if not state:
        last = driver.execute_script(JS_STATE)
        res.fail(f"window.chimeraReport.ready did not become true within {timeout:g} s "
                 f"(window.chimeraReport = {json.dumps(last)})")
        return None
    render_ms = state.get("renderMs")
    if not isinstance(render_ms, (int, float)) or render_ms <= 0:
        res.fail(f"chimeraReport.renderMs is not a positive number of milliseconds: {render_ms!r}")
    else:
        res.info(f"ready: renderMs {render_ms:.0f} ms, charts {state.get('charts')}, "
                 f"problems {state.get('problems')}")
    return state


def check_network(facts, res):
    for name in facts["resources"]:
        if not name.startswith(ALLOWED_SCHEMES):
            res.fail(f"network request to {name} (the report must be self-contained)")


def check_text(facts, res, length_rules):
    text = facts["text"]
    if facts["dataError"]:
        res.fail(facts["dataError"])
    if not facts["title"].startswith("Chimera report"):
        res.fail(f"page title is {facts['title']!r}, want 'Chimera report: ...'")
    for op, bound in length_rules:
        if not compare(len(text), op, bound):
            res.fail(f"page looks blank: body text has {len(text)} characters (want {op} {bound}): {text[:200]!r}")
    for run in facts["runs"]:
        if run["name"] not in text:
            res.fail(f"run name '{run['name']}' does not appear in the page text")
        elif not any(run["name"] in h for h in facts["headings"]):
            res.fail(f"run '{run['name']}' has no <h2> with its name (headings: {facts['headings'][:10]})")
    if "[object Object]" in text:
        res.fail("page text contains '[object Object]'")
    for word in ("undefined", "NaN"):
        if re.search(rf"\b{word}\b", text) and word not in facts["rawData"]:
            line = next(l for l in text.splitlines() if re.search(rf"\b{word}\b", l))
            res.fail(f"page text shows '{word}': {line.strip()[:160]!r}")


def check_state_consistency(state, facts, res):
    if not facts["hasChartJs"]:
        res.fail("Chart.js is not loaded (no global Chart.getChart)")
        return
    if state.get("charts") != facts["instances"]:
        res.fail(f"chimeraReport.charts is {state.get('charts')!r} but the page has {facts['instances']} "
                 "Chart.js instances")
    if facts["strayInstances"]:
        res.fail(f"{facts['strayInstances']} Chart.js instance(s) are not on a <canvas class=\"chart\">")


def check_charts(driver, res, expectations):
    charts = run_js(driver, JS_CHARTS)
    with_chart = 0
    for c in charts:
        where = f"chart '{c['id']}'"
        if not c["hasChart"]:
            res.fail(f"{where}: canvas.chart has no Chart.js instance (Chart.getChart returned nothing)")
            continue
        with_chart += 1
        if not c["datasets"]:
            res.fail(f"{where} ({c['type']}): has no datasets (a chart without data should not be created)")
        for i, ds in enumerate(c["datasets"]):
            if not ds["visible"]:
                continue
            if ds["present"] == 0:
                res.fail(f"{where}: dataset {i} '{ds['label']}' has no non-null data points")
            elif ds["drawn"] != ds["present"]:
                res.fail(f"{where}: dataset {i} '{ds['label']}' drew {ds['drawn']} elements for "
                         f"{ds['present']} non-null points ({ds['elements']} meta elements)")
        px = c["pixels"]
        if px.get("error"):
            res.fail(f"{where}: cannot read canvas pixels: {px['error']}")
        elif px["opaque"] == 0:
            res.fail(f"{where}: canvas is blank ({px['w']}x{px['h']} px, no non-transparent pixel)")
    res.info(f"{len(charts)} canvas.chart, {with_chart} with a Chart.js instance")
    for op, bound in expectations.get("charts", []):
        if not compare(with_chart, op, bound):
            res.fail(f"expected charts {op} {bound}, found {with_chart} charts")
    drawn = {c["id"] for c in charts if c["hasChart"] and c["datasets"]}
    for _, wanted in expectations.get("chart", []):
        if wanted not in drawn:
            res.fail(f"expected a chart '{wanted}' with data; the charts are {', '.join(sorted(drawn)) or 'none'}")


def check_log_switches(driver, res):
    switches = run_js(driver, JS_LOG_SWITCHES)
    if switches:
        res.info(f"{len(switches)} log switch(es) toggled")
    for sw in switches:
        where = f"log switch {sw['index']} (charts {', '.join(map(str, sw['charts'])) or 'none'})"
        if not sw["charts"]:
            res.fail(f"{where}: no canvas.chart near it")
            continue
        if "logarithmic" not in sw["on"]:
            res.fail(f"{where}: checking it left the y scales {sw['before']} -> {sw['on']} (want 'logarithmic')")
        if sw["off"] != sw["before"]:
            res.fail(f"{where}: unchecking it left the y scales {sw['off']} (want {sw['before']} again)")


def check_tooltips(driver, res):
    """Hover values: a line chart's tooltip names the hovered series and shows its value."""
    tips = run_js(driver, JS_TOOLTIPS)
    for t in tips:
        if not t["body"]:
            res.fail(f"chart '{t['id']}': hovering a point shows no tooltip")
        elif isinstance(t["y"], (int, float)):
            shown = [float(n.replace(",", "")) for n in re.findall(r"-?\d[\d,]*\.?\d*(?:e[-+]?\d+)?", t["body"])]
            if not any(abs(v - t["y"]) <= 5e-3 * max(abs(t["y"]), 1e-12) for v in shown):
                res.fail(f"chart '{t['id']}': the tooltip {t['body']!r} does not show the hovered value {t['y']}")
    if tips:
        res.info(f"{len(tips)} line chart tooltip(s) shown, e.g. {tips[0]['body']!r}")


def check_problems(driver, facts, res, expectations):
    shown = [p for p in run_js(driver, JS_PROBLEMS) if p]
    joined = " ".join(" ".join(p.split()) for p in shown)
    for run in facts["runs"]:
        for problem in run["problems"]:
            if " ".join(problem.split()) not in joined:
                res.fail(f"problem of run '{run['name']}' is not shown in a .problem element: {problem!r}")
    for op, bound in expectations.get("problems", []):
        if not compare(len(shown), op, bound):
            res.fail(f"expected problems {op} {bound}, found {len(shown)} non-empty .problem elements")


def check_slider(driver, res):
    sliders = run_js(driver, JS_SLIDERS)
    if not sliders:
        res.fail("expected an epoch slider: no input.epoch-slider")
        return
    movable = 0
    for s in sliders:
        where = f"epoch slider {s['index']}"
        if not (s["inSamples"] and s["hasImg"] and s["hasLabel"]):
            res.fail(f"{where}: want it inside .samples with img.epoch-image and .epoch-label "
                     f"(in .samples: {s['inSamples']}, image: {s['hasImg']}, label: {s['hasLabel']})")
            continue
        if s["value"] != s["max"]:
            res.fail(f"{where}: starts at {s['value']}, not at the last epoch ({s['max']})")
        if s["max"] <= s["min"]:
            continue
        movable += 1
        start = run_js(driver, JS_MOVE_SLIDER, s["index"], s["value"])
        other = s["min"] if s["value"] != s["min"] else s["max"]
        moved = run_js(driver, JS_MOVE_SLIDER, s["index"], other)
        if moved["src"] == start["src"]:
            res.fail(f"{where}: moving it {s['value']} -> {other} did not change the image src")
        if moved["label"] == start["label"]:
            res.fail(f"{where}: moving it {s['value']} -> {other} did not change the label ({start['label']!r})")
        if not wait_for(lambda: run_js(driver, JS_SLIDER_IMAGE_LOADED, s["index"]), 5):
            res.fail(f"{where}: the image for position {other} did not load ({moved['src'][:40]}...)")
        back = run_js(driver, JS_MOVE_SLIDER, s["index"], s["value"])
        if back != start:
            res.fail(f"{where}: moving it back to {s['value']} did not restore the image/label "
                     f"(label {back['label']!r}, want {start['label']!r})")
    if movable == 0:
        res.fail("expected a slider with at least two epochs to move; every slider has a single position")
    else:
        res.info(f"{movable} epoch slider(s) moved and moved back")


def check_audio(driver, facts, res):
    clips = sum(run["audioClips"] for run in facts["runs"])
    audios = driver.execute_async_script(JS_HELPERS + JS_AUDIO, AUDIO_TIMEOUT_MS)
    if isinstance(audios, dict):
        res.fail(f"audio check script failed: {audios.get('error')}")
        return
    if not audios:
        res.fail("expected audio players: no <audio> element")
        return
    if clips and len(audios) != clips:
        res.fail(f"{len(audios)} <audio> elements for {clips} audio clips in DATA")
    for a in audios:
        where = f"audio {a['index']}"
        if not a["src"].startswith("data:audio/wav"):
            res.fail(f"{where}: src is not a data:audio/wav URI: {a['src']!r}")
        if not a["canPlay"]:
            res.fail(f"{where}: canPlayType('audio/wav') is empty")
        if a["error"] or a["readyState"] < 1 or not isinstance(a["duration"], (int, float)) or a["duration"] <= 0:
            res.fail(f"{where}: did not load: readyState {a['readyState']}, duration {a['duration']}, "
                     f"error {a['error']}")
    durations = ", ".join(f"{a['duration']:.2f}" for a in audios if isinstance(a["duration"], (int, float)))
    res.info(f"{len(audios)} audio player(s), durations {durations or 'none'} s")
    check_spectrograms(driver, res, len(audios))


def spectrogram_drawn(px):
    return not px.get("error") and px["opaque"] > 0 and px["colours"] >= 2


def drawn_spectrograms(driver):
    """The spectrogram survey once every player has a drawn one, else None."""
    specs = run_js(driver, JS_SPECTROGRAMS)
    return specs if all("pixels" in a and spectrogram_drawn(a["pixels"]) for a in specs["audios"]) else None


def check_spectrograms(driver, res, players):
    # report.js may finish spectrograms a little after ready; give them a few seconds
    specs = wait_for(lambda: drawn_spectrograms(driver), 3) or run_js(driver, JS_SPECTROGRAMS)
    if specs["count"] != players:
        res.fail(f"{specs['count']} canvas.spectrogram for {players} audio players")
    for a in specs["audios"]:
        where = f"audio {a['index']}"
        if "error" in a:
            res.fail(f"{where}: {a['error']}")
            continue
        px = a["pixels"]
        if px.get("error"):
            res.fail(f"{where}: cannot read spectrogram {a['spectrogram']} pixels: {px['error']}")
        elif not spectrogram_drawn(px):
            res.fail(f"{where}: spectrogram {a['spectrogram']} ({px['w']}x{px['h']}) is not drawn "
                     f"({px['opaque']} opaque samples, {px['colours']} colour(s))")


def run_of_chart(chart_id, prefix, runs):
    """The run a chart id 'PREFIX + RUN' or 'PREFIX + RUN-SPLIT' (a run's second evaluation) belongs to."""
    rest = chart_id[len(prefix):]
    names = [n for n in runs if rest == n or rest.startswith(n + "-")]
    return runs[max(names, key=len)] if names else None


def check_heatmap(driver, facts, res):
    maps = {m["id"]: m for m in run_js(driver, JS_HEATMAPS)}
    if not maps:
        res.fail("expected a coherence heat map: no canvas.chart with data-chart='coherence-...'")
    runs = {r["name"]: r for r in facts["runs"]}
    for run in facts["runs"]:
        if run["matrices"] and not any(run_of_chart(cid, "coherence-", runs) is run for cid in maps):
            res.fail(f"run '{run['name']}' has a coherence matrix but no chart 'coherence-{run['name']}'")
    for cid, m in maps.items():
        run = run_of_chart(cid, "coherence-", runs)
        if not m["hasChart"]:
            continue  # already reported by check_charts
        if m["type"] not in ("scatter", "bubble"):
            res.fail(f"chart '{cid}': type '{m['type']}', want a scatter/bubble heat map")
        if run is None or not run["matrices"]:
            res.fail(f"chart '{cid}': no run of that name with a coherence matrix in DATA")
            continue
        wanted = {n for mat in run["matrices"] for n in (mat["numeric"], mat["all"])}
        if m["drawn"] not in wanted:
            res.fail(f"chart '{cid}': drew {m['drawn']} cells, the matrix has "
                     + " or ".join(f"{mat['numeric']} numeric of {mat['all']}" for mat in run["matrices"]))


def check_compare(driver, facts, res):
    tables = run_js(driver, JS_COMPARE)
    if not tables:
        res.fail("expected a .compare-table: none found")
        return
    names = [r["name"] for r in facts["runs"]]
    for i, t in enumerate(tables):
        where = f".compare-table {i}"
        if not t["cells"]:
            res.fail(f"{where}: has no table rows")
            continue
        header = " ".join(t["cells"])
        missing = [n for n in names if n not in header]
        if missing:
            res.fail(f"{where}: first row {t['cells']} does not name run(s) {missing}")
        if len(t["cells"]) not in (len(names), len(names) + 1):
            res.fail(f"{where}: first row has {len(t['cells'])} columns for {len(names)} runs")
        if t["rows"] < 2:
            res.fail(f"{where}: has no metric rows")


def check_console(driver, res):
    logs = driver.get_log("browser")
    severe = [entry for entry in logs if entry.get("level") == "SEVERE"]
    for entry in severe:
        first_line = entry.get("message", "").strip().splitlines()[0:1] or [""]
        res.fail(f"console SEVERE: {first_line[0][:300]}")
    if severe:
        print(f"  all {len(logs)} console messages of {res.path}:")
        for entry in logs:
            print(f"    [{entry.get('level')}] {entry.get('message', '')[:1000]}")


def save_screenshot(driver, res, out):
    height = run_js(driver, "return document.documentElement.scrollHeight;")
    height = max(200, min(int(height), SCREENSHOT_MAX_HEIGHT))
    size = driver.get_window_size()
    # the window is taller than the viewport by the (emulated) browser frame
    frame = run_js(driver, "return Math.max(0, window.outerHeight - window.innerHeight);")
    driver.set_window_size(SCREENSHOT_WIDTH, height + int(frame))
    time.sleep(0.5)  # let Chart.js re-layout after the resize
    if not driver.save_screenshot(out):
        res.fail(f"could not save screenshot {out}")
    else:
        res.info(f"screenshot {out} ({SCREENSHOT_WIDTH}x{height})")
    driver.set_window_size(size["width"], size["height"])


# --------------------------------------------------------------------------- one file

def check_page(driver, res, expectations, screenshot, timeout):
    """All checks of one opened page; console and network last, so they cover the interactions too."""
    state = check_ready(driver, res, timeout)
    facts = run_js(driver, JS_PAGE_FACTS)
    # text>=N replaces the default blank-page threshold
    check_text(facts, res, expectations.get("text", [(">=", DEFAULT_MIN_TEXT + 1)]))
    if state is not None:  # without ready the page is unfinished: the rest would only repeat that
        check_state_consistency(state, facts, res)
        if facts["hasChartJs"]:
            check_charts(driver, res, expectations)
            check_log_switches(driver, res)
            check_tooltips(driver, res)
            if "heatmap" in expectations:
                check_heatmap(driver, facts, res)
        check_problems(driver, facts, res, expectations)
        if "slider" in expectations:
            check_slider(driver, res)
        if "audio" in expectations:
            check_audio(driver, facts, res)
        if "compare" in expectations:
            check_compare(driver, facts, res)
    if screenshot:
        save_screenshot(driver, res, screenshot)
    check_network(run_js(driver, JS_PAGE_FACTS), res)
    check_console(driver, res)


def check_file(driver, path, expectations, screenshot, timeout):
    res = FileResult(path)
    started = time.monotonic()
    try:
        driver.get_log("browser")  # drop messages from the previous page
        driver.get("file://" + os.path.abspath(path))
        check_page(driver, res, expectations, screenshot, timeout)
    except Exception as e:  # noqa: BLE001 - a WebDriver error (crash, hang) fails this file, not the run
        res.fail(f"browser error: {type(e).__name__}: {str(e).strip().splitlines()[0] if str(e).strip() else ''}")
    verdict = "ok" if not res.failures else f"{len(res.failures)} failure(s)"
    print(f"{'PASS' if not res.failures else 'FAIL'} {path}: {verdict} "
          f"({time.monotonic() - started:.1f} s)", flush=True)
    return res


# --------------------------------------------------------------------------- command line

def parse_args(argv):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0],
                                 epilog="Expectations: charts>=N charts=N problems>=K text>=N slider audio "
                                        "heatmap compare (see the script's docstring).")
    ap.add_argument("files", nargs="+", metavar="FILE", help="report HTML files")
    ap.add_argument("--expect", action="append", default=[], metavar="FILE:SPEC[,SPEC...]",
                    help="an expectation for one file, e.g. report.html:charts>=4,slider")
    ap.add_argument("--screenshot", action="append", default=[], metavar="FILE:OUT.png",
                    help="save a full-page screenshot of FILE")
    ap.add_argument("--timeout", type=float, default=DEFAULT_TIMEOUT,
                    help="seconds to wait for window.chimeraReport.ready (default %(default)s)")
    ap.add_argument("--chromium", default="/usr/bin/chromium")
    ap.add_argument("--chromedriver", default="/usr/bin/chromedriver")
    args = ap.parse_args(argv)

    expectations = {f: {} for f in args.files}
    screenshots = {}
    try:
        for arg in args.expect:
            f, specs = split_file_arg(arg, args.files, "--expect")
            for spec in filter(None, (s.strip() for s in specs.split(","))):
                kind, op, bound = parse_spec(spec)
                expectations[f].setdefault(kind, []).append((op, bound))
        for arg in args.screenshot:
            f, out = split_file_arg(arg, args.files, "--screenshot")
            screenshots[f] = out
    except ValueError as e:
        ap.error(str(e))
    for f in args.files:
        if not os.path.isfile(f):
            ap.error(f"no such file: {f}")
    return args, expectations, screenshots


def main(argv=None):
    args, expectations, screenshots = parse_args(sys.argv[1:] if argv is None else argv)
    if importlib.util.find_spec("selenium") is None:
        print("ERROR: python3-selenium is not installed (Debian: apt-get install python3-selenium "
              "chromium chromium-driver)", file=sys.stderr)
        return 2
    for exe in (args.chromium, args.chromedriver):
        if not os.access(exe, os.X_OK):
            print(f"ERROR: {exe} is missing (Debian: apt-get install chromium chromium-driver)", file=sys.stderr)
            return 2

    started = time.monotonic()
    profile = tempfile.mkdtemp(prefix="chimera-report-chromium-")
    driver = None
    results = []
    try:
        try:
            driver = start_browser(args.chromium, args.chromedriver, profile)
        except Exception as e:  # noqa: BLE001
            print(f"ERROR: could not start headless Chromium: {e}", file=sys.stderr)
            return 2
        for f in args.files:
            results.append(check_file(driver, f, expectations[f], screenshots.get(f), args.timeout))
    finally:
        if driver is not None:
            driver.quit()
        shutil.rmtree(profile, ignore_errors=True)

    failed = [r for r in results if r.failures]
    total = sum(len(r.failures) for r in results)
    print(f"{len(results) - len(failed)} of {len(results)} report(s) passed, {total} failure(s), "
          f"{time.monotonic() - started:.1f} s")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
