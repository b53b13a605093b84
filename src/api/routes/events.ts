import type { FastifyPluginAsync } from 'fastify';
import type { ControlPlane, EventQuery, EventRecord } from '../control-plane.js';
import { trackStreams } from '../open-stream.js';
import { defineRoute, defineStreamRoute } from '../route.js';
import { eventListSchema, eventRecordSchema, eventStreamQuerySchema, eventsQuerySchema } from '../schemas.js';

export const defaultEventLimit = 100;
/** Comment lines keep idle proxies and browsers from closing a quiet stream. */
const heartbeatMs = 15_000;
const replayLimit = 1000;

export function eventRoutes(controlPlane: ControlPlane): FastifyPluginAsync {
  return async (app) => {
    const streams = trackStreams(app);

    defineRoute(app, {
      method: 'GET',
      url: '/api/v1/events',
      tag: 'events',
      summary: 'Stored events (the timeline and audit log), filtered',
      querystring: eventsQuerySchema,
      response: eventListSchema,
      handler: (request) => {
        const query: EventQuery = { limit: defaultEventLimit, ...withoutUndefined(request.query) };
        return [...controlPlane.events(query)];
      },
    });

    defineStreamRoute(app, {
      method: 'GET',
      url: '/api/v1/events/stream',
      tag: 'events',
      summary: 'New events as Server-Sent Events; reconnecting with Last-Event-ID replays the missed ones',
      querystring: eventStreamQuerySchema,
      contentType: 'text/event-stream',
      response: eventRecordSchema,
      handler: async (request, reply) => {
        const stream = streams.open(reply, 'text/event-stream');
        let lastSent = 0;
        const send = (event: EventRecord): void => {
          // Ids only grow, so this drops the overlap between the replay and the live events.
          if (event.id <= lastSent) return;
          lastSent = event.id;
          stream.write(`id: ${event.id}\ndata: ${JSON.stringify(event)}\n\n`);
        };
        const pending: EventRecord[] = [];
        let live = false;
        const unsubscribe = controlPlane.onEvent((event) => (live ? send(event) : pending.push(event)));
        stream.write(': connected\n\n');
        const afterId = request.query.afterId ?? lastEventId(request.headers['last-event-id']);
        if (afterId !== undefined) {
          lastSent = afterId;
          const missed = [...controlPlane.events({ afterId, limit: replayLimit })].sort((a, b) => a.id - b.id);
          missed.forEach(send);
        }
        pending.sort((a, b) => a.id - b.id).forEach(send);
        live = true;
        const heartbeat = setInterval(() => stream.write(': ping\n\n'), heartbeatMs);
        const stop = (): void => {
          clearInterval(heartbeat);
          unsubscribe();
        };
        if (stream.signal.aborted) stop();
        else stream.signal.addEventListener('abort', stop, { once: true });
        return reply;
      },
    });
  };
}

function lastEventId(header: string | string[] | undefined): number | undefined {
  const text = Array.isArray(header) ? header[0] : header;
  if (!text) return undefined;
  const value = Number(text);
  return Number.isSafeInteger(value) && value >= 0 ? value : undefined;
}

function withoutUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
