// The status page's only script of its own: a "stale since …" banner while the event stream is
// lost (htmx's SSE extension reconnects by itself; the server sends a "ping" event every 2 s),
// and bare positions first: a row that turns bare while the page is open moves up to the other
// bare rows at the top, as a reload would show it (the server sorts bare first).
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
  // Rows are swapped in place (outerHTML); whenever the table's rows change, a bare row below a
  // protected one moves up to just before the first protected row. Moving settles it: no loop.
  function bareFirst(body) {
    var firstOk = null;
    var rows = body.children;
    for (var i = 0; i < rows.length; i++) {
      var r = rows[i];
      if (r.classList.contains('ok')) { if (!firstOk) firstOk = r; }
      else if (r.classList.contains('bare') && firstOk) { body.insertBefore(r, firstOk); return bareFirst(body); }
    }
  }
  var body = document.getElementById('rows');
  if (body && window.MutationObserver) {
    new MutationObserver(function () { bareFirst(body); }).observe(body, { childList: true });
  }
  document.body.addEventListener('htmx:sseOpen', fresh);
  document.body.addEventListener('htmx:sseMessage', fresh);
  document.body.addEventListener('htmx:sseError', stale);
  setInterval(function () { if (new Date() - last > 6000) stale(); }, 1000);
})();
