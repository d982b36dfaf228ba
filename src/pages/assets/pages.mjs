/* global document, window, Element */
// The pages' own script, served as /assets/pages.js (a file: the pages' Content-Security-Policy allows no inline script).
// A [data-print] button prints the page; without scripts, the browser's own print (Ctrl+P) does the same.
document.addEventListener('click', (event) => {
  const target = event.target instanceof Element ? event.target.closest('[data-print]') : null
  if (target) window.print()
})
