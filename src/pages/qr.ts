/**
 * QR codes as inline SVG, made on the server by `qrcode` (a maintained encoder of ISO/IEC 18004): vector, so a board
 * printed on A3 stays sharp, and no script or image request on the page. Error correction M (15 %): a board at a gate
 * gets dirty and scratched, and the URLs are short enough that M still gives a coarse, easily scanned code.
 */
import QRCode from 'qrcode'

/**
 * The SVG of a QR code of `text`. The SVG itself is hidden from assistive technology: the element that holds it
 * carries the label and the same text printed beside it, which is what a screen reader should read.
 */
export async function qrSvg(text: string): Promise<string> {
  const svg = await QRCode.toString(text, { type: 'svg', errorCorrectionLevel: 'M', margin: 2 })
  if (!svg.startsWith('<svg ')) throw new Error('qrcode did not return an SVG document')
  return svg.replace('<svg ', '<svg aria-hidden="true" focusable="false" class="qr-code" ')
}
