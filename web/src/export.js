// export.js: the Export dialog. It links to the API's own downloads (GeoJSON, CSV, KML,
// NDJSON) for the current filters and dates, in the map's view or everywhere, so a file from
// the page and one fetched by a script are the same; and it makes the image for a story
// (image.js).

import { api, url } from './api.js';
import * as state from './state.js';
import { filterParams, viewWindow, inView, LIMIT } from './data.js';
import { h } from './dom.js';
import { number } from './format.js';
import { t, tn } from './i18n.js';
import * as image from './image.js';
import * as print from './print.js';

const $ = (id) => document.getElementById(id);
// The formats' names are the same in every language; what each is for is not.
const FORMATS = [['geojson', 'GeoJSON'], ['csv', 'CSV'], ['kml', 'KML'], ['ndjson', 'NDJSON']];

let map;

function params() {
  const p = filterParams(state.get());
  const area = document.querySelector('input[name=export-area]:checked');
  // The API takes a box across the antimeridian as west > east, so the export is the view itself.
  if (area && area.value === 'view') p.bbox = viewWindow(map).map((x) => x.toFixed(4)).join(',');
  return p;
}

function fileName(ext) {
  const { time } = state.get();
  const span = [time.start, time.end].filter(Boolean).map((v) => v.slice(0, 10)).join('_');
  return `eventmap${span ? `-${span}` : ''}.${ext}`;
}

async function refresh() {
  const p = params();
  $('export-links').replaceChildren(...FORMATS.map(([f, label]) => {
    // Every format carries each source's latest capture (time and SHA-256).
    const q = f === 'geojson' ? { ...p, limit: LIMIT, captures: 'true' } : { ...p, format: f };
    return h('li', {},
      h('a', { class: 'btn btn-quiet export-link', href: url('/api/events', q), download: fileName(f === 'geojson' ? 'geojson' : f) }, label),
      h('span', { class: 'hint' }, t(`export.format.${f}`, { n: number(LIMIT) })));
  }));
  $('export-count').textContent = t('export.counting');
  try {
    const fc = await api('/api/events', { params: { ...p, limit: 1 } });
    const n = fc.numberMatched ?? fc.features.length;
    $('export-count').textContent = tn(n > LIMIT ? 'export.count_over' : 'export.count', n, { limit: number(LIMIT) });
  } catch (e) {
    $('export-count').textContent = t('export.count_error', { message: e.message });
  }
}

/** What the image shows besides the map, read from the page as the reader sees it. */
function imageParts() {
  const legend = [...document.querySelectorAll('#legend-cats .legend-cat:not(.legend-none)')].map((li) => ({
    label: li.querySelector('.legend-label')?.textContent || '',
    color: li.querySelector('.dot')?.getAttribute('data-color') || '#777',
    count: li.querySelector('.legend-count')?.textContent,
  }));
  const credits = document.querySelector('.maplibregl-ctrl-attrib-inner')?.textContent || '';
  return { title: $('img-title').value.trim() || t('image.default_title'), dates: $('tl-window').textContent, legend, credits };
}

let imageUrl = '';

async function makeImage() {
  const status = $('img-status');
  const link = $('img-download');
  $('img-make').disabled = true;
  link.hidden = true;
  status.textContent = t('image.drawing');
  try {
    const { blob, width, height } = await image.render(map, imageParts());
    if (imageUrl) URL.revokeObjectURL(imageUrl);
    imageUrl = URL.createObjectURL(blob);
    link.href = imageUrl;
    link.download = fileName('png');
    link.dataset.width = String(width);
    link.dataset.height = String(height);
    link.hidden = false;
    status.textContent = t('image.ready', { width: number(width), height: number(height) });
  } catch (e) {
    status.textContent = t('image.error', { message: e.message });
  } finally {
    $('img-make').disabled = false;
  }
}

export function init(m) {
  map = m;
  const dlg = $('dlg-export');
  $('btn-export').addEventListener('click', () => { refresh(); dlg.showModal(); });
  $('img-make').addEventListener('click', makeImage);
  $('btn-print').addEventListener('click', async () => {
    $('btn-print').disabled = true;
    try {
      await print.prepare(map, imageParts(), inView(map));
      dlg.close();
      window.print();
    } catch (e) {
      $('img-status').textContent = t('image.print_error', { message: e.message });
    } finally {
      $('btn-print').disabled = false;
    }
  });
  for (const r of document.querySelectorAll('input[name=export-area]')) r.addEventListener('change', refresh);
}
