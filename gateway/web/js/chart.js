// Chart.js 4 (MIT, vendor/chart.js.LICENSE.md), loaded when a page first draws a chart: its UMD build
// sets window.Chart. Pages without charts never load it.

import { h } from "./dom.js";
import { t } from "./i18n.js";

let chartLibrary = null;

export function loadChartLibrary() {
  chartLibrary ??= new Promise((resolve, reject) => {
    const script = h("script", { src: "vendor/chart.umd.min.js" });
    script.addEventListener("load", () => resolve(window.Chart));
    script.addEventListener("error", () => reject(new Error(t("chart.failed"))));
    document.head.append(script);
  });
  return chartLibrary;
}
