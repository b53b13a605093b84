/** Certificate facts shared by the server, the CLI and the dashboard. */

/**
 * How the ACME loop stands for one host. pending: no certificate yet; valid: served, renewed when
 * due; renewing: an order for a host with a certificate is under way; failing: the last order
 * failed and is retried with backoff.
 */
export type AcmeState = 'pending' | 'valid' | 'renewing' | 'failing';

/** A certificate expiring within this many days is flagged (status, dashboard) and alerted on by the built-in alert. */
export const certificateExpiryWarningDays = 14;
