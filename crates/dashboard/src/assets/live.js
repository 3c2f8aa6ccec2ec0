// Live refresh: with "Live" ticked, the page's <main> is fetched again every
// 3 seconds and swapped in. Pages work without this script.
(function () {
  var box = document.getElementById("live");
  if (!box) return;
  box.checked = localStorage.getItem("redspin-live") === "1";
  box.addEventListener("change", function () {
    localStorage.setItem("redspin-live", box.checked ? "1" : "0");
  });
  setInterval(function () {
    if (!box.checked || document.hidden) return;
    var active = document.activeElement;
    if (active && active.closest && active.closest("main form")) return;
    fetch(location.href, { credentials: "same-origin", headers: { "X-Refresh": "1" } })
      .then(function (r) { return r.ok ? r.text() : null; })
      .then(function (html) {
        if (!html) return;
        var next = new DOMParser().parseFromString(html, "text/html").querySelector("main");
        var main = document.querySelector("main");
        if (next && main) main.innerHTML = next.innerHTML;
      })
      .catch(function () {});
  }, 3000);
})();
