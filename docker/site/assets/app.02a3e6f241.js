// Shows whether the API behind /api answers. The site works without it: the API is an
// optional second service, so a missing one is reported, not an error.
(function () {
  'use strict';
  var box = document.getElementById('api-status');
  if (!box || !window.fetch) return;
  var text = box.querySelector('[data-role="text"]');
  fetch('/api/info', { headers: { Accept: 'application/json' } })
    .then(function (res) {
      if (!res.ok) throw new Error('HTTP ' + res.status);
      return res.json();
    })
    .then(function (info) {
      box.setAttribute('data-state', 'ok');
      text.textContent = 'API ' + (info.version || '') + ' answered from ' + (info.hostname || 'a pod') + '.';
    })
    .catch(function () {
      box.setAttribute('data-state', 'down');
      text.textContent = 'The API is not deployed in this environment.';
    });
})();
