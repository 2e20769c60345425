// uPlot for the room page: loaded on first use from /vendor/uplot/ (its ES module and stylesheet),
// and a chart that follows its container's width (phones included).

let loading;
export function loadUPlot() {
  if (!loading) {
    const css = Object.assign(document.createElement("link"), { rel: "stylesheet" });
    css.href = "/vendor/uplot/uPlot.min.css";
    document.head.append(css);
    loading = import("/vendor/uplot/uPlot.esm.js").then((m) => m.default);
  }
  return loading;
}

/** A uPlot chart that follows its container's width. */
export function chart(uPlot, container, opts, data) {
  const width = () => Math.max(240, container.clientWidth);
  const u = new uPlot({ width: width(), height: 200, ...opts }, data, container);
  const resize = new ResizeObserver(() => u.setSize({ width: width(), height: 200 }));
  resize.observe(container);
  const destroy = u.destroy.bind(u);
  u.destroy = () => (resize.disconnect(), destroy());
  return u;
}
