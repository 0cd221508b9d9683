// Numbers, money and times for people. Money arrives as exact decimal strings and is formatted from the string
// (Intl.NumberFormat keeps string input exact); sums are done on BigInt nano-dollars, never on floats.

const integer = new Intl.NumberFormat(undefined, { maximumFractionDigits: 0 });
const decimal = new Intl.NumberFormat(undefined, { maximumFractionDigits: 2 });
const oneDecimal = new Intl.NumberFormat(undefined, { minimumFractionDigits: 1, maximumFractionDigits: 1 });
const compactFormat = new Intl.NumberFormat(undefined, { notation: 'compact', maximumFractionDigits: 1 });
const dollars = new Intl.NumberFormat(undefined, { style: 'currency', currency: 'USD', minimumFractionDigits: 2,
  maximumFractionDigits: 2 });
// Up to 20 fraction digits (the most Intl allows everywhere): unit prices may have more than money's nine.
const fractions = new Intl.NumberFormat(undefined, { style: 'currency', currency: 'USD', minimumFractionDigits: 2,
  maximumFractionDigits: 20 });

export const DASH = '—';

/** 1234567 -> "1,234,567" (in the browser's locale). */
export function int(n) {
  return n === null || n === undefined ? DASH : integer.format(n);
}

/** A quantity that may be fractional (seconds of audio). */
export function quantity(n) {
  return n === null || n === undefined ? DASH : decimal.format(n);
}

/** 1234567 -> "1.2M". */
export function compact(n) {
  return n === null || n === undefined ? DASH : compactFormat.format(n);
}

/**
 * The one money display rule for people (as MoneyText on the server, for the CLI and e-mails): cents, rounded
 * half-up ("10.962532483" -> "$10.96"); only an amount below a cent, other than zero, shows two significant digits
 * ("0.00002212" -> "$0.000022"), so it never reads as $0.00. Exact arithmetic on BigInt decimal units (any number
 * of decimals, as unit prices may have); the exact value is moneyExact(), shown on hover by moneyEl().
 */
export function money(s) {
  if (s === null || s === undefined) return DASH;
  const { units, scale } = decimalUnits(String(s));
  const negative = units < 0n;
  const abs = negative ? -units : units;
  const sign = negative ? '-' : '';
  const cent = 10n ** BigInt(scale - 2);
  if (abs !== 0n && abs < cent) {
    const drop = abs.toString().length - 2;
    const step = drop > 0 ? 10n ** BigInt(drop) : 1n;
    const rounded = ((abs + step / 2n) / step) * step;
    if (rounded < cent) return fractions.format(`${sign}${unitsText(rounded, scale)}`);
  }
  const centsValue = (abs + cent / 2n) / cent;
  return dollars.format(`${sign}${centsValue / 100n}.${(centsValue % 100n).toString().padStart(2, '0')}`);
}

/** "0.00002212" -> {units: 2212n, scale: 8}; the scale is at least 2 (cents). */
function decimalUnits(text) {
  const negative = text.startsWith('-');
  const [whole, fraction = ''] = (negative ? text.slice(1) : text).split('.');
  const digits = fraction.padEnd(2, '0');
  const units = BigInt(whole || '0') * 10n ** BigInt(digits.length) + BigInt(digits);
  return { units: negative ? -units : units, scale: digits.length };
}

/** 2212n, 8 -> "0.00002212". */
function unitsText(units, scale) {
  const base = 10n ** BigInt(scale);
  const fraction = (units % base).toString().padStart(scale, '0').replace(/0+$/, '');
  return `${units / base}${fraction ? `.${fraction}` : ''}`;
}

/** Every digit of an amount: "10.962532483" -> "$10.962532483". */
export function moneyExact(s) {
  return s === null || s === undefined ? DASH : fractions.format(String(s));
}

/** An amount for people in a span whose title (hover) is the exact amount when it differs. */
export function moneyEl(s) {
  const shown = money(s);
  const exact = moneyExact(s);
  const el = document.createElement('span');
  el.className = 'money';
  el.textContent = shown;
  if (exact !== shown && exact !== DASH) el.title = exact;
  return el;
}

/** 104.0 -> "104.0 %". */
export function percent(p) {
  return p === null || p === undefined ? DASH : `${oneDecimal.format(p)} %`;
}

/** A limit amount: money for cost limits, a count otherwise. */
export function amount(metric, v) {
  if (v === null || v === undefined) return 'unlimited';
  return metric === 'cost' ? money(v) : quantity(Number(v));
}

/** Milliseconds, as "142 ms". */
export function ms(v) {
  return v === null || v === undefined ? DASH : `${decimal.format(v)} ms`;
}

/** "31.20" -> 31200000000n nano-dollars. */
export function toNanos(s) {
  let text = String(s);
  const negative = text.startsWith('-');
  if (negative) text = text.slice(1);
  const [whole, fraction = ''] = text.split('.');
  const nanos = BigInt(whole || '0') * 1000000000n + BigInt((fraction + '000000000').slice(0, 9));
  return negative ? -nanos : nanos;
}

/** 31200000000n -> "31.2". */
export function fromNanos(n) {
  const negative = n < 0n;
  const abs = negative ? -n : n;
  const fraction = (abs % 1000000000n).toString().padStart(9, '0').replace(/0+$/, '');
  return `${negative ? '-' : ''}${abs / 1000000000n}${fraction ? `.${fraction}` : ''}`;
}

/** Adds decimal money strings exactly. */
export function addMoney(...amounts) {
  return fromNanos(amounts.reduce((sum, a) => sum + toNanos(a ?? '0'), 0n));
}

/** An instant as date and time in a time zone ("Nov 22, 2026, 10:15 AM"). */
export function dateTime(iso, timeZone) {
  if (!iso) return DASH;
  return new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short', timeZone })
    .format(new Date(iso));
}

/** An instant as date and time with seconds, for logs. */
export function preciseTime(iso, timeZone) {
  if (!iso) return DASH;
  return new Intl.DateTimeFormat(undefined, { dateStyle: 'short', timeStyle: 'medium', timeZone })
    .format(new Date(iso));
}

/** An instant as a date in a time zone. */
export function date(iso, timeZone) {
  if (!iso) return DASH;
  return new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeZone }).format(new Date(iso));
}

/** A calendar day "2026-11-03" as "Nov 3" (no zone shift: it already is the customer's day). */
export function day(yyyyMmDd) {
  const [y, m, d] = yyyyMmDd.split('-').map(Number);
  return new Intl.DateTimeFormat(undefined, { month: 'short', day: 'numeric', timeZone: 'UTC' })
    .format(new Date(Date.UTC(y, m - 1, d)));
}

/** A period [start, end) as its first and last day in a time zone: "Nov 30, 2026 – Dec 29, 2026". */
export function span(startIso, endIso, timeZone) {
  const last = new Date(Date.parse(endIso) - 1).toISOString();
  return `${date(startIso, timeZone)} – ${date(last, timeZone)}`;
}

/** A month "2026-11" as "November 2026". */
export function month(yyyyMm) {
  const [y, m] = yyyyMm.split('-').map(Number);
  return new Intl.DateTimeFormat(undefined, { month: 'long', year: 'numeric', timeZone: 'UTC' })
    .format(new Date(Date.UTC(y, m - 1, 1)));
}

/** The calendar month ("2026-11") of an instant in a time zone: the name of a billing month starting then. */
export function monthOf(iso, timeZone) {
  return dayOf(iso, timeZone).slice(0, 7);
}

/** The calendar day ("2026-11-03") of an instant in a time zone. */
export function dayOf(iso, timeZone) {
  const parts = new Intl.DateTimeFormat('en-CA', { year: 'numeric', month: '2-digit', day: '2-digit', timeZone })
    .formatToParts(new Date(iso));
  const part = (type) => parts.find((p) => p.type === type).value;
  return `${part('year')}-${part('month')}-${part('day')}`;
}

/** The hour of day (0-23) of an instant in a time zone. */
export function hourIn(iso, timeZone) {
  return Number(new Intl.DateTimeFormat('en-GB', { hour: '2-digit', hourCycle: 'h23', timeZone })
    .format(new Date(iso)));
}

/** The instant (ISO) when the calendar day "2026-11-03" begins in a time zone. */
export function startOfDay(yyyyMmDd, timeZone) {
  const [y, m, d] = yyyyMmDd.split('-').map(Number);
  const utcGuess = Date.UTC(y, m - 1, d);
  // Two passes: the zone's offset at the guess, then at the corrected instant (right across DST changes).
  let t = utcGuess - offsetMs(utcGuess, timeZone);
  t = utcGuess - offsetMs(t, timeZone);
  return new Date(t).toISOString();
}

function offsetMs(t, timeZone) {
  const parts = Object.fromEntries(new Intl.DateTimeFormat('en-US', {
    timeZone, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit',
    hour: '2-digit', minute: '2-digit', second: '2-digit',
  }).formatToParts(new Date(t)).map((p) => [p.type, p.value]));
  const asUtc = Date.UTC(+parts.year, +parts.month - 1, +parts.day, +parts.hour, +parts.minute, +parts.second);
  return asUtc - Math.floor(t / 1000) * 1000;
}
