// The shop's HTML, rendered on the server. Everything that comes from data is escaped.
const escapes = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

function esc(value) {
  return String(value).replace(/[&<>"']/g, (c) => escapes[c]);
}

function money(cents) {
  return `€${(cents / 100).toFixed(2)}`;
}

/** `new`: the price display behind the new-price-display flag (euros large, cents small, VAT noted). */
function price(cents, display) {
  if (display !== 'new') return money(cents);
  const [euros, rest] = (cents / 100).toFixed(2).split('.');
  return `<span class="price-new">€<b>${euros}</b><small>.${rest}</small> <small class="vat">incl. VAT</small></span>`;
}

function productRow(p, display) {
  const soldOut = p.stock < 1;
  return `<tr>
  <td>${esc(p.name)}</td><td class="num">${price(p.price, display)}</td><td class="num">${esc(p.stock)}</td>
  <td><form method="post" action="/buy">
    <input type="hidden" name="productId" value="${esc(p.id)}">
    <input type="number" name="quantity" value="1" min="1" max="${esc(Math.max(p.stock, 1))}" aria-label="quantity">
    <button ${soldOut ? 'disabled' : ''}>${soldOut ? 'Sold out' : 'Buy'}</button>
  </form></td>
</tr>`;
}

function orderRow(o) {
  return `<tr><td><code>${esc(o.id)}</code></td><td>${esc(o.productName)}</td>
  <td class="num">${esc(o.quantity)}</td><td class="num">${money(o.total)}</td><td>${esc(o.createdAt)}</td></tr>`;
}

function section(title, items, header, row, unavailable) {
  if (items === null) return `<h2>${title}</h2><p class="notice">${unavailable}</p>`;
  if (items.length === 0) return `<h2>${title}</h2><p>None yet.</p>`;
  return `<h2>${title}</h2><table><thead><tr>${header}</tr></thead><tbody>${items.map(row).join('')}</tbody></table>`;
}

/** `products`/`orders` are null when their service could not be reached. */
export function renderPage({ products, orders, ordered, error, priceDisplay = 'classic' }) {
  const flash = ordered
    ? `<p class="ok">Thank you! Order <code>${esc(ordered)}</code> is placed.</p>`
    : error
      ? `<p class="notice">${esc(error)}</p>`
      : '';
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Shop</title>
<style>
  body { font-family: system-ui, sans-serif; max-width: 56rem; margin: 2rem auto; padding: 0 1rem; }
  table { border-collapse: collapse; width: 100%; } td, th { padding: .3rem .6rem; border-bottom: 1px solid #ddd; text-align: left; }
  .num { text-align: right; } input[type=number] { width: 4rem; }
  .ok { background: #e6f4ea; padding: .5rem; } .notice { background: #fdecea; padding: .5rem; }
  .price-new b { font-size: 1.2rem; } .price-new .vat { color: #666; }
</style>
</head>
<body data-price-display="${priceDisplay}">
<h1>Shop</h1>
${flash}
${section('Products', products, '<th>Product</th><th>Price</th><th>Stock</th><th></th>', (p) => productRow(p, priceDisplay), 'The catalog is unavailable right now.')}
${section('Recent orders', orders, '<th>Order</th><th>Product</th><th>Qty</th><th>Total</th><th>Time</th>', orderRow, 'Orders are unavailable right now.')}
</body>
</html>
`;
}
