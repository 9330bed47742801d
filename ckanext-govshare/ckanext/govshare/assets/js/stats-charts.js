/* The statistics' charts (stats/): each .govshare-chart element carries its
   data as JSON in data-chart (categories, series); the table below it is the
   same figure for readers without scripts. Plain script, no CKAN module: a
   chart is drawn as soon as this file runs (it is loaded at the end of the
   body), whatever else on the page fails. SVG, so a phone draws it sharp. */
(function () {
  "use strict";
  if (!window.echarts) { return; }
  var charts = [];
  var narrow = function () { return window.innerWidth < 576; };

  function percentAxis(series) {
    return series.length > 0 && series.every(function (s) { return s.percent; });
  }

  function option(data) {
    var type = data.type;
    var legend = data.series.length > 1 ? { type: "scroll", bottom: 0 } : { show: false };
    if (type === "pie") {
      var s = data.series[0] || { data: [], name: "" };
      return {
        tooltip: { trigger: "item" },
        legend: { type: "scroll", bottom: 0 },
        series: [{
          type: "pie", name: s.name, radius: narrow() ? ["30%", "60%"] : ["35%", "65%"],
          data: data.categories.map(function (c, i) { return { name: c, value: s.data[i] || 0 }; }),
          label: { formatter: "{b}: {c}" }
        }]
      };
    }
    var horizontal = type === "hbar";
    var percent = percentAxis(data.series);
    var valueAxis = { type: "value", max: percent ? 100 : null, minInterval: 1 };
    var categoryAxis = {
      type: "category", data: data.categories, inverse: horizontal,
      axisLabel: { width: narrow() ? 90 : 180, overflow: "truncate", interval: 0,
                   rotate: (!horizontal && narrow() && data.categories.length > 6) ? 45 : 0 }
    };
    return {
      tooltip: { trigger: "axis" },
      legend: legend,
      grid: { containLabel: true, left: 8, right: 16, top: 16,
              bottom: data.series.length > 1 ? 40 : 8 },
      xAxis: horizontal ? valueAxis : categoryAxis,
      yAxis: horizontal ? categoryAxis : valueAxis,
      series: data.series.map(function (s) {
        return { type: type === "line" ? "line" : "bar", name: s.name, data: s.data,
                 connectNulls: false, smooth: false };
      })
    };
  }

  function draw(el) {
    var data;
    try { data = JSON.parse(el.getAttribute("data-chart")); } catch (e) { return; }
    if (!data || !data.categories || data.categories.length === 0) { return; }
    if (data.type === "hbar") {
      // one row of bars per category, so long agency names stay readable
      el.style.height = Math.max(160, 48 + 28 * data.categories.length) + "px";
    }
    el.classList.add("is-drawn");
    var chart = window.echarts.init(el, null, { renderer: "svg" });
    chart.setOption(option(data));
    el.setAttribute("data-drawn", "true");
    charts.push(chart);
  }

  var elements = document.querySelectorAll(".govshare-chart[data-chart]");
  for (var i = 0; i < elements.length; i++) { draw(elements[i]); }
  var pending = null;
  window.addEventListener("resize", function () {
    if (pending) { window.clearTimeout(pending); }
    pending = window.setTimeout(function () {
      charts.forEach(function (c) { c.resize(); });
    }, 150);
  });
}());
