/** Dates as the pickup desk says them. Dates are YYYY-MM-DD strings in Japan time. */

const WEEKDAY = ['日', '月', '火', '水', '木', '金', '土'];

/** `date` plus `n` days (YYYY-MM-DD). */
export function addDays(date: string, n: number): string {
  const d = new Date(`${date}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + n);
  return d.toISOString().slice(0, 10);
}

/** `12/3（木）`. */
export function dayLabel(date: string): string {
  const d = new Date(`${date}T00:00:00Z`);
  if (Number.isNaN(d.getTime())) return date;
  return `${d.getUTCMonth() + 1}/${d.getUTCDate()}（${WEEKDAY[d.getUTCDay()]}）`;
}

/** `〒373-0853` from `3730853` or `373-0853`; other text as it is. */
export function postal(code: string): string {
  const digits = code.replace(/[^0-9]/g, '');
  if (digits.length === 7) return `〒${digits.slice(0, 3)}-${digits.slice(3)}`;
  return code === '' ? '' : `〒${code}`;
}
