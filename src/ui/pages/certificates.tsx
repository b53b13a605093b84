/** The certificates the routers serve, per environment: hosts, source, issuer, expiry, last renewal, ACME state and the CA's last error. */
import type { CertificateView } from '../../api/certificate-port.js';
import type { EventRecord } from '../../api/control-plane.js';
import { groupBy } from '../../core/group-by.js';
import { ErrorNote, Muted, Section, StateBadge } from '../components/bits.js';
import { api, isNotServed } from '../lib/api.js';
import { certificateState, expiresSoon, expiryText } from '../lib/certificate-view.js';
import { age, clockTime, fromNow } from '../lib/format.js';
import { useNow, useResource } from '../lib/hooks.js';

const isCertificateEvent = (event: EventRecord): boolean => event.type.startsWith('certificate.') || event.type === 'spec.applied';
/** Renewed certificate files and time passing announce no event: poll too. */
const pollMs = 10_000;

export function CertificatesPage() {
  const certificates = useResource<readonly CertificateView[] | null>(
    () => api.certificates().catch((error: unknown) => (isNotServed(error) ? null : Promise.reject(error))),
    [],
    { refreshOn: isCertificateEvent, pollMs: () => pollMs },
  );
  const now = useNow(10_000);
  return (
    <div class="page">
      <h1>Certificates</h1>
      <p class="muted">What the routers serve on their TLS listeners. One expiring within 14 days is highlighted and fires the built-in certificate-expiry alert.</p>
      <ErrorNote error={certificates.error} what="the certificates" />
      {certificates.data === null && <Muted>This server lists no certificates.</Muted>}
      {certificates.data?.length === 0 && <Muted>No certificates: give a route `tls: {'{'} cert, key {'}'}` or `tls: {'{'} acme {'}'}` in skiff.yaml.</Muted>}
      {[...groupBy(certificates.data ?? [], (certificate) => certificate.environment)].map(([environment, list]) => (
        <Section key={environment} title={environment}>
          <table class="table certificates" data-testid={`certificates-${environment}`}>
            <thead>
              <tr>
                <th>hosts</th>
                <th>source</th>
                <th>issuer</th>
                <th>expires</th>
                <th>obtained</th>
                <th>state</th>
              </tr>
            </thead>
            <tbody>
              {list.map((certificate) => (
                <CertificateRow key={`${certificate.source}/${certificate.hosts.join(',')}`} certificate={certificate} now={now} />
              ))}
            </tbody>
          </table>
        </Section>
      ))}
    </div>
  );
}

function CertificateRow(props: { readonly certificate: CertificateView; readonly now: number }) {
  const { certificate, now } = props;
  const state = certificateState(certificate);
  const acme = certificate.acme;
  return (
    <tr data-host={certificate.hosts.join(',')} data-state={state} class={expiresSoon(certificate) ? 'expires-soon' : undefined}>
      <td class="mono">{certificate.hosts.join(', ')}</td>
      <td>{certificate.source}</td>
      <td>{certificate.issuer ?? '-'}</td>
      <td class="nowrap" data-testid="certificate-expiry" title={certificate.notAfter ? clockTime(certificate.notAfter) : undefined}>
        {expiryText(certificate)}
      </td>
      <td class="nowrap" data-testid="certificate-obtained" title={certificate.renewedAt ? clockTime(certificate.renewedAt) : undefined}>
        {certificate.renewedAt ? `${age(certificate.renewedAt, now)} ago` : '-'}
      </td>
      <td data-testid="certificate-state">
        <StateBadge state={state} />
        {acme?.lastError && <div class="muted small reason" data-testid="certificate-error">{acme.lastError}</div>}
        {acme?.nextAttemptAt && acme.state !== 'valid' && <div class="muted small">next attempt {fromNow(acme.nextAttemptAt, now)}</div>}
      </td>
    </tr>
  );
}
