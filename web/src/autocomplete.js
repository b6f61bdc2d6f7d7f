// autocomplete.js: a place box with suggestions from the gazetteer (/api/places/search), in
// the ARIA combobox pattern: type, move with the arrow keys, choose with Enter or a click,
// close with Escape. Used by the place filter and the editor.

import { api, aborted } from './api.js';
import { h, debounce } from './dom.js';
import { countryName, number, kindName } from './format.js';
import { t } from './i18n.js';

let counter = 0;

/** Turns `input` (role=combobox) and `list` (role=listbox) into a place picker. `onChoose`
 *  receives {gazetteer_id, name, local_name, kind, country, admin1, population, lon, lat}. */
export function placeCombobox(input, list, { onChoose, limit = 8 }) {
  const prefix = `opt${(counter += 1)}`;
  let options = [];
  let active = -1;
  let controller = null;

  const close = () => {
    list.hidden = true;
    input.setAttribute('aria-expanded', 'false');
    input.removeAttribute('aria-activedescendant');
    active = -1;
  };

  const setActive = (i) => {
    active = i;
    [...list.children].forEach((li, k) => li.setAttribute('aria-selected', String(k === i)));
    if (i >= 0 && list.children[i]) {
      input.setAttribute('aria-activedescendant', list.children[i].id);
      list.children[i].scrollIntoView({ block: 'nearest' });
    } else {
      input.removeAttribute('aria-activedescendant');
    }
  };

  const choose = (i) => {
    const o = options[i];
    if (!o) return;
    close();
    onChoose(o);
  };

  const describe = (p) => [kindName(p.kind), p.admin1, countryName(p.country), p.population ? t('place.population', { n: number(p.population) }) : '']
    .filter(Boolean).join(' · ');

  const search = debounce(async () => {
    const q = input.value.trim();
    if (controller) controller.abort();
    if (q.length < 2) { close(); return; }
    controller = new AbortController();
    try {
      const fc = await api('/api/places/search', { params: { q, limit }, signal: controller.signal });
      options = fc.features.map((f) => ({
        ...f.properties,
        gazetteer_id: f.properties.gazetteer_id || f.id,
        lon: f.geometry.coordinates[0],
        lat: f.geometry.coordinates[1],
      }));
      list.replaceChildren(...options.map((o, i) => h('li', { id: `${prefix}-${i}`, role: 'option', class: 'combo-option', 'aria-selected': 'false' },
        h('span', { class: 'combo-name', dir: 'auto' }, o.name),
        o.local_name && o.local_name !== o.name ? h('span', { class: 'combo-local', dir: 'auto' }, o.local_name) : null,
        o.matched_name && o.matched_name !== o.name && o.matched_name !== o.local_name
          ? h('span', { class: 'combo-matched', dir: 'auto' }, t('place.matched', { name: o.matched_name })) : null,
        h('span', { class: 'combo-desc' }, describe(o)))));
      if (!options.length) list.replaceChildren(h('li', { class: 'combo-empty', role: 'option', 'aria-disabled': 'true' }, t('place.none')));
      list.hidden = false;
      input.setAttribute('aria-expanded', 'true');
      setActive(options.length ? 0 : -1);
    } catch (e) {
      if (!aborted(e)) close();
    }
  }, 180);

  input.addEventListener('input', search);
  input.addEventListener('keydown', (e) => {
    if (list.hidden) {
      if (e.key === 'ArrowDown' && input.value.trim().length >= 2) { search(); e.preventDefault(); }
      return;
    }
    if (e.key === 'ArrowDown') { setActive(Math.min(options.length - 1, active + 1)); e.preventDefault(); }
    else if (e.key === 'ArrowUp') { setActive(Math.max(0, active - 1)); e.preventDefault(); }
    else if (e.key === 'Enter') { if (active >= 0) { choose(active); e.preventDefault(); } }
    else if (e.key === 'Escape') { close(); e.preventDefault(); e.stopPropagation(); }
  });
  list.addEventListener('mousedown', (e) => {
    const li = e.target.closest('[role=option]');
    if (!li || li.getAttribute('aria-disabled')) return;
    e.preventDefault();
    choose([...list.children].indexOf(li));
  });
  input.addEventListener('blur', () => setTimeout(close, 120));
  return { close };
}
