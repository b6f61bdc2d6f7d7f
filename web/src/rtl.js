// rtl.js: whether right-to-left labels (Arabic, Hebrew) can be drawn on the map, and loading
// the RTL text plugin when they can.

let rtl = null;

/**
 * Whether right-to-left labels can be drawn. The RTL text plugin (Arabic shaping and bidi)
 * compiles WebAssembly, which a Content-Security-Policy allows only with 'wasm-unsafe-eval'.
 * When the page's policy does not allow it, the plugin is not loaded (it would fail with a
 * console error) and basemap.js leaves right-to-left names off the labels rather than draw them
 * unshaped and backwards.
 */
export function rtlSupport() {
  if (rtl) return rtl;
  rtl = (async () => {
    let allowed = true;
    try {
      const r = await fetch(location.pathname, { method: 'HEAD', cache: 'no-store' });
      const csp = r.headers.get('content-security-policy') || '';
      const directives = Object.fromEntries(csp.split(';').map((d) => d.trim().split(/\s+/)).filter((d) => d[0]).map((d) => [d[0], d.slice(1)]));
      const script = directives['script-src'] || directives['default-src'];
      allowed = !script || script.includes("'wasm-unsafe-eval'") || script.includes("'unsafe-eval'");
    } catch {
      allowed = false;
    }
    const gl = window.maplibregl;
    if (allowed && gl.getRTLTextPluginStatus() === 'unavailable') {
      gl.setRTLTextPlugin(`${location.origin}/assets/vendor/mapbox-gl-rtl-text.js`, true).catch((e) => {
        console.warn('the right-to-left text plugin did not load:', e && e.message);
      });
    }
    return allowed;
  })();
  return rtl;
}
