// Shared by nslab's pages (report.html, sweep.html): script errors shown on
// the page, the data the page embeds, and makers of HTML and SVG elements.
const NSLAB = (function () {
  'use strict';
  const errors = document.getElementById('errors');
  window.addEventListener('error', (e) => { errors.textContent += 'script error: ' + e.message + '\n'; });
  function make(e, attrs, parent, text) {
    for (const [k, v] of Object.entries(attrs || {})) e.setAttribute(k, v);
    if (text !== undefined) e.textContent = text;
    if (parent) parent.appendChild(e);
    return e;
  }
  return {
    errors: errors,
    data: JSON.parse(document.getElementById('nslab-data').textContent),
    el: (tag, attrs, parent, text) => make(document.createElement(tag), attrs, parent, text),
    sv: (tag, attrs, parent, text) => make(document.createElementNS('http://www.w3.org/2000/svg', tag), attrs, parent, text),
  };
})();
