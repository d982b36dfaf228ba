/* global document, fetch */
// Roster import (src/pages/desk-import.ts): sends the chosen file's bytes as they are to the preview, then to the
// import, and shows the markup each answers. A classic script, as every page script here.
;(() => {
  const form = document.getElementById('import-form')
  const input = document.getElementById('roster-file')
  const out = document.getElementById('import-preview')
  const status = document.getElementById('import-status')
  if (!form || !input || !out) return
  // Types the routes take; a browser may name a .csv application/vnd.ms-excel, or nothing.
  const ACCEPTED = ['application/vnd.openxmlformats-officedocument.spreadsheetml.sheet', 'application/vnd.ms-excel', 'text/csv', 'application/csv', 'text/plain', 'text/tab-separated-values']
  let file = null

  async function send(url, what) {
    if (!file) return
    status.textContent = `${what}中……`
    const type = ACCEPTED.includes(file.type) ? file.type : 'application/octet-stream'
    try {
      const res = await fetch(url, { method: 'POST', credentials: 'same-origin', headers: { 'content-type': type, accept: 'text/html' }, body: await file.arrayBuffer() })
      out.innerHTML = await res.text()
      status.textContent = res.ok ? `${what}已完成，结果见下方。` : `${what}未成功，原因见下方。`
    } catch {
      status.textContent = `${what}失败：无法连接服务，请稍后再试。`
    }
    out.focus()
  }

  form.addEventListener('submit', (e) => {
    e.preventDefault()
    file = input.files && input.files[0] ? input.files[0] : null
    if (file) void send(form.dataset.previewUrl, '预览')
  })
  // A new file makes the preview shown stale: it goes, so "全部导入" never sends a file other than the one previewed.
  input.addEventListener('change', () => {
    file = null
    out.innerHTML = '<p class="note">请点击"预览"。</p>'
  })
  out.addEventListener('click', (e) => {
    const button = e.target.closest('button[data-import]')
    if (button && !button.disabled) {
      button.disabled = true
      void send(form.dataset.importUrl, '导入')
    }
  })
})()
