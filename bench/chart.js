// A small SVG chart for bench/results.md: wall time and peak RSS against
// the number of VMs, vmfix beside the floor and the pyvmomi script.

const W = 360;
const H = 260;
const PAD = { left: 52, right: 14, top: 30, bottom: 42 };
const SERIES = [
  { key: 'vmfix', label: 'vmfix', color: '#1f6feb', width: 2.5 },
  { key: 'floor', label: 'floor (bare client)', color: '#8b949e', width: 1.5, dash: '4 3' },
  { key: 'pyvmomi', label: 'pyvmomi (well written)', color: '#d9822b', width: 1.5 },
];

/** sizes: bench/run.js's per-size results. */
export function chart(sizes) {
  const time = panel('wall time (s)', sizes, (x, key) => x[key] && x[key].wallMs / 1000);
  const memory = panel('peak RSS (MB)', sizes, (x, key) => x[key] && x[key].rssMb, { line: 200, label: 'target 200 MB' });
  const legend = SERIES.map((l, i) =>
    `<g transform="translate(${PAD.left + i * 200},14)"><line x1="0" y1="0" x2="22" y2="0" stroke="${l.color}" stroke-width="${l.width}"${l.dash ? ` stroke-dasharray="${l.dash}"` : ''}/>` +
    `<text x="28" y="4">${l.label}</text></g>`).join('');
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${2 * W}" height="${H + 24}" viewBox="0 0 ${2 * W} ${H + 24}" font-family="sans-serif" font-size="11">
<rect width="100%" height="100%" fill="#fff"/>
${legend}
<g transform="translate(0,24)">${time}</g>
<g transform="translate(${W},24)">${memory}</g>
</svg>
`;
}

function panel(title, sizes, value, target) {
  const xs = sizes.map((x) => x.vms);
  const maxX = Math.max(...xs);
  const values = sizes.flatMap((x) => SERIES.map((l) => value(x, l.key)).filter((v) => v !== undefined));
  const step = niceStep(Math.max(...values, target ? target.line * 1.1 : 0) / 4);
  const maxY = step * Math.ceil(Math.max(...values, target ? target.line * 1.1 : 0) / step);
  const px = (v) => PAD.left + (v / maxX) * (W - PAD.left - PAD.right);
  const py = (v) => H - PAD.bottom - (v / maxY) * (H - PAD.top - PAD.bottom);
  const parts = [`<text x="${PAD.left}" y="${PAD.top - 12}" font-weight="bold">${title}</text>`];
  for (let v = 0; v <= maxY + step / 2; v += step) {
    parts.push(`<line x1="${PAD.left}" x2="${W - PAD.right}" y1="${py(v)}" y2="${py(v)}" stroke="#eee"/>`,
      `<text x="${PAD.left - 6}" y="${py(v) + 4}" text-anchor="end">${round(v)}</text>`);
  }
  for (const x of xs) {
    parts.push(`<text x="${px(x)}" y="${H - PAD.bottom + 14}" text-anchor="middle">${x.toLocaleString('en')}</text>`);
  }
  parts.push(`<text x="${(PAD.left + W - PAD.right) / 2}" y="${H - 8}" text-anchor="middle">VMs (20 per host)</text>`,
    `<line x1="${PAD.left}" x2="${W - PAD.right}" y1="${py(0)}" y2="${py(0)}" stroke="#999"/>`);
  if (target) {
    parts.push(`<line x1="${PAD.left}" x2="${W - PAD.right}" y1="${py(target.line)}" y2="${py(target.line)}" stroke="#cf222e" stroke-dasharray="2 3"/>`,
      `<text x="${W - PAD.right}" y="${py(target.line) - 4}" text-anchor="end" fill="#cf222e">${target.label}</text>`);
  }
  for (const l of SERIES) {
    const points = sizes.map((x) => [x.vms, value(x, l.key)]).filter(([, v]) => v !== undefined);
    if (!points.length) continue;
    parts.push(`<polyline fill="none" stroke="${l.color}" stroke-width="${l.width}"${l.dash ? ` stroke-dasharray="${l.dash}"` : ''} points="${points.map(([x, v]) => `${px(x).toFixed(1)},${py(v).toFixed(1)}`).join(' ')}"/>`);
    for (const [x, v] of points) parts.push(`<circle cx="${px(x).toFixed(1)}" cy="${py(v).toFixed(1)}" r="3" fill="${l.color}"><title>${l.label}: ${round(v)} at ${x} VMs</title></circle>`);
  }
  return parts.join('\n');
}

/** A round tick spacing of at least v: 1, 2, 2.5 or 5 times a power of ten. */
function niceStep(v) {
  const power = 10 ** Math.floor(Math.log10(v || 1));
  for (const m of [1, 2, 2.5, 5, 10]) if (m * power >= v) return m * power;
  return 10 * power;
}

function round(v) {
  return Number.isInteger(v) || v >= 10 ? Math.round(v).toString() : v.toFixed(1);
}
