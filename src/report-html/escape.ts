/**
 * Escaping for the HTML report. Every string a model provides (names, op types, domains, doc
 * strings, symbolic dims) is hostile until escaped: these are the only ways such a string reaches
 * the document.
 */

const ENTITIES: Readonly<Record<string, string>> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/**
 * Text safe in element content and in quoted attribute values. C0 controls other than tab and
 * newline (and DEL) become U+FFFD: they are invalid in XML, so an inline SVG holding one could
 * fail to parse when the report is served as XHTML or copied out as an SVG file.
 */
export function esc(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ENTITIES[c]).replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/g, '\ufffd');
}

/** At most `max` code points (a surrogate pair is never split), `…` in the middle when cut. */
export function elide(s: string, max: number): string {
  const cps = Array.from(s);
  if (cps.length <= max) return s;
  const head = Math.ceil((max - 1) / 2);
  return `${cps.slice(0, head).join('')}…${cps.slice(cps.length - (max - 1 - head)).join('')}`;
}
