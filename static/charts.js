// Draw every Plotly figure on the page from its JSON block (no inline script: CSP-friendly).
// Markup: <div class="chart" data-figure="ID"></div><script type="application/json" id="ID">…</script>
(function () {
  function draw() {
    document.querySelectorAll("[data-figure]").forEach(function (el) {
      var source = document.getElementById(el.dataset.figure);
      if (!source || el.dataset.drawn) return;
      var figure = JSON.parse(source.textContent);
      var config = { responsive: true, displaylogo: false, locale: document.documentElement.lang };
      Plotly.newPlot(el, figure.data, figure.layout || {}, config);
      el.dataset.drawn = "1";
    });
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", draw);
  else draw();
})();
