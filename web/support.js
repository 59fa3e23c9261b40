/* Switchboard hosted support page (web/support.html): sets the chat widget up for this page's experience before
   /widget.js runs (both are deferred, so they run in this order, after the page is parsed). A file of its own because
   the page's Content-Security-Policy allows no inline script.
   Demo convenience: ?token=<customer JWT> signs the customer in. The token leaves the address bar and the history
   entry at once, so it is not in a bookmark, a shared link or a screenshot of the address; the widget holds it in
   memory only (a reload is anonymous again, as after the site's own sign-in). */
'use strict';
(function () {
  var name = document.getElementById('experience-name').textContent;
  document.querySelector('.logo').textContent = (name.trim()[0] || '?').toUpperCase();
  var url = new URL(location.href);
  var token = url.searchParams.get('token');
  if (url.searchParams.has('token')) {
    url.searchParams.delete('token');
    history.replaceState(history.state, '', url.pathname + url.search + url.hash);
  }
  window.switchboardSettings = {
    widget: document.body.getAttribute('data-widget'),
    server: location.origin,
    container: '#chat',
    title: name,
    authenticate: token ? function () { return Promise.resolve(token); } : undefined
  };
})();
