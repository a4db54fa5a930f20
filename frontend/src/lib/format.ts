export function displayName(u: { displayName?: string | null; username: string }) {
  return u.displayName?.trim() || u.username;
}

export function relativeTime(iso: string, now = Date.now()): string {
  const s = Math.max(0, Math.round((now - new Date(iso).getTime()) / 1000));
  if (s < 45) return 'just now';
  if (s < 3600) return `${Math.round(s / 60)} min`;
  if (s < 86_400) return `${Math.round(s / 3600)} h`;
  if (s < 7 * 86_400) return `${Math.round(s / 86_400)} d`;
  return new Date(iso).toLocaleDateString();
}

export function money(m: { amount: string; currency: string }) {
  const n = Number(m.amount);
  try {
    return new Intl.NumberFormat(undefined, { style: 'currency', currency: m.currency }).format(n);
  } catch {
    return `${m.amount} ${m.currency}`;
  }
}

export function newId() {
  return typeof crypto !== 'undefined' && 'randomUUID' in crypto
    ? crypto.randomUUID()
    : `${Date.now().toString(16)}-${Math.random().toString(16).slice(2)}`;
}
