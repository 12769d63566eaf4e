/* Chimera training report, part 3 of 5: pictures and sound. The per-epoch samples slider, the
 * figures, the latent traversal (with its KL chart), the generated examples (tiles cut from the
 * image grid, captions, audio) and the WAV decoding and spectrograms beside each audio player.
 * Needs report_util.js and report_curves.js; see report_util.js for how the parts fit together. */
(function () {
  'use strict';
  const ChimeraReport = window.ChimeraReport = window.ChimeraReport || {};
  const {PALETTE, el, missing, section, safely, list, isObject, upscaleWhenSmall, fmtNumber, colourMap,
         chartGrid, addChart, barOptions} = ChimeraReport;

  const GRID_COLUMNS = 8;   // images per row in generated grids (CONTRACT: "8 per row")
  const GRID_BORDER = 2;    // pixels around each tile (io/png_grid.hpp)

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
    if (image) ChimeraReport.pending.push(cropTiles(box, cards, image, tiles));
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
    const {power, top} = stftPower(samples, size, hop, frames);
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

  // The power in dB of each of `frames` Hann-windowed frames of `size` samples, `hop` apart
  // (frame f's bin k at f * size / 2 + k), and the loudest of them.
  function stftPower(samples, size, hop, frames) {
    const bins = size / 2;
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
    return {power, top};
  }

  Object.assign(ChimeraReport, {renderSamples, renderFigures, renderTraversal, renderGenerated});
})();
