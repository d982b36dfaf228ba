/* global document, window, fetch, URLSearchParams, FormData, Element */
// The labour manager's desk, served as /assets/desk.js. Every page works without it: the on-site list is current when
// the page loads, and each review form posts and comes back to the page. With it:
// - the on-site list follows the server-sent events of the page's data-events URL (desk-live.ts);
// - a review form is sent in place, and its day is replaced by the answer (the day as corrected, or the form with
//   what to fix), without leaving the page.
const onSite = document.getElementById('on-site')
const status = document.getElementById('live-status')
if (onSite && onSite.dataset.events && 'EventSource' in window) {
  const source = new window.EventSource(onSite.dataset.events)
  source.addEventListener('open', () => {
    if (status) status.textContent = '实时更新中：有人打卡时名单自动刷新。'
  })
  source.addEventListener('on-site', (event) => {
    onSite.innerHTML = event.data
    onSite.dataset.updated = String(Date.now())
  })
  source.addEventListener('error', () => {
    if (status) status.textContent = '实时连接中断，正在重新连接……'
  })
}

document.addEventListener('submit', async (event) => {
  const form = event.target instanceof Element ? event.target.closest('form.fix') : null
  if (!form) return
  const day = form.closest('.review-day')
  if (!day) return
  event.preventDefault()
  const button = form.querySelector('button[type="submit"]')
  if (button) button.disabled = true
  try {
    const res = await fetch(form.action, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'text/html', 'x-desk-fragment': '1' },
      body: new URLSearchParams(new FormData(form)),
    })
    const html = await res.text()
    const holder = document.createElement('div')
    holder.innerHTML = html
    const fresh = holder.querySelector('.review-day')
    if (fresh) {
      day.replaceWith(fresh)
      const focus = fresh.querySelector('[role="alert"], .notice')
      if (focus) focus.focus()
    } else {
      form.submit()
    }
  } catch {
    form.submit()
  }
})
