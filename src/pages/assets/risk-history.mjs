/* global document, window */
// A project's risk index month by month, served as /assets/risk-history.js after /assets/echarts.min.js. It reads the
// scores from the page's JSON data block (the Content-Security-Policy allows no inline script); the same figures are
// in the table under it, for screen readers and for printing.
const el = document.getElementById('risk-history-chart')
const data = document.getElementById('risk-history-data')
if (el && data && window.echarts) {
  const { months, scores } = JSON.parse(data.textContent ?? '{}')
  // SVG and a richText tooltip, as the overview's chart: no inline style written into the page's markup.
  const chart = window.echarts.init(el, null, { renderer: 'svg' })
  chart.setOption({
    animation: false,
    aria: { enabled: true },
    grid: { left: 48, right: 24, top: 32, bottom: 32 },
    tooltip: { trigger: 'axis', renderMode: 'richText' },
    xAxis: { type: 'category', data: months },
    yAxis: { type: 'value', min: 0, max: 100 },
    series: [{ name: '风险指数', type: 'line', data: scores, itemStyle: { color: '#a50f0f' } }],
    legend: { top: 0 },
  })
  window.addEventListener('resize', () => chart.resize())
}
