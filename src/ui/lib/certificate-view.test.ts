import { describe, expect, it } from 'vitest';
import { certificateState, expiresSoon, expiryText } from './certificate-view.js';

const file = (daysLeft: number | null) => ({ daysLeft, notAfter: daysLeft === null ? null : '2026-12-08T12:00:00.000Z', acme: null });

describe('certificates on the dashboard', () => {
  it('highlights one expiring within 14 days or expired, not a fresh one nor an ACME host still waiting', () => {
    expect([60, 14, 13, 0, -1, null].map((days) => expiresSoon(file(days)))).toEqual([false, false, true, true, true, false]);
  });

  it('says the date and the days left, or that it expired', () => {
    expect(expiryText(file(1))).toBe('2026-12-08 · 1 day left');
    expect(expiryText(file(40))).toBe('2026-12-08 · 40 days left');
    expect(expiryText(file(-3))).toBe('2026-12-08 · expired');
    expect(expiryText(file(null))).toBe('-');
  });

  it("shows an ACME host's loop state, and a file's validity", () => {
    const failing = { ...file(null), acme: { state: 'failing' as const, directory: 'https://ca/dir', lastError: 'refused', attempts: 2, nextAttemptAt: null } };
    expect([certificateState(failing), certificateState(file(60)), certificateState(file(3)), certificateState(file(-1))]).toEqual(['failing', 'valid', 'expiring', 'expired']);
  });
});
