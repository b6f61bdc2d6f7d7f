// embed.js: the embedded view (/embed: the map, legend and timeline without the page around
// them, with a link to the full map) and the Embed dialog that gives the iframe code for the
// current view.

import * as state from './state.js';
import { t } from './i18n.js';

const $ = (id) => document.getElementById(id);

export const isEmbed = () => /^\/embed\/?$/.test(location.pathname);

/** Turns the page into its embedded form. */
export function initEmbedPage() {
  document.body.classList.add('embed');
  const link = $('embed-open');
  link.hidden = false;
  const update = () => { link.href = state.href(state.get(), '/'); };
  update();
  state.subscribe(update);
}

function snippet() {
  const height = Math.max(240, Math.min(1600, Number($('embed-height').value) || 520));
  const src = state.href(state.get(), '/embed');
  return `<iframe src="${src.replace(/&/g, '&amp;').replace(/"/g, '&quot;')}" title="${t('embed.iframe_title').replace(/&/g, '&amp;').replace(/"/g, '&quot;')}" width="100%" height="${height}" style="border:0" loading="lazy" allowfullscreen></iframe>`;
}

function refresh() {
  $('embed-code').value = snippet();
  $('embed-preview').href = state.href(state.get(), '/embed');
  $('embed-copied').textContent = '';
}

export function init() {
  const dlg = $('dlg-embed');
  $('btn-embed').addEventListener('click', () => {
    refresh();
    dlg.showModal();
    $('embed-code').focus();
    $('embed-code').select();
  });
  $('embed-height').addEventListener('input', refresh);
  $('embed-copy').addEventListener('click', async () => {
    const code = $('embed-code');
    try {
      await navigator.clipboard.writeText(code.value);
      $('embed-copied').textContent = t('embed.copied');
    } catch {
      code.focus();
      code.select();
      $('embed-copied').textContent = t('embed.copy_by_hand');
    }
  });
}
