// The live dashboard refreshes its body in place every minute (no page reload): it asks the
// same address with partial=1 and swaps the server-rendered charts and tables.
(function () {
  "use strict";
  var root = document.getElementById("smarty-dashboard");
  if (!root) { return; }
  var every = parseInt(root.getAttribute("data-refresh") || "60", 10) * 1000;
  function refresh() {
    var url = new URL(window.location.href);
    url.searchParams.set("partial", "1");
    fetch(url.toString(), { credentials: "same-origin", headers: { "X-Requested-With": "fetch" } })
      .then(function (response) { return response.ok ? response.text() : null; })
      .then(function (html) {
        if (html !== null) {
          root.innerHTML = html;
          root.setAttribute("data-refreshed", String(Date.now()));
        }
      })
      .catch(function () { /* keep the last numbers; try again next time */ });
  }
  window.smartyDashboardRefresh = refresh;
  window.setInterval(refresh, every);
})();
