// main.js: starts the page and wires the modules together. It owns no behaviour of its own
// beyond the order things happen in: the state drives the event tiles and the data, the tiles
// the map and its legend, the data the list and the timeline's spans, and a chosen event the
// panel.

import { api, setPrivate } from './api.js';
import * as state from './state.js';
import * as data from './data.js';
import { createMap, viewOf, jumpTo, fitTo, covered } from './map.js';
import * as basemap from './basemap.js';
import * as events from './events.js';
import * as legend from './legend.js';
import * as list from './list.js';
import * as panel from './panel.js';
import * as timeline from './timeline.js';
import * as filters from './filters.js';
import * as exporter from './export.js';
import * as embed from './embed.js';
import * as searches from './searches.js';
import * as editor from './editor.js';
import * as signin from './signin.js';
import { tileUrl, tally } from './tiles.js';
import { announce, debounce, narrow } from './dom.js';
import { categoryName } from './format.js';
import { t, applyPage, lang, urlLang, LANGUAGES } from './i18n.js';

const FALLBACK_CONFIG = { private: false, basemap_style: null, categories: [], statuses: [], attribution: basemap.ATTRIBUTION };

/** A link that names a whole area (a country, a region) with a radius, from before an area
 *  kept all of itself: the radius no longer applies (the API refuses it), so it goes before
 *  the first request. */
async function dropAreaRadius() {
  const { place, radius } = state.get().filters;
  if (!place.includes(':') || radius === state.DEFAULT_RADIUS) return;
  try {
    const f = await api(`/api/places/${encodeURIComponent(place)}`);
    if (['country', 'region'].includes(f.properties.kind)) {
      state.update({ filters: { radius: state.DEFAULT_RADIUS } }, { history: 'replace' });
    }
  } catch {
    // An unknown place: the list says that nothing matches it.
  }
}

/** The header's language switcher: the languages in their own names; a choice reloads the
 *  page with `lang=` in its URL (the URL keeps the whole view, so nothing is lost). */
function languageSwitcher() {
  const select = document.getElementById('lang-select');
  if (!select) return;
  select.replaceChildren(...Object.entries(LANGUAGES).map(([code, name]) => {
    const o = document.createElement('option');
    o.value = code;
    o.lang = code;
    o.textContent = name;
    o.selected = code === lang();
    return o;
  }));
  select.addEventListener('change', () => {
    const u = new URL(location.href);
    u.searchParams.set('lang', select.value);
    location.assign(u.href);
  });
}

async function start() {
  applyPage();
  if (urlLang) state.keepParam('lang', urlLang);
  languageSwitcher();
  const isEmbed = embed.isEmbed();
  if (isEmbed) embed.initEmbedPage();
  let config = FALLBACK_CONFIG;
  try {
    config = { ...FALLBACK_CONFIG, ...(await api('/api/config')) };
  } catch (e) {
    console.warn('no /api/config; using defaults', e.message);
  }
  // The standard categories in the page's language (a team's own ones keep the server's label).
  config.categories = (config.categories || []).map((c) => ({ ...c, label: categoryName(c) }));
  setPrivate(config.private);
  if (!isEmbed) {
    await signin.init();
    // A private instance shows nothing before a token checks out; then it goes on, no reload.
    if (config.private && !signin.current()) await signin.required();
  }
  await dropAreaRadius();

  const initial = state.get();
  const map = createMap('map', {
    style: config.basemap_style, view: initial.view, attribution: config.attribution || basemap.ATTRIBUTION, embed: isEmbed,
  });
  window.eventmap = { map, state, data }; // for the browser tests and the curious

  // ---- choosing an event ----------------------------------------------------------------------
  const choose = (id, opts = {}) => state.update({ selected: id }, opts);
  const zoomTo = (f) => fitTo(map, [f], { maxZoom: 11, animate: true });
  // After a change to the events: the tiles, the list and the timeline are asked again.
  const reloadAll = () => {
    events.setTiles(null, { force: true });
    data.refresh(map, { force: true });
    timeline.reload();
  };

  filters.init(config, {
    onPlaceChosen: (p, radiusKm) => {
      // A country or a region shows all of itself; another place its circle.
      if (p.bbox && (p.kind === 'country' || p.kind === 'region')) {
        map.fitBounds([[p.bbox[0], p.bbox[1]], [p.bbox[2], p.bbox[3]]], { maxZoom: 11, padding: 20 });
        return;
      }
      const d = radiusKm / 111;
      map.fitBounds([[p.lon - d / Math.cos((p.lat * Math.PI) / 180), p.lat - d], [p.lon + d / Math.cos((p.lat * Math.PI) / 180), p.lat + d]], { maxZoom: 11 });
    },
  });
  events.setCategories(config.categories);
  legend.init(config.categories);
  list.init({
    onPick: (id) => choose(id),
    onHover: (id) => events.hover(id ? data.get(id) : null),
    onMore: () => data.more(),
  });
  panel.init(config.categories, {
    onClose: () => choose(''),
    onZoom: zoomTo,
    linkFor: (id) => state.href({ ...state.get(), selected: id }, '/'),
    onChanged: (f) => {
      data.put(f);
      reloadAll();
    },
    onDeleted: reloadAll,
    // The form opens on the event as it is now: a conflict then means a change made while editing.
    onEdit: async (f) => {
      try {
        editor.openEdit(await api(`/api/events/${encodeURIComponent(String(f.id))}`));
      } catch (e) {
        announce(t('editor.open_error', { message: e.message }));
      }
    },
    onOpen: (id) => choose(id),
  });
  timeline.init({ onPick: (id) => choose(id) });
  exporter.init(map);
  embed.init();
  searches.init();
  editor.init(config, {
    map,
    onSave: (f) => {
      data.put(f);
      choose(String(f.id));
      reloadAll();
    },
    onEdit: (f) => {
      data.put(f);
      reloadAll();
      panel.show(String(f.id), f, { focus: true });
    },
  });
  events.setLookup((id) => data.get(id));

  // ---- data → views -----------------------------------------------------------------------------
  let loadState = { loading: true };
  let mapReady = false;
  const showInView = () => {
    const t0 = performance.now();
    const inView = data.inView(map);
    list.render(inView, { ...data.info(), ...loadState, page: data.PAGE });
    list.setSelected(state.get().selected);
    timeline.setSpans(inView);
    performance.measure('eventmap:in-view', { start: t0, end: performance.now() });
    return inView;
  };
  // The legend counts what the map draws in view, by cell or one by one: the cells and events
  // whose dot lies in view (an event's dot is where the tiles count it), not a bubble whose edge
  // reaches in from beyond. The list counts the events that reach into the view; the two agree
  // on every point event close in, and each is labelled for what it counts.
  const countDrawn = () => {
    if (!map.getLayer('ev-cells')) return;
    const c = map.getCanvas();
    const [w, hgt] = [c.clientWidth, c.clientHeight];
    // A feature of a copy of the world may come with its longitude in -180..180: each copy of
    // its dot is tried (the tally counts it once).
    const inside = ([lon, lat]) => [0, -360, 360].some((d) => {
      const p = map.project([lon + d, lat]);
      return p.x >= 0 && p.y >= 0 && p.x < w && p.y < hgt;
    });
    legend.update(tally(map.queryRenderedFeatures({ layers: ['ev-cells', 'ev-points'] }), inside));
  };
  let firstData = !initial.view;
  data.on((kind, detail) => {
    if (kind === 'loading') {
      loadState = { loading: true };
      list.status({ ...data.info(), loading: true });
      document.body.classList.add('loading');
      return;
    }
    document.body.classList.remove('loading');
    if (kind === 'error') {
      loadState = { error: detail.message };
      list.status({ ...data.info(), error: detail.message });
      return;
    }
    loadState = {};
    const t0 = performance.now();
    events.setData(data.all());
    if (firstData) performance.mark('eventmap:first-data');
    if (firstData && data.all().length) {
      // A link without a view: frame the newest events, or the chosen one (moveend then records the view).
      const sel = data.get(state.get().selected);
      fitTo(map, sel ? [sel] : data.all(), { maxZoom: sel ? 9 : 8 });
    }
    firstData = false;
    showInView();
    filters.setActors(data.all());
    const sel = state.get().selected;
    if (sel && data.get(sel)) events.select(data.get(sel));
    announce(list.countText(data.info()));
    // For the scale measurements (docs): our own work per load, and when the map has drawn it.
    performance.measure('eventmap:show-data', { start: t0, end: performance.now() });
    map.once('idle', () => performance.mark('eventmap:drawn'));
  });
  // The events are asked for at once, while the map loads its style and tiles; the load
  // handler draws them if they come first.
  data.refresh(map);
  if (!config.basemap_style) basemap.startLabels(map);

  // ---- state → everything -----------------------------------------------------------------------
  // After a reader picks an event, make sure it is on screen (the panel narrows the map).
  const ensureVisible = (f) => setTimeout(() => {
    const a = events.anchorOf(f);
    if (!a) return;
    const p = map.project(a);
    const c = map.getCanvas();
    // What the panel covers: the end of the map on a desk (right, or left in Arabic), the bottom on a phone.
    const cover = covered();
    const w = c.clientWidth - cover.right;
    const hgt = c.clientHeight - cover.bottom;
    if (p.x < cover.left + 40 || p.y < 60 || p.x > w - 40 || p.y > hgt - 40) {
      map.easeTo({ center: a, offset: [(cover.left - cover.right) / 2, -cover.bottom / 2], duration: 400 });
    }
  }, 120);

  const showSelected = async (s, { focus = false, reveal = false } = {}) => {
    if (!s.selected) {
      panel.close();
      events.select(null);
      list.setSelected('');
      return;
    }
    list.setSelected(s.selected);
    // The map holds lean features (data.MAP_PROPERTIES): the panel fetches the whole event.
    const f = await panel.show(s.selected, null, { focus });
    if (f && state.get().selected === s.selected) {
      events.select(f);
      if (reveal) ensureVisible(f);
    }
  };

  state.subscribe((s, changed, meta) => {
    if (changed.has('view') && meta.source === 'history') jumpTo(map, s.view);
    if (changed.has('filters') || changed.has('time')) {
      if (meta.source !== 'play') timeline.interrupt();
      filters.sync(s);
      // Before the map's first load, its load handler fetches with the state as it is then.
      if (mapReady) {
        events.setTiles(tileUrl(data.filterParams(s), location.origin));
        data.refresh(map, { force: true });
      }
    }
    if (changed.has('filters')) timeline.reload();
    else if (changed.has('time')) timeline.windowChanged();
    if (changed.has('selected')) showSelected(s, { focus: meta.source === 'user' && !narrow(), reveal: meta.source === 'user' });
  });

  // ---- the map ------------------------------------------------------------------------------------
  map.on('load', () => {
    mapReady = true;
    events.addLayers(map, config.categories, {
      tiles: tileUrl(data.filterParams(), location.origin), onPick: (id) => choose(id), labels: !config.basemap_style,
    });
    map.on('idle', countDrawn);
    // Events that came before the map are drawn now.
    if (data.info().key) events.setData(data.all());
    data.refresh(map);
    timeline.reload();
    if (state.get().selected) showSelected(state.get());
  });
  const onMoveEnd = debounce(() => {
    state.update({ view: viewOf(map) }, { history: 'replace', source: 'map' });
    data.refresh(map);
    showInView();
  }, 120);
  map.on('moveend', onMoveEnd);

  // ---- keyboard -----------------------------------------------------------------------------------
  document.addEventListener('keydown', (e) => {
    if (e.key !== 'Escape' || e.defaultPrevented) return;
    if (document.querySelector('dialog[open]')) return; // dialogs close themselves
    if (document.querySelector('.chooser-popup')) { events.closeChooser(); map.getCanvas().focus(); return; }
    if (editor.escape()) return;
    if (filters.isSheetOpen()) { filters.setOpen(false); document.getElementById('btn-filters').focus(); return; }
    if (panel.isOpen()) { choose(''); return; }
    if (document.getElementById('list').classList.contains('expanded')) list.setExpanded(false);
  });
  const menu = document.getElementById('btn-menu');
  menu.addEventListener('click', () => {
    const open = menu.getAttribute('aria-expanded') !== 'true';
    menu.setAttribute('aria-expanded', String(open));
    document.getElementById('topbar').classList.toggle('menu-open', open);
  });
  document.getElementById('actions').addEventListener('click', (e) => {
    if (e.target.closest('button')) {
      menu.setAttribute('aria-expanded', 'false');
      document.getElementById('topbar').classList.remove('menu-open');
    }
  });
  document.getElementById('brand-link').addEventListener('click', (e) => {
    // The title resets the view to everything, like a front page.
    e.preventDefault();
    state.update({ filters: { q: '', categories: [], statuses: [], actor: '', place: '', radius: state.DEFAULT_RADIUS }, time: { start: '', end: '' }, selected: '' });
  });
  document.body.classList.add('ready');
}

start().catch((e) => {
  console.error('eventmap could not start', e);
  const p = document.createElement('p');
  p.className = 'fatal';
  p.textContent = t('page.fatal', { message: e.message });
  document.body.prepend(p);
});
