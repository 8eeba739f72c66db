// The status page's only script of its own: a "stale since …" banner while the event stream is
// lost (htmx's SSE extension reconnects by itself). The server sends a "ping" event every 2 s.
(function () {
  var last = new Date();
  function fmt(d) { return d.toISOString().replace('T', ' ').replace(/\.\d+Z$/, ' UTC'); }
  function stale() {
    document.getElementById('stale-since').textContent = fmt(last);
    document.getElementById('stale').hidden = false;
  }
  function fresh() {
    last = new Date();
    document.getElementById('stale').hidden = true;
  }
  document.body.addEventListener('htmx:sseOpen', fresh);
  document.body.addEventListener('htmx:sseMessage', fresh);
  document.body.addEventListener('htmx:sseError', stale);
  setInterval(function () { if (new Date() - last > 6000) stale(); }, 1000);
})();
