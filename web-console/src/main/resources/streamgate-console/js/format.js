// Formatting of numbers, sizes, times and record keys and values.

const numberFormat = new Intl.NumberFormat();

export const count = (n) => (n == null ? '—' : numberFormat.format(n));

/** A count with its noun: "1 replica", "3 replicas". */
export const counted = (n, noun) => `${count(n)} ${n === 1 ? noun : `${noun}s`}`;

export function bytes(n) {
  if (n == null) return '—';
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = n;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${unit === 0 ? value : value.toFixed(value < 10 ? 1 : 0)} ${units[unit]}`;
}

export function rate(perSecond) {
  if (perSecond == null || Number.isNaN(perSecond)) return '—';
  if (perSecond >= 1000) return `${(perSecond / 1000).toFixed(perSecond >= 10000 ? 0 : 1)}k/s`;
  return `${perSecond >= 10 || perSecond === 0 ? Math.round(perSecond) : perSecond.toFixed(1)}/s`;
}

export function time(ms) {
  const date = new Date(ms);
  const pad = (n, w = 2) => String(n).padStart(w, '0');
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())} `
    + `${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}.${pad(date.getMilliseconds(), 3)}`;
}

function base64Bytes(text) {
  const raw = atob(text);
  const out = new Uint8Array(raw.length);
  for (let i = 0; i < raw.length; i++) out[i] = raw.charCodeAt(i);
  return out;
}

const HEX_LIMIT = 256;

/** Binary data as a hex dump of its first bytes, 16 a line, with their printable ASCII. */
function hexDump(data) {
  const lines = [];
  for (let i = 0; i < Math.min(data.length, HEX_LIMIT); i += 16) {
    const row = data.slice(i, Math.min(i + 16, data.length, HEX_LIMIT));
    const hex = Array.from(row, (b) => b.toString(16).padStart(2, '0')).join(' ');
    const ascii = Array.from(row, (b) => (b >= 32 && b < 127 ? String.fromCharCode(b) : '.')).join('');
    lines.push(`${i.toString(16).padStart(4, '0')}  ${hex.padEnd(47)}  ${ascii}`);
  }
  if (data.length > HEX_LIMIT) lines.push(`… ${data.length - HEX_LIMIT} more bytes`);
  return lines.join('\n');
}

/**
 * A record's value for display, by how the topic's value.format made it read back:
 * JSON pretty-printed, text as is, bytes (valueBase64) as a hex dump; a tombstone as such.
 */
export function recordValue(record) {
  if ('valueBase64' in record) {
    const data = base64Bytes(record.valueBase64);
    return { kind: 'binary', label: `binary, ${bytes(data.length)}`, text: hexDump(data) };
  }
  if (record.value === null) return { kind: 'tombstone', label: 'tombstone', text: 'null' };
  if (typeof record.value === 'string') return { kind: 'text', label: 'text', text: record.value };
  return { kind: 'json', label: 'JSON', text: JSON.stringify(record.value, null, 2) };
}

/** A record's key for display: text, base64 bytes as hex, or none. */
export function recordKey(record) {
  if ('key' in record) return record.key;
  if ('keyBase64' in record) return `0x${Array.from(base64Bytes(record.keyBase64), (b) => b.toString(16).padStart(2, '0')).join('')}`;
  return null;
}
