/**
 * An environment's router listeners. `"IP:PORT"` is plain HTTP, except on port 443, which is
 * HTTPS (and HTTP/2); `"IP:PORT/tls"` or `{ address: "IP:PORT", tls: true }` makes any port
 * HTTPS. One plain address at most (the router's own, which instances and the local control
 * plane use).
 */
import { z } from 'zod';
import { parseHostPort, parseListenAddress, type ListenAddress } from '../core/listen-address.js';

const addressSchema = z.string().transform((text, ctx) => {
  const address = parseHostPort(text);
  if (address === undefined) {
    ctx.addIssue({ code: 'custom', message: `expected IP:PORT such as 0.0.0.0:80 or [::]:443, got "${text}"` });
    return z.NEVER;
  }
  return address;
});

const listenEntrySchema = z
  .union([
    z.string().transform((text, ctx): ListenAddress => {
      const address = parseListenAddress(text);
      if (address === undefined) {
        ctx.addIssue({ code: 'custom', message: `expected IP:PORT or IP:PORT/tls such as 0.0.0.0:80 or [::]:8443/tls, got "${text}"` });
        return z.NEVER;
      }
      return address;
    }),
    z
      .strictObject({
        address: addressSchema.describe('IP:PORT'),
        tls: z.boolean().default(false).describe('HTTPS and HTTP/2 with the routes\' certificates'),
      })
      .transform(({ address, tls }): ListenAddress => ({ ...address, tls })),
  ])
  .describe('"IP:PORT" (HTTPS when the port is 443), "IP:PORT/tls", or { address: "IP:PORT", tls: true }');

export const routerSchema = z
  .strictObject({
    listen: z
      .array(listenEntrySchema)
      .min(1)
      .superRefine((entries, ctx) => {
        if (entries.filter((entry) => !entry.tls).length > 1) {
          ctx.addIssue({ code: 'custom', message: 'at most one plain HTTP address: the others must be TLS' });
        }
        const seen = new Set<string>();
        for (const entry of entries) {
          const key = `${entry.host}:${entry.port}`;
          if (seen.has(key)) ctx.addIssue({ code: 'custom', message: `${key} is listed twice` });
          seen.add(key);
        }
      })
      .describe("the router's addresses, e.g. [\"0.0.0.0:80\", \"0.0.0.0:443\"] (default: 127.0.0.1 and the environment's routerPort)"),
  })
  .describe("this environment's router: where it listens");

export type RouterSpec = z.output<typeof routerSchema>;
