/* global document, window */
// The bureau overview's chart, served as /assets/oversight.js after /assets/echarts.min.js. It reads its figures from
// the page's JSON data block (the Content-Security-Policy allows no inline script) and draws the arrears incidence
// against the target. The same figures are in the table under it, for screen readers and for printing.
const el = document.getElementById('incidence-chart')
const data = document.getElementById('incidence-data')
if (el && data && window.echarts) {
  const { months, rates, target } = JSON.parse(data.textContent ?? '{}')
  // SVG, not canvas: crisp when printed; the tooltip is drawn by ECharts itself (richText), so no inline style is
  // written into the page's markup, which the Content-Security-Policy would refuse.
  const chart = window.echarts.init(el, null, { renderer: 'svg' })
  chart.setOption({
    animation: false,
    aria: { enabled: true },
    grid: { left: 48, right: 24, top: 32, bottom: 32 },
    tooltip: { trigger: 'axis', renderMode: 'richText' },
    xAxis: { type: 'category', data: months },
    yAxis: { type: 'value', axisLabel: { formatter: '{value}%' }, min: 0 },
    series: [
      { name: '欠薪发生率', type: 'line', data: rates, itemStyle: { color: '#a50f0f' } },
      { name: `目标 ${target}%`, type: 'line', data: months.map(() => target), lineStyle: { type: 'dashed', color: '#4a4a4a' }, itemStyle: { color: '#4a4a4a' }, symbol: 'none' },
    ],
    legend: { top: 0 },
  })
  window.addEventListener('resize', () => chart.resize())
}
