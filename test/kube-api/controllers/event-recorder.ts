/** core/v1 Events as the controllers and the kubelet write them: one per object, reason and message, with a count. */
import { randomBytes } from 'node:crypto';
import type { ResourceApi } from '../resource-api.js';
import { typeOfKind } from '../resources.js';
import type { KubeObject, ObjectStore } from '../store.js';

const EVENTS = typeOfKind('Event');

export type EventType = 'Normal' | 'Warning';

export class EventRecorder {
  private readonly names = new Map<string, string>();

  constructor(
    private readonly store: ObjectStore,
    private readonly api: ResourceApi,
  ) {}

  record(involved: KubeObject, type: EventType, reason: string, message: string, component: string): void {
    const namespace = involved.metadata.namespace ?? 'default';
    const key = `${involved.metadata.uid}/${reason}/${message}`;
    const now = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
    const existingName = this.names.get(key);
    const existing = existingName ? this.store.get(EVENTS, namespace, existingName) : undefined;
    if (existing) {
      existing.count = Number(existing.count ?? 1) + 1;
      existing.lastTimestamp = now;
      this.store.update(EVENTS, existing);
      return;
    }
    const name = `${involved.metadata.name}.${randomBytes(8).toString('hex')}`;
    this.names.set(key, name);
    this.api.createObject(
      EVENTS,
      {
        apiVersion: 'v1',
        kind: 'Event',
        metadata: { name, namespace },
        involvedObject: {
          apiVersion: involved.apiVersion,
          kind: involved.kind,
          name: involved.metadata.name,
          namespace: involved.metadata.namespace,
          uid: involved.metadata.uid,
          resourceVersion: involved.metadata.resourceVersion,
        },
        reason,
        message,
        type,
        source: { component },
        reportingComponent: component,
        reportingInstance: '',
        firstTimestamp: now,
        lastTimestamp: now,
        count: 1,
      },
      component,
    );
  }
}
